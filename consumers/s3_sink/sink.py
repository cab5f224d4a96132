"""The archive sink: `setup()`, `add(record)`, `flush()` over the object store (I/O edge).

It decodes each value through the registry, hands it to the Batcher, and stores every batch the
Batcher closes as one Avro file under its deterministic key. It knows nothing of Kafka consumers:
the runner feeds it records and commits the offsets of the files it reports stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from consumers.s3_sink.batching import ArchiveRecord, Batch, Batcher, BatchLimits, TopicPartitionKey
from consumers.s3_sink.container import WriterSchemas, container_bytes
from consumers.s3_sink.listing import list_keys
from consumers.s3_sink.recovery import (
    archive_key,
    archived_files,
    overlapping,
    partition_prefix,
    start_offset,
    stored_next_offset,
    trusted_listing_start,
)
from infra.errors import SerializationError, StorageError, TransientError
from infra.object_store import ObjectStore

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/avro"


@dataclass(frozen=True)
class StoredFile:
    """A file now durable in the store: the runner may commit `next_offset` with `key` as metadata."""

    topic: str
    partition: int
    first_offset: int
    last_offset: int
    key: str
    records: int
    size: int

    @property
    def next_offset(self) -> int:
        """The offset to commit: the one after the file's last record."""
        return self.last_offset + 1


class ArchiveSink:
    """Archives records of any number of partitions into `store`.

    TransientError (registry or store briefly away) is retried `retry_attempts` times with jittered
    exponential backoff up to `retry_max_seconds`, then raised; the process should then exit and be
    restarted, which resumes from the store. Records without a value or that do not decode are
    skipped and counted in `skipped`. Not thread-safe: one consumer loop drives it.
    """

    def __init__(
        self,
        store: ObjectStore,
        schemas: WriterSchemas,
        limits: BatchLimits,
        *,
        retry_attempts: int = 5,
        retry_max_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.schemas = schemas
        self.batcher = Batcher(limits)
        self.skipped = 0
        self._clock = clock
        self._floor: dict[TopicPartitionKey, int] = {}
        self._retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(max(1, retry_attempts)),
            wait=wait_exponential_jitter(multiplier=0.2, max=retry_max_seconds, jitter=0.5),
            reraise=True,
        )

    def setup(self) -> None:
        """Check that the store answers; raises StorageError naming it when it does not."""
        state = self.store.describe()
        if state.get("state") != "running":
            raise StorageError(f"object store {state.get('address')} is unreachable: {state.get('detail')}")

    def recover(
        self, topic: str, partition: int, committed: int | None, commit_metadata: str | None
    ) -> int | None:
        """The offset `topic[partition]` resumes from (None: its earliest record), from the files
        already stored and the group's committed offset (see recovery.py); records below it are
        ignored from now on."""
        prefix = partition_prefix(topic, partition)
        after = trusted_listing_start(topic, partition, committed, commit_metadata)
        if after is not None and not self._retrying(self.store.exists, after):
            after = None
        keys = self._retrying(list_keys, self.store, prefix, start_after=after)
        files = archived_files(keys, topic, partition)
        for first, second in overlapping(files):
            logger.warning("overlapping archive files %s and %s", first.key, second.key)
        start = start_offset(committed, stored_next_offset(files))
        logger.info("%s[%d] resumes at %s (committed %s, %d file(s) listed%s)", topic, partition,
                    "the earliest offset" if start is None else start, committed, len(files),
                    f" after {after}" if after else "")
        if start is None:
            self._floor.pop((topic, partition), None)
        else:
            self._floor[(topic, partition)] = start
        return start

    def add(self, topic: str, partition: int, offset: int, value: bytes | None) -> list[StoredFile]:
        """Archive one record; return the files this stored (batches it completed)."""
        floor = self._floor.get((topic, partition))
        if floor is not None and offset < floor:
            logger.debug("%s[%d]@%d is already archived", topic, partition, offset)
            return []
        if value is None:
            logger.debug("%s[%d]@%d has no value (tombstone): not archived", topic, partition, offset)
            self.skipped += 1
            return []
        try:
            schema_id, decoded = self._retrying(self.schemas.decode, value)
        except SerializationError as exc:
            logger.error("%s[%d]@%d not archived: %s", topic, partition, offset, exc)
            self.skipped += 1
            return []
        record = ArchiveRecord(offset, schema_id, len(value), decoded)
        return self._store(self.batcher.add(topic, partition, record, self._clock()))

    def flush_due(self) -> list[StoredFile]:
        """Store the batches open for the maximum age; return the files stored."""
        return self._store(self.batcher.due(self._clock()))

    def seconds_until_due(self) -> float:
        """How long until the next batch reaches the maximum age (inf when none is open)."""
        return self.batcher.next_due(self._clock())

    def flush(self, partitions: Iterable[TopicPartitionKey] | None = None) -> list[StoredFile]:
        """Store the open batches of `partitions` (all when None) as they stand; return the files."""
        return self._store(self.batcher.close(partitions))

    def drop(self, partitions: Iterable[TopicPartitionKey]) -> None:
        """Forget the open batches and resume points of partitions this process no longer owns."""
        keys = list(partitions)
        dropped = self.batcher.drop(keys)
        for key in keys:
            self._floor.pop(key, None)
        if dropped:
            logger.warning("dropped %d unarchived record(s) of lost partitions %s", dropped, keys)

    def _store(self, batches: list[Batch]) -> list[StoredFile]:
        return [self._store_one(batch) for batch in batches]

    def _store_one(self, batch: Batch) -> StoredFile:
        key = archive_key(batch.topic, batch.partition, batch.first_offset, batch.last_offset)
        schema = self._retrying(self.schemas.schema, batch.schema_id)
        data = container_bytes(batch, schema, key)
        self._retrying(self.store.put, key, data, content_type=CONTENT_TYPE)
        self._floor[(batch.topic, batch.partition)] = batch.last_offset + 1
        logger.info("stored %s: %d record(s), %d bytes (closed by %s)", key, len(batch.records), len(data),
                    batch.reason)
        return StoredFile(batch.topic, batch.partition, batch.first_offset, batch.last_offset, key,
                          len(batch.records), len(data))
