"""Which records go in which archive file, and when a file is closed, per partition (pure).

A file is named after the offsets it spans (`<topic>/<partition>/<first>-<last>.avro`), so a
file written twice lands on the same key. Exactly once then rests on two rules:

1. A file that is stored is never cut again. A partition resumes right after the last offset of
   its last stored file (see recovery.py), so after a crash the next file starts exactly where the
   stored ones end, whatever the timing that closed them.
2. Between two stored files, the cut points follow from the records alone wherever possible.
   Starting from a given first offset, a file is closed
   - before a record whose writer schema id differs from the file's (one schema per file),
   - after the record that brings it to `max_records` records, or
   - after the record that brings its encoded size (bytes of the values as read from Kafka)
     to `max_bytes` or more.
   A replay from the same offset therefore cuts at the same places and rewrites the same keys
   with the same records (an overwrite with identical bytes, not a duplicate).

Time only ever closes a file: a batch open for `max_age_seconds` of wall-clock time is closed
where it stands (so quiet partitions still reach the archive), and the next file starts at the
next offset. Revocation and shutdown close batches the same way. These cuts depend on timing, and
rule 1 is what makes them safe: nothing already stored is ever re-cut. The one remaining hazard
is two writers on one partition at once (a consumer that lost its partitions but still writes);
the runner drops the batches of lost partitions, and recovery.overlapping reports any overlap.

Records without a value (compaction tombstones) and values that cannot be decoded have no place in
an Avro file of the topic's records; the caller skips them and they leave no trace but a gap in the
offsets, exactly like the offsets compaction or transaction markers already leave.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

CutReason = Literal["records", "bytes", "schema", "age", "flush"]
TopicPartitionKey = tuple[str, int]


@dataclass(frozen=True)
class BatchLimits:
    """When a file is closed: at `max_records` records, `max_bytes` value bytes, or after being open
    `max_age_seconds`. Raises ValueError unless all three are positive."""

    max_records: int
    max_bytes: int
    max_age_seconds: float

    def __post_init__(self) -> None:
        if self.max_records < 1 or self.max_bytes < 1 or not self.max_age_seconds > 0:
            raise ValueError(f"batch limits must be positive: {self}")


@dataclass(frozen=True)
class ArchiveRecord:
    """One decoded Kafka record waiting for its file: offset, writer schema id, value size, value."""

    offset: int
    schema_id: int
    size: int
    value: Any


@dataclass(frozen=True)
class Batch:
    """A closed batch: the records of one archive file, in offset order, and why it was closed."""

    topic: str
    partition: int
    schema_id: int
    records: tuple[ArchiveRecord, ...]
    reason: CutReason

    @property
    def first_offset(self) -> int:
        """Offset of the first record (the file name's first part)."""
        return self.records[0].offset

    @property
    def last_offset(self) -> int:
        """Offset of the last record (the file name's second part)."""
        return self.records[-1].offset


@dataclass
class _OpenBatch:
    schema_id: int
    opened_at: float
    records: list[ArchiveRecord] = field(default_factory=list)
    size: int = 0


class Batcher:
    """Open batches of every partition, fed record by record in offset order.

    `now` is a monotonic clock reading in seconds supplied by the caller, so the batcher reads no
    clock itself and its decisions can be replayed.
    """

    def __init__(self, limits: BatchLimits) -> None:
        self.limits = limits
        self._open: dict[TopicPartitionKey, _OpenBatch] = {}

    def add(self, topic: str, partition: int, record: ArchiveRecord, now: float) -> list[Batch]:
        """Put `record` in its partition's batch; return the batches this closed (zero to two).

        Raises ValueError when `record` does not come after the batch's last offset.
        """
        key = (topic, partition)
        closed: list[Batch] = []
        current = self._open.get(key)
        if current is not None and record.offset <= current.records[-1].offset:
            raise ValueError(
                f"{topic}[{partition}]@{record.offset} is not after @{current.records[-1].offset}"
            )
        if current is not None and current.schema_id != record.schema_id:
            closed.append(self._close(key, "schema"))
            current = None
        if current is None:
            current = self._open[key] = _OpenBatch(record.schema_id, now)
        current.records.append(record)
        current.size += record.size
        if len(current.records) >= self.limits.max_records:
            closed.append(self._close(key, "records"))
        elif current.size >= self.limits.max_bytes:
            closed.append(self._close(key, "bytes"))
        return closed

    def due(self, now: float) -> list[Batch]:
        """Close and return every batch open for `max_age_seconds` or longer at `now`."""
        expired = [k for k, b in self._open.items() if now - b.opened_at >= self.limits.max_age_seconds]
        return [self._close(key, "age") for key in expired]

    def next_due(self, now: float) -> float:
        """Seconds until the oldest open batch is due (0 when one already is; inf when none is open)."""
        if not self._open:
            return math.inf
        oldest = min(b.opened_at for b in self._open.values())
        return max(0.0, oldest + self.limits.max_age_seconds - now)

    def close(self, partitions: Iterable[TopicPartitionKey] | None = None) -> list[Batch]:
        """Close and return the open batches of `partitions` (all when None), e.g. before they are
        revoked or the process stops."""
        keys = list(self._open) if partitions is None else [k for k in partitions if k in self._open]
        return [self._close(key, "flush") for key in keys]

    def drop(self, partitions: Iterable[TopicPartitionKey]) -> int:
        """Forget the open batches of `partitions` without closing them; return the records dropped.

        For partitions this process lost: another owner may already be archiving them.
        """
        return sum(len(self._open.pop(key).records) for key in list(partitions) if key in self._open)

    def pending(self) -> dict[TopicPartitionKey, int]:
        """Records waiting in each open batch."""
        return {key: len(batch.records) for key, batch in self._open.items()}

    def _close(self, key: TopicPartitionKey, reason: CutReason) -> Batch:
        batch = self._open.pop(key)
        return Batch(key[0], key[1], batch.schema_id, tuple(batch.records), reason)
