"""The delivery worker's consumer loop over `mca.webhook.delivery` and the retry topics.

Kafka semantics, on purpose:
- A task not due yet (its next_attempt_at lies ahead) pauses its partition: the partition is
  paused and seeked back to that task, and resumed once it is due. The loop keeps polling all the
  while (short timeouts), so the consumer never exceeds max.poll.interval and keeps its partitions;
  other partitions and topics flow on. Within a partition tasks wait in order, which costs little:
  a retry topic only holds waits of one tier (see policy.py).
- A batch is at most `concurrency` tasks; each partition's tasks run in order on one thread of a
  pool, partitions in parallel, and the batch's offsets are committed (synchronously) only after
  every task's attempt is logged and its next record acknowledged. The worst batch, all tasks in
  one partition each timing out, stays well below max.poll.interval.
- Undecodable records go to `mca.dlq` (acknowledged before the commit), never dropped silently.
- A task whose handling keeps failing (database or Kafka away after retries) stops the worker with
  its offset uncommitted: the task is handled again after the restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition
from sqlalchemy.exc import InterfaceError, OperationalError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from consumers.kafka_common import consumer_settings, next_offsets, raise_if_fatal, source_message
from consumers.postgres_sink.dead_letters import DeadLetterPublisher
from infra.errors import PoisonMessageError, TransientError
from infra.topics import DLQ, WEBHOOK_DELIVERY
from schemas.serde import AvroSerde
from streams.dlq import SourceMessage

logger = logging.getLogger(__name__)

STAGE = "webhooks-delivery"
Partition = tuple[str, int]
Item = tuple[SourceMessage, Mapping[str, Any] | None]  # None: dead-lettered poison, only its offset counts


@dataclass(frozen=True)
class WorkerConfig:
    """What the worker reads, how much at once and where poison goes."""

    topics: tuple[str, ...]
    group_id: str = "mca-webhooks-delivery"
    poison_topic: str = DLQ.name
    schema_topic: str = WEBHOOK_DELIVERY.name
    concurrency: int = 8
    poll_seconds: float = 0.5
    session_timeout_seconds: float = 10.0
    max_poll_interval_seconds: float = 600.0
    handle_attempts: int = 3


def seconds_until_due(task: Mapping[str, Any], now: float) -> float:
    """Seconds until `task` may be attempted (<= 0: due); `now` is epoch seconds. Pure."""
    due = task.get("next_attempt_at")
    if due is None:
        return 0.0
    moment = due.timestamp() if isinstance(due, datetime) else due / 1000
    return float(moment - now)


class DeliveryWorker:
    """Consumes delivery tasks and hands each to `handle`; `run(stop)` until `stop` is set."""

    def __init__(
        self,
        config: WorkerConfig,
        *,
        kafka: dict[str, Any],
        serde: AvroSerde,
        handle: Callable[[Mapping[str, Any]], str],
        dead_letters: DeadLetterPublisher,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._kafka = kafka
        self._serde = serde
        self._handle = handle
        self._dead_letters = dead_letters
        self._clock = clock
        self._paused: dict[Partition, float] = {}  # partition -> epoch seconds when its head is due
        self._consumer: Consumer | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._retrying = Retrying(
            stop=stop_after_attempt(config.handle_attempts), wait=wait_exponential(multiplier=0.5, max=8),
            retry=retry_if_exception_type((TransientError, OperationalError, InterfaceError)), reraise=True,
        )

    def setup(self) -> None:
        """Create the consumer and the thread pool, and subscribe."""
        settings = consumer_settings(
            self._kafka, group_id=self._config.group_id, client_id=f"mca-{STAGE}",
            session_timeout_seconds=self._config.session_timeout_seconds,
            max_poll_interval_seconds=self._config.max_poll_interval_seconds,
        )
        self._consumer = Consumer({**settings, "logger": logging.getLogger("librdkafka")})
        self._consumer.subscribe(list(self._config.topics), on_assign=self._on_assign,
                                 on_revoke=self._on_revoke, on_lost=self._on_revoke)
        self._pool = ThreadPoolExecutor(self._config.concurrency, thread_name_prefix="webhook-delivery")

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set, then leave the group (the batch in hand is finished first)."""
        if self._consumer is None:
            self.setup()
        assert self._consumer is not None and self._pool is not None
        try:
            while not stop.is_set():
                self.poll_once()
        finally:
            self._pool.shutdown(wait=True)
            self._consumer.close()
            self._dead_letters.close()

    @property
    def paused(self) -> dict[Partition, float]:
        """Partitions waiting for their head task, with its due time (epoch seconds)."""
        return dict(self._paused)

    def poll_once(self) -> None:
        """One batch: resume what is due, consume, hold what is not due, deliver the rest, commit."""
        consumer = self._consumer
        assert consumer is not None
        self._resume_due(consumer)
        timeout = self._config.poll_seconds
        if self._paused:
            timeout = max(0.01, min(timeout, min(self._paused.values()) - self._clock()))
        work: dict[Partition, list[Item]] = {}
        poison: list[tuple[SourceMessage, BaseException]] = []
        for message in consumer.consume(num_messages=self._config.concurrency, timeout=timeout):
            if not raise_if_fatal(message):
                continue
            source = source_message(message)
            partition = (source.topic, source.partition)
            if partition in self._paused:
                continue  # fetched before the pause; it is read again after the resume
            try:
                task: Mapping[str, Any] | None = self._decode(source)
            except PoisonMessageError as exc:
                poison.append((source, exc))
                task = None
            wait = seconds_until_due(task, self._clock()) if task is not None else 0.0
            if wait > 0:
                self._hold(consumer, source, wait)
                continue
            work.setdefault(partition, []).append((source, task))
        if poison:
            self._retrying(self._dead_letters.publish, poison)
        if work:
            self._deliver(consumer, work)

    def _decode(self, source: SourceMessage) -> Mapping[str, Any]:
        if source.value is None:
            raise PoisonMessageError("delivery task without a value")
        return self._retrying(self._serde.decode, self._config.schema_topic, source.value)

    def _hold(self, consumer: Consumer, source: SourceMessage, wait: float) -> None:
        partition = TopicPartition(source.topic, source.partition)
        consumer.pause([partition])
        consumer.seek(TopicPartition(source.topic, source.partition, source.offset))
        self._paused[(source.topic, source.partition)] = self._clock() + wait
        logger.debug("%s waits %.1f s for its next attempt", source.coordinates, wait)

    def _resume_due(self, consumer: Consumer) -> None:
        now = self._clock()
        due = [partition for partition, at in self._paused.items() if at <= now]
        if due:
            consumer.resume([TopicPartition(topic, number) for topic, number in due])
            for partition in due:
                del self._paused[partition]

    def _deliver(self, consumer: Consumer, work: Mapping[Partition, list[Item]]) -> None:
        assert self._pool is not None
        futures: dict[Partition, Future[tuple[list[SourceMessage], BaseException | None]]] = {
            partition: self._pool.submit(self._deliver_in_order, items) for partition, items in work.items()
        }
        done: list[SourceMessage] = []
        failure: BaseException | None = None
        for future in futures.values():
            handled, error = future.result()
            done.extend(handled)
            failure = failure or error
        self._commit(consumer, done)
        if failure is not None:
            raise failure

    def _deliver_in_order(self, items: Sequence[Item]) -> tuple[list[SourceMessage], BaseException | None]:
        handled: list[SourceMessage] = []
        for source, task in items:
            if task is not None:
                try:
                    self._retrying(self._handle, task)
                except Exception as exc:  # surfaced by _deliver after the offsets before it are committed
                    logger.error("%s could not be handled: %s", source.coordinates, exc)
                    return handled, exc
            handled.append(source)
        return handled, None

    def _commit(self, consumer: Consumer, done: Sequence[SourceMessage]) -> None:
        if not done:
            return
        offsets = [TopicPartition(topic, partition, offset) for (topic, partition), offset
                   in next_offsets(done).items()]
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:  # a rebalance took the partitions: the next owner follows the log
            logger.warning("commit of %d offsets failed (%s); their tasks are read again", len(offsets), exc)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # A partition paused before a rebalance must not stay paused without its due time: nothing
        # would resume it. Its waiting task is read again from the committed offset and held anew.
        consumer.assign(partitions)
        if partitions:
            consumer.resume(partitions)
        logger.info("assigned %s", ", ".join(f"{p.topic}[{p.partition}]" for p in partitions))

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for partition in partitions:
            self._paused.pop((partition.topic, partition.partition), None)
        logger.info("revoked %s", ", ".join(f"{p.topic}[{p.partition}]" for p in partitions))
