"""The extract step: a read document classified and its fields extracted (a scanned one may be read
again by the second OCR engine, which needs the document's bytes); a refused one keeps its outcome,
and a document the extractor fails on becomes invalid rather than stopping the run."""

from __future__ import annotations

import logging

from streams.pipeline.documents import DocumentEntry
from streams.pipeline.pages import DocumentOutcome
from streams.stages.assemble import DocumentResult, StageFailure, failed_document
from streams.stages.extract.document import extract_document
from streams.stages.limits import Limits
from streams.stages.second_reading import rereader

logger = logging.getLogger(__name__)


def needs_bytes(outcome: DocumentOutcome) -> bool:
    """Whether extracting the document may read it again from its bytes (it has OCR'd pages)."""
    return outcome.status == "read" and any(page.source == "ocr" for page in outcome.text.pages)


def extract_entry(
    entry: DocumentEntry, outcome: DocumentOutcome, data: bytes | None = None, limits: Limits | None = None
) -> DocumentResult:
    """Classify and extract one document (the extract stage); a refused document keeps its outcome.

    With the document's `data` and `limits`, scanned pages whose first reading left required values
    missing may be read again by the second engine (streams.stages.second_reading)."""
    name = entry.filename or ""
    if outcome.status != "read":
        doc_type = "invalid" if outcome.status == "invalid" else "other"
        return DocumentResult(name, doc_type, outcome.status, outcome.reason, outcome.page_count)
    try:
        reread = None
        if data is not None and limits is not None and needs_bytes(outcome):
            reread = rereader(data, outcome.text, limits)
        extraction = extract_document(outcome.text, reread=reread)
    except Exception as exc:  # a bug on one document must not lose the application: it is failed
        logger.exception("extracting %s failed", name)
        failure = StageFailure("extract", type(exc).__name__, entry.document_id)
        return failed_document(name, failure, outcome.page_count)
    return DocumentResult(name, extraction.doc_type, "read", None, outcome.page_count, extraction)


def extraction_failed(entry: DocumentEntry, page_count: int) -> DocumentResult:
    """A document whose extraction crashed its worker process (hostile input, e.g. memory): invalid
    and unreadable, so it is reviewed."""
    return DocumentResult(entry.filename or "", "invalid", "invalid", "unreadable", page_count)
