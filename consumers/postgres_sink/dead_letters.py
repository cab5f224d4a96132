"""Publishing the sink's poison messages to the dead-letter topic, acknowledged before moving on.

The sink advances its stored offsets past a poison message only after the dead letter is on the
topic (acks=all), so a message is never dropped silently; a crash in between at worst publishes
the same dead letter twice (its key, `topic:partition:offset`, tells the copies apart from others).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from infra.errors import TransientError
from infra.topics import DLQ
from schemas.serde import AvroSerde
from streams.dlq import SourceMessage, dead_letter, dead_letter_key

logger = logging.getLogger(__name__)

ACK_SECONDS = 30.0


class DeadLetterPublisher:
    """Publishes `mca.dlq` records for one stage to `topic`; `publish` returns once Kafka acknowledged."""

    def __init__(
        self, kafka: dict[str, Any], *, topic: str, stage: str, worker: str, serde: AvroSerde
    ) -> None:
        self._kafka = kafka
        self._topic = topic
        self._stage = stage
        self._worker = worker
        self._serde = serde
        self._producer: Producer | None = None

    def publish(self, letters: Sequence[tuple[SourceMessage, BaseException]]) -> None:
        """Dead-letter every (message, error) and wait for the acknowledgements; raises TransientError
        when Kafka does not acknowledge them all (the caller must then not advance its offsets)."""
        if not letters:
            return
        if self._producer is None:
            # librdkafka's own log lines go through Python logging rather than straight to stderr.
            self._producer = Producer({**self._kafka, "acks": "all", "enable.idempotence": True,
                                       "client.id": f"mca-{self._stage}-dlq",
                                       "logger": logging.getLogger("librdkafka")})
        failures: list[KafkaError] = []

        def on_delivery(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failures.append(error)

        now = datetime.now(UTC)
        for source, error in letters:
            logger.error("dead-lettering %s: %s", source.coordinates, error)
            record = dead_letter(source, stage=self._stage, error=error, at=now, worker=self._worker)
            self._producer.produce(self._topic, key=dead_letter_key(source),
                                   value=self._serde.encode(DLQ.name, record), on_delivery=on_delivery)
        if self._producer.flush(ACK_SECONDS) > 0 or failures:
            reason = failures[0] if failures else "timeout"
            raise TransientError(f"dead-letter topic {self._topic} did not acknowledge: {reason}")

    def close(self) -> None:
        """Deliver anything still queued (bounded wait)."""
        if self._producer is not None:
            self._producer.flush(ACK_SECONDS)
