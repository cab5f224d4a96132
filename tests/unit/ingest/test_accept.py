"""accept_email: store, publish, mark; idempotent; nothing reported accepted unless acknowledged."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from typing import Any

import pytest

from infra.errors import TransientError
from infra.topics import EMAIL_RECEIVED
from ingest.accept import IngestDeps, IngestPolicy, accept_email, marker_key
from schemas.serde import AvroSerde

PDF = b"%PDF-1.4 fake statement"


def email_bytes(*attachments: tuple[str, bytes], auth_results: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Ana <ana@broker.example>"
    message["To"] = "uw@funder.example"
    message["Cc"] = "ops@funder.example"
    message["Subject"] = "Deal: Acme"
    message["Message-ID"] = "<deal-1@broker.example>"
    message["Date"] = "Tue, 04 Mar 2025 13:17:00 -0500"
    if auth_results:
        message["Authentication-Results"] = auth_results
    message.set_content("Please find the application attached.")
    for name, data in attachments:
        message.add_attachment(data, "application", "pdf", filename=name)
    return message.as_bytes()


@pytest.fixture
def deps(memory_store: Any, recording_producer: Any) -> IngestDeps:
    return IngestDeps(
        store=memory_store,
        serde=AvroSerde("mock://ingest-accept"),
        producer=recording_producer,
        policy=IngestPolicy(
            max_attachments=2, max_attachment_bytes=1000, trusted_authserv_ids=("mx.funder.example",)
        ),
    )


async def test_accepted_email_is_stored_published_once_and_marked(deps: IngestDeps) -> None:
    raw = email_bytes(("app.pdf", PDF))
    sid = hashlib.sha256(raw).hexdigest()

    acceptance = await accept_email(
        raw,
        channel="smtp",
        envelope_sender="bounce@broker.example",
        envelope_recipients=["UW@funder.example"],
        deps=deps,
    )

    assert (acceptance.status, acceptance.submission_id) == ("accepted", sid)
    ((topic, key, value),) = deps.producer.sent
    assert (topic, key) == (EMAIL_RECEIVED.name, sid)
    event = deps.serde.decode(EMAIL_RECEIVED.name, value)
    assert event["submission_id"] == sid
    assert event["channel"] == "smtp"
    assert event["recipients"] == ["uw@funder.example"]
    assert event["envelope_sender"] == "bounce@broker.example"
    assert event["sender"] == "ana@broker.example" and event["sender_domain"] == "broker.example"
    assert event["message_id"] == "<deal-1@broker.example>"
    assert event["date"].isoformat() == "2025-03-04T18:17:00+00:00"
    assert deps.store.get(event["raw"]["uri"]) == raw
    assert event["raw"]["sha256"] == sid and event["raw"]["content_type"] == "message/rfc822"
    (attachment,) = event["attachments"]
    assert deps.store.get(attachment["uri"]) == PDF
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest() and attachment["size"] == len(PDF)
    assert deps.store.puts[-1] == marker_key(sid), "the marker is written last, after the ack"


async def test_the_same_bytes_again_are_a_no_op(deps: IngestDeps) -> None:
    raw = email_bytes(("app.pdf", PDF))

    first = await accept_email(raw, channel="file", deps=deps)
    second = await accept_email(raw, channel="smtp", deps=deps)

    assert (first.status, second.status) == ("accepted", "already_accepted")
    assert second.submission_id == first.submission_id and second.event is None
    assert len(deps.producer.sent) == 1


async def test_a_resend_with_the_same_message_id_but_other_bytes_is_a_new_submission(
    deps: IngestDeps,
) -> None:
    first = await accept_email(email_bytes(("app.pdf", PDF)), channel="file", deps=deps)
    second = await accept_email(email_bytes(("app.pdf", PDF + b" v2")), channel="file", deps=deps)

    assert second.status == "accepted" and second.submission_id != first.submission_id


async def test_kafka_refusing_the_event_leaves_no_marker_and_a_retry_publishes_once(deps: IngestDeps) -> None:
    raw = email_bytes(("app.pdf", PDF))
    deps.producer.down = True

    with pytest.raises(TransientError):
        await accept_email(raw, channel="smtp", deps=deps)
    assert not deps.store.exists(marker_key(hashlib.sha256(raw).hexdigest()))

    deps.producer.down = False
    acceptance = await accept_email(raw, channel="smtp", deps=deps)
    assert acceptance.status == "accepted" and len(deps.producer.sent) == 1


async def test_attachments_over_a_limit_are_listed_unstored_with_a_note(deps: IngestDeps) -> None:
    raw = email_bytes(("big.pdf", b"x" * 1001), ("a.pdf", b"a"), ("b.pdf", b"b"), ("c.pdf", b"c"))

    acceptance = await accept_email(raw, channel="file", deps=deps)

    assert acceptance.event is not None
    assert [(a["filename"], a["uri"] is not None, a["note"]) for a in acceptance.event["attachments"]] == [
        ("big.pdf", False, "too_large"),
        ("a.pdf", True, None),
        ("b.pdf", True, None),
        ("c.pdf", False, "too_many_attachments"),
    ]
    assert deps.store.get(acceptance.event["raw"]["uri"]) == raw


async def test_file_and_imap_recipients_come_from_to_and_cc(deps: IngestDeps) -> None:
    acceptance = await accept_email(email_bytes(), channel="imap", deps=deps)

    assert acceptance.event is not None
    assert acceptance.event["recipients"] == ["uw@funder.example", "ops@funder.example"]
    assert acceptance.event["envelope_sender"] is None


async def test_trusted_authentication_results_reach_the_event(deps: IngestDeps) -> None:
    raw = email_bytes(auth_results="mx.funder.example; spf=pass smtp.mailfrom=broker.example; dkim=fail")

    acceptance = await accept_email(raw, channel="smtp", deps=deps)

    assert acceptance.event is not None
    assert acceptance.event["authentication"] == {
        "spf": "pass",
        "dkim": "fail",
        "dmarc": "unknown",
        "source": "header",
        "authserv_id": "mx.funder.example",
    }
