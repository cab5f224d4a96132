"""The mca.email.received event: attachment limits and conformance to the Avro contract."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import fastavro

from ingest.authentication import UNKNOWN
from ingest.event import attachment_record, build_event, plan_attachments, to_millis
from ingest.mime import Attachment
from ingest.parse import parse_email

SCHEMA = Path(__file__).resolve().parents[3] / "schemas" / "avro" / "email_received.avsc"


def attachment(position: int, size: int) -> Attachment:
    data = b"x" * size
    return Attachment(
        position, f"f{position}.pdf", "application/pdf", data, hashlib.sha256(data).hexdigest(), None, ""
    )


def test_limits_keep_every_attachment_listed_and_store_only_those_within_limits() -> None:
    plans = plan_attachments(
        [attachment(0, 5), attachment(1, 50), attachment(2, 5), attachment(3, 5)],
        max_attachments=2,
        max_attachment_bytes=10,
    )

    assert [(p.attachment.position, p.store, p.note) for p in plans] == [
        (0, True, None),
        (1, False, "too_large"),
        (2, True, None),
        (3, False, "too_many_attachments"),
    ]


def test_timestamps_are_utc_with_millisecond_precision() -> None:
    moment = datetime(2025, 3, 4, 13, 17, 0, 123456, tzinfo=timezone(timedelta(hours=-5)))

    assert to_millis(moment) == datetime(2025, 3, 4, 18, 17, 0, 123000, tzinfo=UTC)


def test_built_event_round_trips_through_the_avro_contract() -> None:
    raw = (
        b"From: a@broker.example\r\nTo: uw@funder.example\r\nSubject: s\r\nDate: bad\r\n"
        b"Content-Type: application/pdf; name=x.pdf\r\n\r\n%PDF"
    )
    parsed = parse_email(raw)
    plans = plan_attachments(parsed.attachments, max_attachments=5, max_attachment_bytes=100)
    event = build_event(
        submission_id=hashlib.sha256(raw).hexdigest(),
        parsed=parsed,
        raw_blob={
            "uri": "file:///r.eml",
            "size": len(raw),
            "sha256": "0" * 64,
            "content_type": "message/rfc822",
        },
        channel="file",
        envelope_sender=None,
        envelope_recipients=None,
        received_at=datetime.now(UTC),
        verdicts=UNKNOWN,
        attachments=[attachment_record(p, "file:///blob") for p in plans],
    )
    schema = fastavro.parse_schema(json.loads(SCHEMA.read_text()))
    buffer = io.BytesIO()

    fastavro.schemaless_writer(buffer, schema, event)
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(buffer, schema, schema)

    assert decoded["date"] is None
    assert decoded["recipients"] == ["uw@funder.example"]
    assert decoded["attachments"][0]["filename"] == "x.pdf"
    assert set(decoded) == {field["name"] for field in json.loads(SCHEMA.read_text())["fields"]}
