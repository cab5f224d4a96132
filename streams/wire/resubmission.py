"""A submission's mca.email.received event rebuilt from its raw email, for reprocessing.

Reprocessing sends a submission through every stage again, from split on, so each reads it with
its current version. The event is rebuilt the way ingest built it (same parser, same event
builder) from the raw bytes kept in the object store; what ingest decided at acceptance and the
raw bytes cannot tell again (the sender when From was unusable, the acceptance time) comes from
the submission context the pipeline carried. Consumers of mca.email.received deduplicate by
submission_id, so only the pipeline, which is asked to, reads it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from infra.object_store import StoredObject
from ingest.accept import IngestPolicy
from ingest.authentication import verdicts_from_headers
from ingest.event import attachment_record, build_event, plan_attachments
from ingest.parse import parse_email

StoredUri = Callable[[str, bytes, str], str | None]


def resubmission_event(
    raw: bytes,
    *,
    context: Mapping[str, Any],
    raw_blob: StoredObject,
    channel: str,
    stored_uri: StoredUri,
    reading: int,
    policy: IngestPolicy | None = None,
) -> dict[str, Any]:
    """The mca.email.received event of the submission `context` describes, from its `raw` bytes.

    `stored_uri(sha256, data, content_type)` gives the URI an attachment is stored under, or None
    when ingest did not store it. `reading` numbers this run (1 for the first reprocess).
    Authentication verdicts are those the headers state (no network).
    """
    policy = policy or IngestPolicy()
    parsed = parse_email(raw, envelope_sender=context.get("sender"), preview_chars=policy.body_preview_chars)
    plans = plan_attachments(
        parsed.attachments,
        max_attachments=policy.max_attachments,
        max_attachment_bytes=policy.max_attachment_bytes,
    )
    attachments = [
        attachment_record(
            p,
            stored_uri(p.attachment.sha256, p.attachment.data, p.attachment.content_type)
            if p.store
            else None,
        )
        for p in plans
    ]
    event = build_event(
        submission_id=context["submission_id"],
        parsed=parsed,
        raw_blob={
            "uri": raw_blob.uri,
            "size": raw_blob.size,
            "sha256": raw_blob.sha256,
            "content_type": "message/rfc822",
        },
        channel=channel,
        envelope_sender=None,
        envelope_recipients=None,
        received_at=context["received_at"],
        verdicts=verdicts_from_headers(parsed.authentication_results, policy.trusted_authserv_ids),
        attachments=attachments,
    )
    event.update(
        sender=context.get("sender") or event["sender"],
        sender_domain=context.get("iso_broker") or event["sender_domain"],
        reading=reading,
    )
    return event
