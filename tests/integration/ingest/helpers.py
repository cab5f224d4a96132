"""Helpers of the ingest integration tests: transmitted bytes and a registry-backed event reader."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from typing import Any

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from infra.object_store import ObjectStore

_EOL = re.compile(rb"\r\n|\r|\n")


def as_transmitted(raw: bytes) -> bytes:
    """The bytes an SMTP or IMAP server holds for `raw`: CRLF line endings, ending with CRLF."""
    data = _EOL.sub(b"\r\n", raw)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_events(
    bootstrap: str,
    topic: str,
    registry_url: str,
    *,
    expected: int,
    timeout: float = 90.0,
    settle: float = 3.0,
) -> list[dict[str, Any]]:
    """Every event of `topic` decoded through the registry with AvroDeserializer.

    Reads until `expected` events arrived (or `timeout`), then `settle` seconds more so that an
    unwanted extra event would be seen too.
    """
    deserializer = AvroDeserializer(SchemaRegistryClient({"url": registry_url}))
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    settled_at: float | None = None
    try:
        while time.monotonic() < deadline and (settled_at is None or time.monotonic() < settled_at):
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            value = deserializer(message.value(), SerializationContext(topic, MessageField.VALUE))
            value["_key"] = message.key().decode()
            events.append(value)
            if len(events) >= expected and settled_at is None:
                settled_at = time.monotonic() + settle
    finally:
        consumer.close()
    return events


def assert_one_event_each(
    events: list[dict[str, Any]], raws: list[bytes], store: ObjectStore, channel: str
) -> None:
    """Exactly one event per distinct raw message, keyed by its submission id, whose stored raw bytes
    hash to the recorded sha256."""
    expected = {sha256(raw): raw for raw in raws}
    by_id: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_id.setdefault(event["submission_id"], []).append(event)
    assert set(by_id) == set(expected)
    for sid, found in by_id.items():
        assert len(found) == 1, f"{len(found)} events for {sid}"
        event = found[0]
        assert event["_key"] == sid
        assert event["channel"] == channel
        stored = store.get(event["raw"]["uri"])
        assert sha256(stored) == event["raw"]["sha256"] == sid
        assert stored == expected[sid]
        for attachment in event["attachments"]:
            if attachment["uri"] is not None:
                assert sha256(store.get(attachment["uri"])) == attachment["sha256"]
