"""The postgres-sink consumer loop: read `mca.application`, write batches, resume from the database.

With `event_topic` set it also reads `mca.application.event` into the processing history; both
topics' rows and offsets go into the same transactions.

Kafka semantics, on purpose:
- enable.auto.commit is off and the offsets that count live in `sink_offsets`, written in the
  same transaction as the rows. On every assignment each partition is positioned at its stored
  offset (the beginning when none is stored), so a process killed at any moment resumes exactly
  after the last committed batch: effectively once. Offsets are also committed to Kafka after
  each batch, asynchronously and only so operators see consumer lag with Kafka's own tools.
- A batch closes at `batch_size` messages or `batch_max_seconds` after its first message.
- Before partitions are revoked the pending batch is written, so the next owner starts where
  this one stopped; partitions that are lost (session expired) drop the batch unwritten.
- A message that cannot be decoded or projected goes to the dead-letter topic (acknowledged before
  the batch commits, so it is never dropped silently); its offset then counts as done. So does a
  message the database refuses (a value that does not fit a column): when a batch is refused,
  its messages are written one by one, and one still refused while the database answers is
  dead-lettered. Bad input never becomes a crash loop; a database that is away stops the sink.
- Database errors are logged and re-raised with the driver's reason only: SQLAlchemy's own
  messages carry the statement's parameters, which hold names and ciphertext.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from consumers.kafka_common import consumer_settings, next_offsets, raise_if_fatal, source_message
from consumers.postgres_sink.dead_letters import DeadLetterPublisher
from consumers.postgres_sink.events import project_event
from consumers.postgres_sink.mapping import UnprojectableError, project_application
from consumers.postgres_sink.writer import Operation, ProjectionWriter, Removal, WriteResult
from infra.errors import PoisonMessageError, SerializationError, TransientError
from infra.topics import APPLICATION, APPLICATION_EVENT, DLQ
from schemas.serde import AvroSerde
from streams.dlq import SourceMessage

logger = logging.getLogger(__name__)

STAGE = "postgres-sink"
RETRY_ATTEMPTS = 6
Entry = tuple[SourceMessage, Operation | None]  # None: already dead-lettered, only its offset counts


@dataclass(frozen=True)
class SinkConfig:
    """Where the sink reads (`event_topic`: the events, none when None), how it batches, where poison
    messages go."""

    topic: str = APPLICATION.name
    event_topic: str | None = None
    group_id: str = "mca-postgres-sink"
    dlq_topic: str = DLQ.name
    batch_size: int = 500
    batch_max_seconds: float = 1.0
    poll_seconds: float = 0.5
    session_timeout_seconds: float = 10.0

    @property
    def topics(self) -> list[str]:
        """Every topic the sink subscribes to."""
        return [self.topic] + ([self.event_topic] if self.event_topic else [])


def sink_consumer_settings(base: dict[str, Any], config: SinkConfig) -> dict[str, Any]:
    """librdkafka consumer settings of the sink on top of `base` (servers and security), pure."""
    return consumer_settings(base, group_id=config.group_id, client_id=f"mca-{STAGE}",
                             session_timeout_seconds=config.session_timeout_seconds)


class PostgresSink:
    """Consumes `config.topic` and projects it through `writer`; `run(stop)` until `stop` is set."""

    def __init__(
        self,
        config: SinkConfig,
        *,
        kafka: dict[str, Any],
        serde: AvroSerde,
        writer: ProjectionWriter,
        on_batch: Callable[[WriteResult], None] | None = None,
    ) -> None:
        self._config = config
        self._kafka = kafka
        self._serde = serde
        self._writer = writer
        self._on_batch = on_batch
        self._dead_letters = DeadLetterPublisher(kafka, topic=config.dlq_topic, stage=STAGE, serde=serde,
                                                 worker=f"{socket.gethostname()}:{os.getpid()}")
        self._pending: list[SourceMessage] = []
        self._batch_started = 0.0
        self._consumer: Consumer | None = None
        self._retrying = Retrying(
            stop=stop_after_attempt(RETRY_ATTEMPTS),
            wait=wait_exponential(multiplier=0.5, max=10),
            retry=retry_if_exception_type((OperationalError, InterfaceError, TransientError)),
            before_sleep=_log_retry,
            reraise=True,
        )

    def setup(self) -> None:
        """Create the consumer and subscribe (no I/O before this)."""
        # librdkafka's own log lines go through Python logging rather than straight to stderr.
        self._consumer = Consumer({**sink_consumer_settings(self._kafka, self._config),
                                   "logger": logging.getLogger("librdkafka")})
        self._consumer.subscribe(
            self._config.topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )

    def run(self, stop: threading.Event) -> None:
        """Consume and write batches until `stop` is set; then write the pending batch and leave the group."""
        if self._consumer is None:
            self.setup()
        assert self._consumer is not None
        try:
            while not stop.is_set():
                self._poll_once(self._consumer)
            self.flush()
        finally:
            self._consumer.close()  # leaves the group (revoke writes anything still pending)
            self._dead_letters.close()

    def _poll_once(self, consumer: Consumer) -> None:
        timeout = self._config.poll_seconds
        if self._pending:
            timeout = max(0.0, min(timeout, self._batch_deadline() - time.monotonic()))
        wanted = max(1, self._config.batch_size - len(self._pending))
        for message in consumer.consume(num_messages=wanted, timeout=timeout):
            if raise_if_fatal(message):
                if not self._pending:
                    self._batch_started = time.monotonic()
                self._pending.append(source_message(message))
        full = len(self._pending) >= self._config.batch_size
        if self._pending and (full or time.monotonic() >= self._batch_deadline()):
            self.flush()

    def _batch_deadline(self) -> float:
        return self._batch_started + self._config.batch_max_seconds

    def flush(self) -> WriteResult | None:
        """Write the pending batch and its offsets in one transaction; None when nothing was pending.

        Raises TransientError when the database or the dead-letter topic stays away (after retries).
        """
        if not self._pending:
            return None
        batch, self._pending = self._pending, []
        entries: list[Entry] = []
        dead: list[tuple[SourceMessage, BaseException]] = []
        for source in batch:
            try:
                entries.append((source, self._retrying(self._operation, source)))
            except PoisonMessageError as exc:
                dead.append((source, exc))
                entries.append((source, None))
        self._retrying(self._dead_letters.publish, dead)
        try:
            result = self._write(entries)
        except SQLAlchemyError as exc:
            raise TransientError(f"database unavailable: {database_reason(exc)}") from None
        logger.info("wrote batch: %d messages, %d versions applied, %d stale, %d removed, %d events, "
                    "%d dead-lettered", len(batch), result.applied, result.stale, result.removed,
                    result.events, len(dead))
        if self._consumer is not None:
            done = next_offsets(source for source, _ in entries)
            positions = [TopicPartition(topic, partition, offset)
                         for (topic, partition), offset in done.items()]
            self._consumer.commit(offsets=positions, asynchronous=True)
        if self._on_batch is not None:
            self._on_batch(result)
        return result

    def _operation(self, source: SourceMessage) -> Operation:
        if source.topic == self._config.event_topic:
            if source.value is None:
                raise SerializationError("an application event without a value")
            return project_event(self._serde.decode(APPLICATION_EVENT.name, source.value))
        if source.value is None:
            if not source.key:
                raise SerializationError("tombstone without a key")
            try:
                return Removal(source.key.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise SerializationError(f"tombstone key is not UTF-8 text: {exc}") from exc
        return project_application(self._serde.decode(APPLICATION.name, source.value))

    def _write(self, entries: Sequence[Entry]) -> WriteResult:
        operations = [operation for _, operation in entries if operation is not None]
        offsets = next_offsets(source for source, _ in entries)
        try:
            return self._retrying(self._writer.write, operations, offsets)
        except (OperationalError, InterfaceError) as exc:
            self._retrying(self._writer.ping)  # raises when the database itself is away
            logger.warning("database refused a batch of %d (%s)", len(entries), database_reason(exc))
        except SQLAlchemyError as exc:
            logger.warning("database refused a batch of %d (%s)", len(entries), database_reason(exc))
        return self._write_each(entries)

    def _write_each(self, entries: Sequence[Entry]) -> WriteResult:
        """Write message by message; one the database still refuses while it answers is dead-lettered."""
        applied = stale = removed = events = 0
        for source, operation in entries:
            offsets = next_offsets([source])
            try:
                result = self._retrying(self._writer.write, [operation] if operation else [], offsets)
            except SQLAlchemyError as exc:
                self._retrying(self._writer.ping)
                refused = UnprojectableError(f"the database refused it: {database_reason(exc)}")
                self._retrying(self._dead_letters.publish, [(source, refused)])
                result = self._retrying(self._writer.write, [], offsets)
            applied, stale, removed = applied + result.applied, stale + result.stale, removed + result.removed
            events += result.events
        return WriteResult(applied, stale, removed, events)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        stored = {topic: self._retrying(self._writer.stored_offsets, topic)
                  for topic in sorted({partition.topic for partition in partitions})}
        for partition in partitions:
            partition.offset = stored[partition.topic].get(partition.partition, OFFSET_BEGINNING)
        logger.info("assigned %s", ", ".join(f"{p.topic}[{p.partition}]@{_offset_name(p.offset)}"
                                             for p in partitions))
        consumer.assign(partitions)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        try:
            self.flush()
        except (TransientError, KafkaException) as exc:  # the next owner re-reads from the stored offsets
            logger.error("pending batch not written before the revocation (%s); it will be re-read", exc)
            self._pending = []
        logger.info("revoked %s", ", ".join(f"{p.topic}[{p.partition}]" for p in partitions))

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        lost = {(p.topic, p.partition) for p in partitions}
        self._pending = [m for m in self._pending if (m.topic, m.partition) not in lost]
        logger.warning("lost %s; their pending messages will be re-read by the next owner", sorted(lost))


def database_reason(exc: BaseException) -> str:
    """The first line of the driver's message (never SQLAlchemy's, which lists the parameters)."""
    original = getattr(exc, "orig", None)
    text = str(original) if original is not None else type(exc).__name__
    return f"{type(original or exc).__name__}: {(text.splitlines() or [''])[0]}"


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    reason = database_reason(error) if isinstance(error, SQLAlchemyError) else repr(error)
    logger.warning("attempt %d failed (%s); retrying", state.attempt_number, reason)


def _offset_name(offset: int) -> str:
    return "beginning" if offset == OFFSET_BEGINNING else str(offset)
