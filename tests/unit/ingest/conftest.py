"""Hand-written fakes of the ingest dependencies (an in-memory store, a recording producer)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from infra.errors import TransientError
from infra.object_store import StoredObject


@dataclass
class MemoryStore:
    """ObjectStore subset accept_email uses, in memory; `puts` records the order of writes."""

    objects: dict[str, bytes] = field(default_factory=dict)
    puts: list[str] = field(default_factory=list)

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> StoredObject:
        self.objects[key] = bytes(data)
        self.puts.append(key)
        return StoredObject(
            uri=f"mem://{key}", key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest()
        )

    def exists(self, key: str) -> bool:
        return key in self.objects

    def get(self, uri_or_key: str) -> bytes:
        return self.objects[uri_or_key.removeprefix("mem://")]


@dataclass
class RecordingProducer:
    """Publisher that acknowledges (or, while `down`, refuses like an unreachable Kafka)."""

    sent: list[tuple[str, str, bytes]] = field(default_factory=list)
    down: bool = False

    async def publish(
        self, topic: str, key: str, value: bytes, headers: Sequence[tuple[str, bytes]] | None = None
    ) -> tuple[int, int]:
        if self.down:
            raise TransientError("Kafka did not acknowledge")
        self.sent.append((topic, key, value))
        return 0, len(self.sent) - 1


@pytest.fixture
def memory_store() -> MemoryStore:
    """An empty in-memory object store."""
    return MemoryStore()


@pytest.fixture
def recording_producer() -> RecordingProducer:
    """A producer that acknowledges every record (set `.down = True` to refuse)."""
    return RecordingProducer()
