"""Build the mca.email.received event from a parsed email and its stored blobs (pure).

The dict matches schemas/avro/email_received.avsc field for field; timestamps are aware UTC
datetimes truncated to milliseconds (timestamp-millis).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ingest.authentication import Verdicts
from ingest.mime import Attachment
from ingest.parse import ParsedEmail

NOTE_TOO_LARGE = "too_large"
NOTE_TOO_MANY = "too_many_attachments"


@dataclass(frozen=True)
class AttachmentPlan:
    """An attachment and whether it is stored; `note` says why not."""

    attachment: Attachment
    store: bool
    note: str | None


def plan_attachments(
    attachments: Sequence[Attachment], *, max_attachments: int, max_attachment_bytes: int
) -> list[AttachmentPlan]:
    """Which attachments to store: the first `max_attachments` that are not over the byte limit.

    Nothing is dropped: parts over a limit stay in the list with a note (and the raw message,
    always stored, still holds them).
    """
    plans: list[AttachmentPlan] = []
    stored = 0
    for attachment in attachments:
        if attachment.size > max_attachment_bytes:
            plans.append(AttachmentPlan(attachment, store=False, note=NOTE_TOO_LARGE))
        elif stored >= max_attachments:
            plans.append(AttachmentPlan(attachment, store=False, note=NOTE_TOO_MANY))
        else:
            stored += 1
            plans.append(AttachmentPlan(attachment, store=True, note=None))
    return plans


def to_millis(moment: datetime) -> datetime:
    """An aware UTC datetime at millisecond precision (what timestamp-millis can hold)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def attachment_record(plan: AttachmentPlan, uri: str | None) -> dict[str, Any]:
    """The Avro AttachmentRef of one planned attachment."""
    a = plan.attachment
    return {
        "position": a.position,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uri": uri,
        "inline_cid": a.inline_cid,
        "nested_path": a.nested_path,
        "note": plan.note,
    }


def build_event(
    *,
    submission_id: str,
    parsed: ParsedEmail,
    raw_blob: dict[str, Any],
    channel: str,
    envelope_sender: str | None,
    envelope_recipients: Sequence[str] | None,
    received_at: datetime,
    verdicts: Verdicts,
    attachments: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The EmailReceived record. Recipients are the envelope's when given, else the To/Cc addresses."""
    recipients = [r.lower() for r in envelope_recipients] if envelope_recipients else parsed.header_recipients
    return {
        "submission_id": submission_id,
        "raw": raw_blob,
        "channel": channel,
        "sender": parsed.sender,
        "sender_domain": parsed.sender_domain,
        "envelope_sender": envelope_sender or None,
        "recipients": list(recipients),
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "date": to_millis(parsed.date) if parsed.date else None,
        "received_at": to_millis(received_at),
        "body_preview": parsed.body_preview,
        "authentication": verdicts.as_record(),
        "attachments": list(attachments),
        "defects": list(parsed.defects),
        "reading": 0,
    }
