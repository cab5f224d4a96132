"""The submission and document parts that every document-level event carries (SubmissionContext,
DocumentInfo, BlobRef), to and from the pipeline's SubmissionInfo and DocumentEntry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from infra.object_store import StoredObject
from streams.pipeline import Decided, DocumentEntry, SubmissionInfo


def blob_ref(stored: StoredObject, content_type: str) -> dict[str, Any]:
    """A BlobRef record for an object just stored."""
    return {"uri": stored.uri, "size": stored.size, "sha256": stored.sha256, "content_type": content_type}


def submission_context(info: SubmissionInfo, document_count: int) -> dict[str, Any]:
    """The SubmissionContext record of a submission with `document_count` documents."""
    return {
        "submission_id": info.submission_id,
        "application_id": info.application_id,
        "message_id": info.message_id,
        "iso_broker": info.iso_broker,
        "sender": info.sender,
        "subject": info.subject,
        "email_date": info.email_date,
        "received_at": info.received_at,
        "document_count": document_count,
        "reading": info.reading,
    }


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def submission_info(context: Mapping[str, Any]) -> SubmissionInfo:
    """The SubmissionInfo a SubmissionContext record describes."""
    return SubmissionInfo(
        submission_id=context["submission_id"],
        application_id=context["application_id"],
        message_id=context.get("message_id"),
        sender=context.get("sender") or "",
        iso_broker=context.get("iso_broker") or "",
        subject=context.get("subject") or "",
        email_date=_utc(context.get("email_date")),
        received_at=_utc(context.get("received_at")) or dt.datetime.now(dt.UTC),
        reading=int(context.get("reading") or 0),
    )


def document_info(entry: DocumentEntry, blob: Mapping[str, Any] | None) -> dict[str, Any]:
    """The DocumentInfo record of a document (blob: where its bytes are stored, None when not)."""
    return {
        "document_id": entry.document_id,
        "index": entry.index,
        "position": entry.position,
        "filename": entry.filename,
        "content_type": entry.content_type,
        "size": entry.size,
        "sha256": entry.sha256,
        "blob": dict(blob) if blob is not None else None,
        "container": entry.container,
    }


def document_entry(document: Mapping[str, Any], event: Mapping[str, Any] | None = None) -> DocumentEntry:
    """The DocumentEntry a DocumentInfo record describes; `event` (the record holding it) adds what
    is already decided (doc_type, status, reason, detail) when it says so."""
    decided = None
    if event is not None and event.get("status") is not None:
        decided = Decided(
            event.get("doc_type") or "other", event["status"], event.get("reason"), event.get("detail") or ""
        )
    return DocumentEntry(
        document_id=document["document_id"],
        index=document["index"],
        position=document["position"],
        filename=document.get("filename"),
        content_type=document["content_type"],
        size=document["size"],
        sha256=document["sha256"],
        container=document.get("container"),
        decided=decided,
    )


def decided_fields(decided: Decided | None) -> dict[str, Any]:
    """The doc_type / status / reason / detail fields of an event for an outcome (all null when None)."""
    if decided is None:
        return {"doc_type": None, "status": None, "reason": None, "detail": None}
    return {
        "doc_type": decided.doc_type,
        "status": decided.status,
        "reason": decided.reason,
        "detail": decided.detail or None,
    }
