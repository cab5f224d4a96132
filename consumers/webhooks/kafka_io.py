"""The webhook loops' producer: `publish` returns only after Kafka acknowledged (the consumer
plumbing they share with the sinks is consumers.kafka_common).

Delivery tasks for retry and dead-letter topics share the `mca.webhook.delivery` value schema; they
are encoded under the registry subject of their own topic when the topic map knows it, else under
that of `fallback_schema_topic` (topics with other names, e.g. in tests).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from infra.errors import TransientError
from infra.topics import BY_NAME
from schemas.serde import AvroSerde

logger = logging.getLogger(__name__)

ACK_SECONDS = 30.0


@dataclass(frozen=True)
class Outgoing:
    """One record to publish: topic, key, value (a dict for the Avro schema) and headers."""

    topic: str
    key: str
    value: Mapping[str, Any]
    headers: tuple[tuple[str, bytes], ...] = ()


class TaskPublisher:
    """An idempotent acks=all producer; `publish` waits for every acknowledgement. Thread-safe."""

    def __init__(self, kafka: Mapping[str, Any], serde: AvroSerde, *, client_id: str,
                 fallback_schema_topic: str) -> None:
        self._kafka = dict(kafka)
        self._serde = serde
        self._client_id = client_id
        self._fallback = fallback_schema_topic
        self._producer: Producer | None = None

    def setup(self) -> None:
        """Create the producer (no I/O before this)."""
        self._producer = Producer({**self._kafka, "acks": "all", "enable.idempotence": True,
                                   "linger.ms": 5, "client.id": self._client_id,
                                   "logger": logging.getLogger("librdkafka")})

    def publish(self, records: Sequence[Outgoing]) -> None:
        """Publish `records` and return once Kafka acknowledged them all; raises TransientError
        otherwise (the caller must then not commit the offsets that caused them)."""
        if not records:
            return
        if self._producer is None:
            self.setup()
        assert self._producer is not None
        failures: list[KafkaError] = []

        def on_delivery(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failures.append(error)

        for record in records:
            schema_topic = record.topic if record.topic in BY_NAME else self._fallback
            value = self._serde.encode(schema_topic, record.value)
            try:
                self._producer.produce(record.topic, key=record.key.encode(), value=value,
                                       headers=list(record.headers), on_delivery=on_delivery)
            except (BufferError, KafkaException) as exc:
                raise TransientError(f"Kafka refused a record for {record.topic}: {exc}") from exc
        if self._producer.flush(ACK_SECONDS) > 0 or failures:
            reason = failures[0] if failures else "timeout"
            raise TransientError(f"Kafka did not acknowledge {len(records)} records: {reason}")

    def close(self) -> None:
        """Deliver anything still queued (bounded wait)."""
        if self._producer is not None:
            self._producer.flush(ACK_SECONDS)
