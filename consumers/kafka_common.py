"""librdkafka plumbing every plain consumer of the project shares: consumer settings with manual
commits, records as library-independent SourceMessages, offset bookkeeping and error triage."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message

from streams.dlq import SourceMessage

logger = logging.getLogger(__name__)


def consumer_settings(base: Mapping[str, Any], *, group_id: str, client_id: str,
                      session_timeout_seconds: float,
                      max_poll_interval_seconds: float | None = None) -> dict[str, Any]:
    """librdkafka consumer settings on top of `base` (servers and security), pure.

    Offsets are committed by the consumer itself, never automatically, and a new group starts
    at the beginning of each partition: a sink or fan-out must see every record.
    """
    session_ms = round(session_timeout_seconds * 1000)
    settings = {
        **base,
        "group.id": group_id,
        "client.id": client_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": session_ms,
        "heartbeat.interval.ms": max(100, session_ms // 4),
    }
    if max_poll_interval_seconds is not None:
        settings["max.poll.interval.ms"] = max(session_ms, round(max_poll_interval_seconds * 1000))
    return settings


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
