"""An asyncio-friendly, idempotent Kafka producer: `await publish(...)` returns only after the ack.

confluent-kafka delivers acknowledgements through callbacks served by `poll()`. A background
thread polls; each callback settles an asyncio future on the loop that published, so the event
loop never blocks on Kafka. acks=all with idempotence means an acknowledged event is on every
in-sync replica and a retried send is never written twice within the producer session.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from infra.errors import TransientError

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1
ACK_MARGIN_SECONDS = 5.0


def producer_config(
    bootstrap_servers: str,
    *,
    delivery_timeout_ms: int,
    client_id: str = "mca-ingest",
    security: dict[str, str] | None = None,
) -> dict[str, Any]:
    """librdkafka settings for durable, idempotent, bounded-time publishing."""
    return {
        "bootstrap.servers": bootstrap_servers,
        "client.id": client_id,
        "acks": "all",
        "enable.idempotence": True,
        "delivery.timeout.ms": delivery_timeout_ms,
        # request.timeout.ms must not exceed delivery.timeout.ms or librdkafka refuses the config.
        "request.timeout.ms": min(30_000, delivery_timeout_ms),
        "linger.ms": 5,
        "compression.type": "zstd",
        **(security or {}),
    }


class EventProducer:
    """One librdkafka producer shared by every door of a process; thread-safe and loop-agnostic."""

    def __init__(self, config: dict[str, Any]) -> None:
        # librdkafka's own log lines go through Python logging rather than straight to stderr.
        self._config = {"logger": logging.getLogger("librdkafka"), **config}
        self._ack_timeout = int(config.get("delivery.timeout.ms", 30_000)) / 1000 + ACK_MARGIN_SECONDS
        self._producer = Producer(self._config)
        self._fatal = threading.Event()
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll_forever, name="kafka-delivery", daemon=True)
        self._poller.start()

    async def publish(
        self, topic: str, key: str, value: bytes, headers: Sequence[tuple[str, bytes]] | None = None
    ) -> tuple[int, int]:
        """Send one record and wait for its acknowledgement; returns (partition, offset).

        Raises TransientError when Kafka does not acknowledge within delivery.timeout.ms (broker
        away, topic missing, not enough in-sync replicas): the caller must not report success.
        """
        if self._fatal.is_set():
            self._replace_producer()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[int, int]] = loop.create_future()

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            if err is not None and err.fatal():
                self._fatal.set()
            try:
                loop.call_soon_threadsafe(_settle, future, err, msg)
            except RuntimeError:  # the publishing loop is gone; nobody waits for this ack any more
                logger.warning("delivery report for %s arrived after its event loop closed", topic)

        try:
            self._producer.produce(
                topic, key=key.encode(), value=value, headers=list(headers or ()), on_delivery=on_delivery
            )
        except (BufferError, KafkaException) as exc:
            raise TransientError(f"Kafka refused the record for {topic}: {exc}") from exc
        try:
            return await asyncio.wait_for(future, self._ack_timeout)
        except TimeoutError as exc:
            raise TransientError(f"no acknowledgement from Kafka for {topic} in time") from exc

    def close(self, timeout: float = 10.0) -> int:
        """Flush what is in flight (bounded), stop polling; returns the count of records not delivered."""
        self._stopping.set()
        self._poller.join(timeout=POLL_SECONDS * 20)
        remaining = self._producer.flush(timeout)
        if remaining:
            logger.warning("%d records were not acknowledged before the producer closed", remaining)
        return remaining

    def _replace_producer(self) -> None:
        # An idempotent producer that hit a fatal error (e.g. a sequence gap) refuses every send.
        logger.warning("recreating the Kafka producer after a fatal error")
        old, self._producer = self._producer, Producer(self._config)
        self._fatal.clear()
        old.flush(0)

    def _poll_forever(self) -> None:
        while not self._stopping.is_set():
            self._producer.poll(POLL_SECONDS)


def _settle(future: asyncio.Future[tuple[int, int]], err: KafkaError | None, msg: Message) -> None:
    if future.done():
        return
    if err is not None:
        if err.fatal():
            logger.error("fatal producer error; the producer is recreated on the next send: %s", err)
        future.set_exception(TransientError(f"Kafka did not acknowledge {msg.topic()}: {err}"))
    else:
        future.set_result((int(msg.partition() or 0), int(msg.offset() or 0)))
