"""The archive sink over a real (local, encrypted) object store: setup / add / flush / recover."""

from __future__ import annotations

import pytest

from consumers.s3_sink.listing import list_keys
from consumers.s3_sink.recovery import archive_key
from infra.errors import StorageError
from infra.object_store import LocalObjectStore, TransientStorageError
from tests.unit.consumers.s3_sink.helpers import TOPIC, event, framed, read_archive


def test_a_full_batch_is_stored_as_one_readable_file_under_its_offset_range(make_sink, store):
    sink = make_sink(max_records=3)
    stored = [f for n in range(3) for f in sink.add(TOPIC, 1, 40 + n, framed(event(n)))]
    assert [(f.key, f.records, f.next_offset) for f in stored] == [(archive_key(TOPIC, 1, 40, 42), 3, 43)]
    assert read_archive(store, stored[0].key) == [event(0), event(1), event(2)]


def test_an_old_batch_is_stored_when_due_and_a_young_one_waits(make_sink, store, clock):
    sink = make_sink(max_records=100, max_age=30)
    sink.add(TOPIC, 0, 0, framed(event(0)))
    clock.now += 29
    assert sink.flush_due() == []
    assert sink.seconds_until_due() == pytest.approx(1.0)
    clock.now += 1
    (stored,) = sink.flush_due()
    assert stored.key == archive_key(TOPIC, 0, 0, 0)


def test_flush_stores_the_partial_batches_of_the_chosen_partitions(make_sink, store):
    sink = make_sink(max_records=100)
    sink.add(TOPIC, 0, 5, framed(event(5)))
    sink.add(TOPIC, 1, 9, framed(event(9)))
    assert [f.partition for f in sink.flush([(TOPIC, 1)])] == [1]
    assert [f.partition for f in sink.flush()] == [0]
    assert list_keys(store, f"{TOPIC}/") == [archive_key(TOPIC, 0, 5, 5), archive_key(TOPIC, 1, 9, 9)]


def test_tombstones_and_undecodable_values_are_skipped_without_breaking_the_file(make_sink, store):
    sink = make_sink(max_records=2)
    assert sink.add(TOPIC, 0, 0, framed(event(0))) == []
    assert sink.add(TOPIC, 0, 1, None) == []
    assert sink.add(TOPIC, 0, 2, b'{"not": "avro"}') == []
    assert sink.add(TOPIC, 0, 3, framed(event(3))[:-4]) == []
    (stored,) = sink.add(TOPIC, 0, 4, framed(event(4)))
    assert (stored.first_offset, stored.last_offset, stored.records) == (0, 4, 2)
    assert sink.skipped == 3


def test_recovery_resumes_after_the_last_stored_file_even_when_the_commit_lags(make_sink, store):
    sink = make_sink(max_records=2)
    for n in range(5):
        sink.add(TOPIC, 0, n, framed(event(n)))
    restarted = make_sink(max_records=2)
    assert restarted.recover(TOPIC, 0, committed=2, commit_metadata=archive_key(TOPIC, 0, 0, 1)) == 4
    assert restarted.recover(TOPIC, 0, committed=None, commit_metadata=None) == 4
    assert restarted.recover(TOPIC, 1, committed=None, commit_metadata=None) is None
    assert restarted.recover(TOPIC, 1, committed=70, commit_metadata=None) == 70


def test_records_below_the_resume_point_are_never_archived_again(make_sink, store):
    sink = make_sink(max_records=2)
    for n in range(4):
        sink.add(TOPIC, 0, n, framed(event(n)))
    restarted = make_sink(max_records=2)
    assert restarted.recover(TOPIC, 0, None, None) == 4
    assert [restarted.add(TOPIC, 0, n, framed(event(n))) for n in range(4)] == [[]] * 4
    stored = restarted.add(TOPIC, 0, 4, framed(event(4))) + restarted.add(TOPIC, 0, 5, framed(event(5)))
    assert [f.key for f in stored] == [archive_key(TOPIC, 0, 4, 5)]


class ListingSpy(LocalObjectStore):
    """A local store with its own listing, recording where each listing started."""

    def __init__(self, inner: LocalObjectStore) -> None:
        super().__init__(inner.root, inner.ring)
        self.starts: list[str | None] = []

    def list_keys(self, prefix: str, *, start_after: str | None = None) -> list[str]:
        self.starts.append(start_after)
        keys = [k for k in list_keys(LocalObjectStore(self.root, self.ring), prefix)]
        return [k for k in keys if start_after is None or k > start_after]


def test_a_commit_naming_an_existing_file_limits_the_listing_to_later_files(make_sink, store):
    sink = make_sink(max_records=2)
    for n in range(6):
        sink.add(TOPIC, 0, n, framed(event(n)))
    spy = ListingSpy(store)
    restarted = make_sink(max_records=2, target=spy)
    assert restarted.recover(TOPIC, 0, 2, archive_key(TOPIC, 0, 0, 1)) == 6
    assert restarted.recover(TOPIC, 0, 2, archive_key(TOPIC, 0, 1, 1)) == 6  # no such file: full listing
    assert spy.starts == [archive_key(TOPIC, 0, 0, 1), None]


def test_lost_partitions_are_dropped_unwritten(make_sink, store):
    sink = make_sink(max_records=100)
    sink.add(TOPIC, 0, 0, framed(event(0)))
    sink.drop([(TOPIC, 0)])
    assert sink.flush() == []
    assert list_keys(store, "") == []


class FlakyStore(LocalObjectStore):
    def __init__(self, inner: LocalObjectStore, failures: int) -> None:
        super().__init__(inner.root, inner.ring)
        self.failures = failures

    def put(self, key, data, *, content_type="application/octet-stream"):
        if self.failures:
            self.failures -= 1
            raise TransientStorageError("503 SlowDown")
        return super().put(key, data, content_type=content_type)


def test_a_briefly_unavailable_store_is_retried(make_sink, store):
    sink = make_sink(max_records=1, target=FlakyStore(store, failures=2))
    (stored,) = sink.add(TOPIC, 0, 0, framed(event(0)))
    assert read_archive(store, stored.key) == [event(0)]


def test_a_store_that_stays_away_fails_the_sink(make_sink, store):
    sink = make_sink(max_records=1, target=FlakyStore(store, failures=10))
    with pytest.raises(TransientStorageError):
        sink.add(TOPIC, 0, 0, framed(event(0)))


def test_setup_refuses_an_unreachable_store(make_sink, store):
    class Unreachable(LocalObjectStore):
        def describe(self):
            return {"state": "unreachable", "address": "s3://nowhere", "detail": "connection refused"}

    with pytest.raises(StorageError, match="nowhere"):
        make_sink(target=Unreachable(store.root, store.ring)).setup()
