"""The pipeline as pure steps: raw email -> documents -> pages -> document readings -> extractions ->
application. `mca extract` (streams/local_run.py) and the Faust agents (streams/agents/) call these
very functions one by one, so both paths give the same application for the same email:

    submission_from_email / submission_from_event   the email's facts (Message-ID, sender, Date)
    split_submission                                its documents, in the order they sit in the email
    plan_entry                                      which pages of one document to read
    render_page -> read_page                        one page: render and clean, then OCR
    document_reading                                the pages of a document put back together
    extract_entry                                   classify and extract one document
    assemble_submission                             the application, against the memory of earlier ones

Every step takes and returns plain, picklable values (they run in the CPU pool) and never raises
for bad input: an unreadable page or document gets a status and a reason instead.
"""

from streams.pipeline.documents import (
    Decided,
    DocumentEntry,
    decided_from_plan,
    plan_entry,
    position_key,
    single_document,
    split_submission,
)
from streams.pipeline.extraction import extract_entry, extraction_failed, needs_bytes
from streams.pipeline.pages import (
    DocumentOutcome,
    PageOutcome,
    RenderedOutcome,
    document_reading,
    page_is_raster,
    pages_to_render,
    read_page,
    refused_outcome,
    render_and_read_page,
    render_page,
)
from streams.pipeline.submission import (
    SubmissionInfo,
    assemble_submission,
    submission_from_email,
    submission_from_event,
)

__all__ = [
    "Decided",
    "DocumentEntry",
    "DocumentOutcome",
    "PageOutcome",
    "RenderedOutcome",
    "SubmissionInfo",
    "assemble_submission",
    "decided_from_plan",
    "document_reading",
    "extract_entry",
    "extraction_failed",
    "needs_bytes",
    "page_is_raster",
    "pages_to_render",
    "plan_entry",
    "position_key",
    "read_page",
    "refused_outcome",
    "render_and_read_page",
    "render_page",
    "single_document",
    "split_submission",
    "submission_from_email",
    "submission_from_event",
]
