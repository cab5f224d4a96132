"""Dead letters, pure: what one records, how it is named, and which ones a replay publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from infra.errors import SerializationError
from streams.dlq import (
    REDRIVE_HEADER,
    DeadLetter,
    SourceMessage,
    dead_letter,
    dead_letter_key,
    matches_id,
    plan_replay,
    preview,
    redrive_headers,
    redrive_tags,
)

SOURCE = SourceMessage("mca.page.ready", 4, 1234, b"doc-1:2", b"\x00\x00\x00\x00\x03payload",
                       (("trace", b"t-1"),), 1_700_000_000_000)
AT = datetime(2025, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=-5)))


def letter(partition: int, offset: int, stage: str = "ocr", **record: object) -> DeadLetter:
    base = dead_letter(SOURCE, stage=stage, error=ValueError("bad page"), at=AT)
    return DeadLetter("mca.dlq", partition, offset, {**base, **record})


def test_a_dead_letter_keeps_the_original_bytes_headers_and_coordinates():
    record = dead_letter(SOURCE, stage="ocr", error=SerializationError("schema 3 not found"), at=AT,
                         attempts=2, worker="host:1", application_id="app-9")
    assert record["stage"] == "ocr"
    assert (record["error_type"], record["error_message"]) == ("SerializationError", "schema 3 not found")
    assert (record["source_topic"], record["source_partition"], record["source_offset"]) == (
        "mca.page.ready", 4, 1234)
    assert (record["key"], record["value"]) == (SOURCE.key, SOURCE.value)
    assert record["headers"] == [{"key": "trace", "value": b"t-1"}]
    assert record["source_timestamp"] == 1_700_000_000_000
    assert (record["attempts"], record["worker"], record["application_id"]) == (2, "host:1", "app-9")
    assert record["at"] == datetime(2025, 3, 4, 14, 30, tzinfo=UTC)


def test_an_error_without_a_message_is_named_and_a_long_message_is_cut():
    assert dead_letter(SOURCE, stage="ocr", error=KeyError(), at=AT)["error_message"] == "KeyError()"
    long = dead_letter(SOURCE, stage="ocr", error=ValueError("x" * 10_000), at=AT)["error_message"]
    assert len(long) == 2000


def test_the_dead_letter_key_is_the_source_coordinates():
    assert dead_letter_key(SOURCE) == b"mca.page.ready:4:1234"
    assert SOURCE.coordinates == "mca.page.ready[4]@1234"


def test_an_id_is_partition_and_offset_or_an_offset_alone():
    assert matches_id(letter(1, 7), "1:7") and matches_id(letter(1, 7), " 7 ")
    assert not matches_id(letter(1, 7), "2:7") and not matches_id(letter(1, 7), "8")
    assert not matches_id(letter(1, 7), "seven")


def test_a_replay_carries_the_original_headers_and_only_its_own_redrive_tag():
    earlier = letter(0, 3, headers=[{"key": "trace", "value": b"t-1"},
                                    {"key": REDRIVE_HEADER, "value": b"mca.dlq:2:1"}])
    assert redrive_headers(earlier) == [("trace", b"t-1"), (REDRIVE_HEADER, b"mca.dlq:0:3")]
    assert redrive_tags(redrive_headers(earlier)) == {b"mca.dlq:0:3"}
    assert redrive_tags(None) == set()


def test_a_replay_skips_what_was_replayed_and_what_has_no_original():
    fresh, replayed = letter(0, 1), letter(0, 2)
    empty, other = letter(1, 1, value=None), letter(2, 1, "render")
    plan = plan_replay([fresh, replayed, empty, other], redriven={replayed.redrive_tag}, stage="ocr")
    assert plan.replay == (fresh,)
    assert plan.skipped == ((replayed, "already replayed"), (empty, "no original value"))


def test_a_replay_by_ids_takes_only_those_named():
    first, second = letter(0, 1), letter(1, 1)
    assert plan_replay([first, second], redriven=set(), ids=["1:1"]).replay == (second,)
    assert plan_replay([first, second], redriven=set(), ids=["1"]).replay == (first, second)


def test_a_preview_shows_text_as_text_and_binary_as_hex():
    assert preview(b'{"submission_id": "abc"}') == '{"submission_id": "abc"}'
    dump = preview(b"\x00\x00\x00\x00\x03payload")
    assert dump.startswith("00000000  00 00 00 00 03 70 61 79")
    assert dump.endswith(".....payload")
    assert preview(b"a" * 300, limit=10) == "a" * 10 + "\n... (290 more bytes)"
    assert preview(None) == "(none)"
