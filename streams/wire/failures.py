"""A dead letter of a pipeline stage as assemble's record of a failed document, pure.

The dead letter (mca.dlq) is the one record of the failure: it names the stage and the error and
keeps the original message, whose schema follows from the stage. Decoded, that original says which
submission and which document failed (document- and page-level events carry both; an
mca.email.received event only the submission, whose application id split derives from it).

The failure entry stands in assemble's table where the document's mca.document.extracted event
would, with the same `submission` and `document` parts, so a submission completes once each of its
documents is either extracted or failed. It keeps the stage and the error's type, never the
message or a stack trace (they may hold PII: the DLQ keeps them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.topics import (
    DOCUMENT_EXTRACTED,
    DOCUMENT_READ,
    DOCUMENT_RECEIVED,
    EMAIL_RECEIVED,
    PAGE_READ,
    PAGE_READY,
)
from streams.pipeline import submission_from_event
from streams.stages.assemble import DocumentResult, StageFailure, failed_document
from streams.wire.records import submission_context

# The pipeline stages and the topic (schema) each reads: their dead letters fail documents. assemble's
# own: the document whose arrival it could not assemble counts as failed instead, so the application
# completes as `failed` unless the error lies elsewhere (then that dead letter stays in the DLQ only).
STAGE_SOURCES: dict[str, str] = {
    "split": EMAIL_RECEIVED.name,
    "render": DOCUMENT_RECEIVED.name,
    "ocr": PAGE_READY.name,
    "assemble-pages": PAGE_READ.name,
    "extract": DOCUMENT_READ.name,
    "assemble": DOCUMENT_EXTRACTED.name,
}
FAILURE = "failure"


def source_schema(dead_letter: Mapping[str, Any]) -> str | None:
    """The topic of the map whose schema decodes the dead letter's original, or None when the dead
    letter is not one of a pipeline stage upstream of assemble (or has no original to decode)."""
    if dead_letter.get("value") is None:
        return None
    return STAGE_SOURCES.get(str(dead_letter.get("stage")))


def failure_entry(dead_letter: Mapping[str, Any], original: Mapping[str, Any]) -> dict[str, Any] | None:
    """Assemble's entry for the document (or, split, the submission) that `dead_letter` failed;
    `original` is its decoded original message. None when the original names no submission."""
    stage = str(dead_letter["stage"])
    failure = {"stage": stage, "error_type": str(dead_letter["error_type"])}
    if stage == "split":
        if "submission_id" not in original:
            return None
        split = submission_context(submission_from_event(original), 0)
        return {FAILURE: failure, "submission": split, "document": None, "page_count": 0, "pages": []}
    document, context = original.get("document"), original.get("submission")
    if not isinstance(context, Mapping) or not isinstance(document, Mapping):
        return None
    failure["document_id"] = document["document_id"]
    detail = f"the {stage} stage failed on it ({failure['error_type']}); mca dlq keeps the error"
    return {
        FAILURE: failure,
        "submission": dict(context),
        "document": dict(document),
        "page_count": int(original.get("page_count") or 0),
        "pages": [],
        "detail": detail,
    }


def is_failure(entry: Mapping[str, Any]) -> bool:
    """Whether a table entry records a failure (else it is a document.extracted event)."""
    return entry.get(FAILURE) is not None


def stage_failure(entry: Mapping[str, Any]) -> StageFailure:
    """The StageFailure a failure entry records."""
    failure = entry[FAILURE]
    return StageFailure(failure["stage"], failure["error_type"], failure.get("document_id"))


def failed_result(entry: Mapping[str, Any]) -> DocumentResult:
    """The DocumentResult of a failed document's entry."""
    return failed_document(entry["document"].get("filename") or "", stage_failure(entry), entry["page_count"])
