"""Fixtures of the s3-sink unit tests: a local encrypted store, a manual clock, a sink factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumers.s3_sink.batching import BatchLimits
from consumers.s3_sink.container import WriterSchemas
from consumers.s3_sink.sink import ArchiveSink
from infra.crypto import new_key_spec, parse_key_ring
from infra.object_store import LocalObjectStore
from tests.unit.consumers.s3_sink.helpers import SCHEMA_ID, SCHEMA_TEXT, ManualClock


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "objects", parse_key_ring(new_key_spec("k1")))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_sink(store, clock):
    def make(max_records: int = 3, max_bytes: int = 10**9, max_age: float = 30.0, target=None) -> ArchiveSink:
        schemas = WriterSchemas({SCHEMA_ID: SCHEMA_TEXT}.__getitem__)
        return ArchiveSink(target or store, schemas, BatchLimits(max_records, max_bytes, max_age),
                           retry_attempts=3, retry_max_seconds=0.01, clock=clock)

    return make
