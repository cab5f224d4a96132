"""Helpers of the s3-sink unit tests: framed example values and reading archive files back."""

from __future__ import annotations

import io
import json
import struct

import fastavro

from schemas.catalog import value_schema_text
from schemas.examples import example_value

TOPIC = "mca.application.event"
SCHEMA_ID = 11
SCHEMA_TEXT = value_schema_text(TOPIC)


def event(n: int) -> dict:
    """A distinct application event: example values with event_id and version set from `n`."""
    value = example_value(TOPIC)
    value["event_id"] = f"event-{n}"
    value["version"] = n
    return value


def framed(value: dict, schema_id: int = SCHEMA_ID, schema_text: str = SCHEMA_TEXT) -> bytes:
    """`value` in the Confluent wire format under `schema_id`."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(schema_text)), value)
    return struct.pack(">bI", 0, schema_id) + out.getvalue()


def read_archive(store, key: str) -> list[dict]:
    """The records of the archive file stored under `key`, read by a stock fastavro reader."""
    return list(fastavro.reader(io.BytesIO(store.get(key))))


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
