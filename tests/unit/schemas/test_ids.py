"""Identifiers derived from content: a replay of the same input yields the same ids."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from schemas.ids import (
    EVENT_TYPES,
    application_id,
    delivery_id,
    document_id,
    event_id,
    normalize_message_id,
    submission_id,
)

RAW = b"From: a@iso.example\r\nMessage-ID: <x1@iso.example>\r\n\r\nbody\r\n"


def test_submission_id_is_the_sha256_of_the_raw_bytes():
    assert submission_id(RAW) == hashlib.sha256(RAW).hexdigest()
    assert submission_id(RAW) != submission_id(RAW + b" ")


def test_document_id_is_deterministic_and_tells_positions_apart():
    sid = submission_id(RAW)
    first = document_id(sid, "ab" * 32, "0")
    assert first == document_id(sid, "AB" * 32, "0")
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != document_id(sid, "ab" * 32, "1")
    assert first != document_id(submission_id(b"other"), "ab" * 32, "0")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<D23A3724379B3944@SMTP.Example.NET>", "D23A3724379B3944@smtp.example.net"),
        ("  <abc@host.example>  ", "abc@host.example"),
        ("<abc@\r\n host.example>", "abc@host.example"),
        ("abc@host.example", "abc@host.example"),
        ("<first@a.example> <second@b.example>", "first@a.example"),
        ("<no-at-sign>", "no-at-sign"),
        ("", None),
        ("   ", None),
        ("<>", None),
        (None, None),
    ],
)
def test_message_ids_are_normalised_for_comparison(raw, expected):
    assert normalize_message_id(raw) == expected


def test_a_resend_with_the_same_message_id_maps_to_the_same_application():
    original = application_id("<m1@iso.example>", submission_id(RAW))
    resend = application_id(" <m1@ISO.example>", submission_id(RAW + b"resent"))
    assert original == resend


def test_an_email_without_message_id_is_its_own_application():
    sid = submission_id(RAW)
    assert application_id(None, sid) == application_id("", sid)
    assert application_id(None, sid) != application_id(None, submission_id(b"other"))
    assert application_id(None, sid) != application_id("<m1@iso.example>", sid)


def test_a_message_id_cannot_collide_with_a_submission_id_fallback():
    sid = submission_id(RAW)
    assert application_id(sid, "unused") != application_id(None, sid)


def test_event_id_is_a_uuid_stable_per_application_transition_and_version():
    app = application_id("<m1@iso.example>", submission_id(RAW))
    first = event_id(app, "application.processed", 2)
    assert uuid.UUID(first).version == 5
    assert first == event_id(app, "application.processed", 2)
    assert first != event_id(app, "application.processed", 3)
    assert first != event_id(app, "application.corrected", 2)
    assert first != event_id("other", "application.processed", 2)


def test_event_id_needs_a_transition():
    with pytest.raises(ValueError):
        event_id("app", "", 1)


def test_the_event_vocabulary_is_the_designs():
    assert EVENT_TYPES == (
        "application.received", "application.processed", "application.review_required",
        "application.rejected", "application.duplicate", "application.corrected",
        "application.reviewed", "application.failed",
    )


def test_delivery_id_is_stable_per_event_and_endpoint():
    assert delivery_id("e1", "ep1") == delivery_id("e1", "ep1")
    assert delivery_id("e1", "ep1") != delivery_id("e1", "ep2")
    assert delivery_id("e1", "ep1").startswith("msg_")
