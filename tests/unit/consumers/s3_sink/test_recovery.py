"""Archive names and where a partition resumes: the store is the truth."""

from __future__ import annotations

import pytest

from consumers.s3_sink.recovery import (
    ArchivedFile,
    archive_key,
    archived_files,
    overlapping,
    parse_archive_key,
    partition_prefix,
    start_offset,
    stored_next_offset,
    trusted_listing_start,
)

T = "mca.page.ready"


def test_names_are_topic_partition_and_zero_padded_offsets():
    assert archive_key(T, 3, 7, 1234) == f"{T}/3/{7:020d}-{1234:020d}.avro"
    assert archive_key(T, 0, 0, 0) == f"{T}/0/00000000000000000000-00000000000000000000.avro"


def test_names_sort_in_offset_order():
    keys = [archive_key(T, 0, first, first + 9) for first in (0, 10, 100, 9_990, 2**62)]
    assert sorted(keys) == keys


def test_a_name_parses_back_into_its_range():
    key = archive_key(T, 11, 42, 99)
    assert parse_archive_key(key) == ArchivedFile(T, 11, 42, 99)
    assert parse_archive_key(key).key == key


@pytest.mark.parametrize(
    "key",
    [
        "mca.page.ready/0/readme.txt",
        "mca.page.ready/0/1-2.avro",
        "mca.page.ready/x/00000000000000000001-00000000000000000002.avro",
        "mca.page.ready/00000000000000000001-00000000000000000002.avro",
        "mca.page.ready/0/00000000000000000009-00000000000000000002.avro",
        "mca.page.ready/0/00000000000000000001-00000000000000000002.avro.tmp",
    ],
)
def test_foreign_keys_are_not_archive_files(key):
    assert parse_archive_key(key) is None


@pytest.mark.parametrize(
    "args", [(T, 0, -1, 3), (T, 0, 5, 4), ("", 0, 0, 0), ("a/b", 0, 0, 0), (T, -1, 0, 0)]
)
def test_impossible_names_are_refused(args):
    with pytest.raises(ValueError):
        archive_key(*args)


def test_only_files_of_the_partition_count_and_they_come_in_offset_order():
    keys = [
        archive_key(T, 0, 10, 19), archive_key(T, 1, 500, 900), archive_key(T, 0, 0, 9),
        archive_key("mca.page.ready.x", 0, 1000, 2000), "mca.page.ready/0/notes.txt",
    ]
    files = archived_files(keys, T, 0)
    assert [(f.first_offset, f.last_offset) for f in files] == [(0, 9), (10, 19)]
    assert stored_next_offset(files) == 20


def test_a_partition_without_files_has_no_stored_next_offset():
    assert stored_next_offset([]) is None


def test_gaps_between_files_are_normal_and_resume_is_after_the_last_file():
    files = archived_files([archive_key(T, 0, 0, 4), archive_key(T, 0, 9, 12)], T, 0)
    assert stored_next_offset(files) == 13
    assert overlapping(files) == []


def test_overlapping_files_are_reported():
    keys = [archive_key(T, 0, 0, 9), archive_key(T, 0, 5, 14), archive_key(T, 0, 15, 20)]
    files = archived_files(keys, T, 0)
    assert [(a.last_offset, b.first_offset) for a, b in overlapping(files)] == [(9, 5)]


@pytest.mark.parametrize(
    ("committed", "stored", "expected"),
    [
        (None, None, None),      # nothing known: the earliest record
        (40, None, 40),          # files expired by a lifecycle rule, or a new bucket
        (None, 40, 40),          # new group id: the store alone decides
        (30, 40, 40),            # crash after the put, before the commit
        (50, 40, 50),            # the store lost old files: never archive twice
        (-1001, 40, 40),         # librdkafka's OFFSET_INVALID is no offset
    ],
)
def test_resume_is_the_larger_of_commit_and_store(committed, stored, expected):
    assert start_offset(committed, stored) == expected


def test_a_commit_naming_the_file_it_follows_lets_listing_start_there():
    key = archive_key(T, 2, 100, 149)
    assert trusted_listing_start(T, 2, 150, key) == key


@pytest.mark.parametrize(
    ("committed", "metadata"),
    [
        (150, None),
        (150, ""),
        (None, archive_key(T, 2, 100, 149)),
        (120, archive_key(T, 2, 100, 149)),   # offsets reset by an operator
        (150, archive_key(T, 3, 100, 149)),   # another partition's file
        (150, archive_key("mca.dlq", 2, 100, 149)),
        (150, "written by another tool"),
    ],
)
def test_any_other_commit_means_the_whole_partition_is_listed(committed, metadata):
    assert trusted_listing_start(T, 2, committed, metadata) is None


def test_partition_prefix_ends_with_a_slash():
    assert partition_prefix(T, 4) == f"{T}/4/"
