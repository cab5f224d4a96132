"""Cut points of archive files: deterministic from the records, time only ever closes a file."""

from __future__ import annotations

import math

import pytest

from consumers.s3_sink.batching import ArchiveRecord, Batcher, BatchLimits

T, P = "mca.application.event", 0


def rec(offset: int, schema_id: int = 1, size: int = 10) -> ArchiveRecord:
    return ArchiveRecord(offset, schema_id, size, {"n": offset})


def feed(batcher: Batcher, offsets, now: float = 0.0, **kwargs):
    closed = []
    for offset in offsets:
        closed.extend(batcher.add(T, P, rec(offset, **kwargs), now))
    return closed


def ranges(batches):
    return [(b.first_offset, b.last_offset, b.reason) for b in batches]


def test_a_file_is_closed_after_the_record_that_reaches_max_records():
    batcher = Batcher(BatchLimits(max_records=3, max_bytes=10**9, max_age_seconds=60))
    assert ranges(feed(batcher, range(7))) == [(0, 2, "records"), (3, 5, "records")]
    assert batcher.pending() == {(T, P): 1}


def test_a_file_is_closed_once_its_values_reach_max_bytes():
    batcher = Batcher(BatchLimits(max_records=100, max_bytes=25, max_age_seconds=60))
    assert ranges(feed(batcher, range(6), size=10)) == [(0, 2, "bytes"), (3, 5, "bytes")]


def test_a_single_record_larger_than_max_bytes_gets_a_file_of_its_own():
    batcher = Batcher(BatchLimits(max_records=100, max_bytes=5, max_age_seconds=60))
    assert ranges(feed(batcher, [10, 11], size=50)) == [(10, 10, "bytes"), (11, 11, "bytes")]


def test_a_new_writer_schema_cuts_the_file_before_the_record_that_carries_it():
    batcher = Batcher(BatchLimits(max_records=100, max_bytes=10**9, max_age_seconds=60))
    closed = feed(batcher, [0, 1], schema_id=1) + feed(batcher, [2, 3], schema_id=2)
    assert ranges(closed) == [(0, 1, "schema")]
    assert closed[0].schema_id == 1
    assert ranges(batcher.close()) == [(2, 3, "flush")]


def test_cut_points_do_not_depend_on_when_records_arrive():
    limits = BatchLimits(max_records=4, max_bytes=35, max_age_seconds=60)
    sizes = [5, 20, 3, 9, 14, 1, 1, 1, 30, 2, 2]
    fast, slow = Batcher(limits), Batcher(limits)
    fast_cuts = [b for i, s in enumerate(sizes) for b in fast.add(T, P, rec(i, size=s), 0.0)]
    slow_cuts = [b for i, s in enumerate(sizes) for b in slow.add(T, P, rec(i, size=s), i * 5.0)]
    assert ranges(fast_cuts) == ranges(slow_cuts)


def test_age_only_closes_a_batch_and_the_next_file_starts_at_the_next_offset():
    batcher = Batcher(BatchLimits(max_records=3, max_bytes=10**9, max_age_seconds=10))
    feed(batcher, [0, 1], now=100.0)
    assert batcher.due(109.9) == []
    assert ranges(batcher.due(110.0)) == [(0, 1, "age")]
    assert ranges(feed(batcher, [2, 3, 4], now=111.0)) == [(2, 4, "records")]


def test_age_is_counted_from_the_first_record_of_each_partition():
    batcher = Batcher(BatchLimits(max_records=100, max_bytes=10**9, max_age_seconds=10))
    batcher.add(T, 0, rec(0), 0.0)
    batcher.add(T, 1, rec(0), 5.0)
    batcher.add(T, 0, rec(1), 9.0)
    assert batcher.next_due(6.0) == pytest.approx(4.0)
    assert [(b.partition, b.first_offset, b.last_offset) for b in batcher.due(10.0)] == [(0, 0, 1)]
    assert batcher.pending() == {(T, 1): 1}


def test_nothing_is_due_when_nothing_is_open():
    batcher = Batcher(BatchLimits(max_records=1, max_bytes=1, max_age_seconds=1))
    assert batcher.next_due(0.0) == math.inf
    assert batcher.due(1e9) == []


def test_partitions_are_batched_independently():
    batcher = Batcher(BatchLimits(max_records=2, max_bytes=10**9, max_age_seconds=60))
    assert batcher.add(T, 0, rec(0), 0) == []
    assert batcher.add(T, 1, rec(0), 0) == []
    assert batcher.add("mca.dlq", 0, rec(0), 0) == []
    closed = batcher.add(T, 0, rec(1), 0)
    assert [(b.topic, b.partition, b.last_offset) for b in closed] == [(T, 0, 1)]


def test_closing_chosen_partitions_leaves_the_others_open():
    batcher = Batcher(BatchLimits(max_records=10, max_bytes=10**9, max_age_seconds=60))
    batcher.add(T, 0, rec(0), 0)
    batcher.add(T, 1, rec(0), 0)
    assert [(b.partition, b.reason) for b in batcher.close([(T, 1), (T, 7)])] == [(1, "flush")]
    assert batcher.pending() == {(T, 0): 1}


def test_dropping_lost_partitions_forgets_their_records_without_closing_them():
    batcher = Batcher(BatchLimits(max_records=10, max_bytes=10**9, max_age_seconds=60))
    feed(batcher, [5, 6, 7])
    assert batcher.drop([(T, P), (T, 9)]) == 3
    assert batcher.close() == []


def test_a_record_that_does_not_follow_the_batch_is_refused():
    batcher = Batcher(BatchLimits(max_records=10, max_bytes=10**9, max_age_seconds=60))
    feed(batcher, [5, 6])
    with pytest.raises(ValueError, match="not after"):
        batcher.add(T, P, rec(6), 0)


def test_offset_gaps_are_kept_inside_a_file():
    batcher = Batcher(BatchLimits(max_records=3, max_bytes=10**9, max_age_seconds=60))
    (batch,) = feed(batcher, [3, 8, 20])
    assert (batch.first_offset, batch.last_offset) == (3, 20)
    assert [r.offset for r in batch.records] == [3, 8, 20]


@pytest.mark.parametrize("limits", [(0, 1, 1.0), (1, 0, 1.0), (1, 1, 0.0)])
def test_limits_must_be_positive(limits):
    with pytest.raises(ValueError):
        BatchLimits(*limits)
