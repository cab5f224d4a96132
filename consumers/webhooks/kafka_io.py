"""Kafka plumbing shared by the two webhook loops: consumer settings, records as SourceMessage,
offset bookkeeping, and a producer whose `publish` returns only after Kafka acknowledged.

Delivery tasks for retry and dead-letter topics share the `mca.webhook.delivery` value schema; they
are encoded under the registry subject of their own topic when the topic map knows it, else under
that of `fallback_schema_topic` (topics with other names, e.g. in tests).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from infra.errors import TransientError
from infra.topics import BY_NAME
from schemas.serde import AvroSerde
from streams.dlq import SourceMessage

logger = logging.getLogger(__name__)

ACK_SECONDS = 30.0


def consumer_settings(base: Mapping[str, Any], *, group_id: str, client_id: str,
                      session_timeout_seconds: float, max_poll_interval_seconds: float) -> dict[str, Any]:
    """librdkafka consumer settings on top of `base` (servers and security): manual commits, pure."""
    session_ms = round(session_timeout_seconds * 1000)
    return {
        **base,
        "group.id": group_id,
        "client.id": client_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": session_ms,
        "heartbeat.interval.ms": max(100, session_ms // 4),
        "max.poll.interval.ms": max(session_ms, round(max_poll_interval_seconds * 1000)),
    }


def source_message(message: Message) -> SourceMessage:
    """`message` as a library-independent SourceMessage."""
    timestamp_type, timestamp = message.timestamp()
    headers = message.headers() or ()
    pairs = headers.items() if isinstance(headers, dict) else headers
    return SourceMessage(
        topic=message.topic() or "", partition=message.partition() or 0, offset=message.offset() or 0,
        key=message.key(), value=message.value(),
        headers=tuple((name, value.encode() if isinstance(value, str) else value) for name, value in pairs),
        timestamp_ms=timestamp if timestamp_type else None,
    )


def next_offsets(sources: Iterable[SourceMessage]) -> dict[tuple[str, int], int]:
    """(topic, partition) -> the offset after the last of `sources` there (what to commit), pure."""
    offsets: dict[tuple[str, int], int] = {}
    for source in sources:
        key = (source.topic, source.partition)
        offsets[key] = max(offsets.get(key, 0), source.offset + 1)
    return offsets


def raise_if_fatal(message: Message) -> bool:
    """True when `message` is a record; False for an ignorable consumer event; raises on a fatal error."""
    error = message.error()
    if error is None:
        return True
    if error.fatal():
        raise KafkaException(error)
    if error.code() != KafkaError._PARTITION_EOF:
        logger.warning("consumer error: %s", error)
    return False


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
