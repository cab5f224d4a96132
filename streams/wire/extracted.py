"""A mca.document.extracted event read back into the pipeline's terms: the DocumentResult that
assemble decides on, and the DocumentMeta the application record lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infra.crypto import KeyRing
from streams.stages.assemble import FAILED_REASON, DocumentResult, StageFailure, failed_document
from streams.wire.application import DocumentMeta
from streams.wire.extraction import extraction_from_fields
from streams.wire.records import document_entry


def result_from_extracted(
    event: Mapping[str, Any], ring: KeyRing, transactions: Sequence[Any] = ()
) -> DocumentResult:
    """The DocumentResult a document.extracted event describes (PII decrypted); a document extract
    failed on (reason `internal_error:<stage>:<error type>`) comes back as that failure."""
    name = event["document"].get("filename") or ""
    failure = stage_failure_of(event["reason"], event["document"]["document_id"])
    if event["status"] == "invalid" and failure is not None:
        return failed_document(name, failure, event["page_count"])
    extraction = None
    if event["status"] == "read":
        extraction = extraction_from_fields(
            event["doc_type"],
            event.get("classification_confidence"),
            event["fields"],
            ring,
            transactions=transactions,
        )
    return DocumentResult(
        name, event["doc_type"], event["status"], event.get("reason"), event["page_count"], extraction
    )


def stage_failure_of(reason: str | None, document_id: str) -> StageFailure | None:
    """The StageFailure a document's reason `internal_error:<stage>:<error type>` records, else None."""
    parts = (reason or "").split(":")
    if len(parts) != 3 or parts[0] != FAILED_REASON:
        return None
    return StageFailure(parts[1], parts[2], document_id)


def meta_from_extracted(event: Mapping[str, Any]) -> DocumentMeta:
    """What the application record lists of a document.extracted event's document."""
    pages = event.get("pages") or []
    skews = [p["skew_degrees"] for p in pages if p["raster"]]
    return DocumentMeta(
        entry=document_entry(event["document"]),
        blob=event["document"].get("blob"),
        raster=any(p["raster"] for p in pages),
        skew_deg=max(skews, key=abs) if skews else None,
        detail=event.get("detail"),
    )
