"""The fan-out loop: each application event becomes one delivery task per enabled endpoint that
subscribes to its type, on `mca.webhook.delivery` keyed by endpoint_id.

Kafka semantics: a batch of events is turned into tasks, the tasks are published and acknowledged,
and only then are the events' offsets committed. A crash in between publishes the batch's tasks
again after the restart: same delivery ids, same bodies (payload.py is deterministic), and the
delivery worker skips a delivery already logged as succeeded. Undecodable events go to `mca.dlq`.
Endpoints are those enabled when the event is read (through the store's short cache).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition
from sqlalchemy.exc import InterfaceError, OperationalError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from consumers.kafka_common import consumer_settings, next_offsets, raise_if_fatal, source_message
from consumers.postgres_sink.dead_letters import DeadLetterPublisher
from consumers.webhooks.kafka_io import Outgoing, TaskPublisher
from consumers.webhooks.payload import delivery_task, webhook_payload
from consumers.webhooks.store import WebhookStore
from infra.errors import PoisonMessageError, TransientError
from infra.topics import APPLICATION_EVENT, DLQ, WEBHOOK_DELIVERY
from schemas.serde import AvroSerde
from streams.dlq import SourceMessage

logger = logging.getLogger(__name__)

STAGE = "webhooks-fanout"


@dataclass(frozen=True)
class FanOutConfig:
    """Where events come from, where tasks go, and the links base URL of the payloads."""

    links_base_url: str
    events_topic: str = APPLICATION_EVENT.name
    delivery_topic: str = WEBHOOK_DELIVERY.name
    group_id: str = "mca-webhooks-fanout"
    poison_topic: str = DLQ.name
    batch_size: int = 200
    poll_seconds: float = 0.5
    session_timeout_seconds: float = 10.0
    max_poll_interval_seconds: float = 300.0


class FanOut:
    """Turns events into delivery tasks; `run(stop)` until `stop` is set."""

    def __init__(
        self,
        config: FanOutConfig,
        *,
        kafka: dict[str, Any],
        serde: AvroSerde,
        store: WebhookStore,
        publisher: TaskPublisher,
        dead_letters: DeadLetterPublisher,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._kafka = kafka
        self._serde = serde
        self._store = store
        self._publisher = publisher
        self._dead_letters = dead_letters
        self._now = now
        self._consumer: Consumer | None = None
        self._retrying = Retrying(
            stop=stop_after_attempt(5), wait=wait_exponential(multiplier=0.5, max=8),
            retry=retry_if_exception_type((TransientError, OperationalError, InterfaceError)), reraise=True,
        )

    def setup(self) -> None:
        """Create the consumer and subscribe."""
        settings = consumer_settings(
            self._kafka, group_id=self._config.group_id, client_id=f"mca-{STAGE}",
            session_timeout_seconds=self._config.session_timeout_seconds,
            max_poll_interval_seconds=self._config.max_poll_interval_seconds,
        )
        self._consumer = Consumer({**settings, "logger": logging.getLogger("librdkafka")})
        self._consumer.subscribe([self._config.events_topic])

    def run(self, stop: threading.Event) -> None:
        """Fan out until `stop` is set, then leave the group."""
        if self._consumer is None:
            self.setup()
        assert self._consumer is not None
        try:
            while not stop.is_set():
                self.poll_once()
        finally:
            self._consumer.close()
            self._publisher.close()
            self._dead_letters.close()

    def poll_once(self) -> int:
        """One batch: read events, publish their tasks (acknowledged), commit; returns tasks published."""
        consumer = self._consumer
        assert consumer is not None
        messages = consumer.consume(num_messages=self._config.batch_size, timeout=self._config.poll_seconds)
        sources = [source_message(m) for m in messages if raise_if_fatal(m)]
        if not sources:
            return 0
        tasks: list[Outgoing] = []
        poison: list[tuple[SourceMessage, BaseException]] = []
        for source in sources:
            try:
                tasks.extend(self._tasks(source))
            except PoisonMessageError as exc:
                poison.append((source, exc))
        self._retrying(self._publisher.publish, tasks)
        self._retrying(self._dead_letters.publish, poison)
        offsets = [TopicPartition(topic, partition, offset)
                   for (topic, partition), offset in next_offsets(sources).items()]
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:  # a rebalance: the next owner publishes these tasks again
            logger.warning("commit of %d events failed (%s); their tasks may be published again",
                           len(sources), exc)
        logger.info("fanned out %d events into %d delivery tasks", len(sources), len(tasks))
        return len(tasks)

    def _tasks(self, source: SourceMessage) -> list[Outgoing]:
        if source.value is None:
            raise PoisonMessageError("application event without a value")
        event = self._retrying(self._serde.decode, APPLICATION_EVENT.name, source.value)
        endpoints = self._retrying(self._store.subscribers, str(event["type"]))
        if not endpoints:
            return []
        payload = webhook_payload(event, links_base_url=self._config.links_base_url)
        created = self._now()
        return [Outgoing(self._config.delivery_topic, endpoint.id,
                         delivery_task(event, endpoint.id, payload, created_at=created))
                for endpoint in endpoints]
