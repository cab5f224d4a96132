"""The `failed` outcome (DESIGN "Statuses and events": internal error only), decided by the pure
assemble step both paths call: a stage that gave up on a document, or on the whole submission,
makes the application failed, with a reason and a detail that name the stage and the error type."""

from __future__ import annotations

from streams.stages.assemble import (
    DocumentResult,
    StageFailure,
    assemble_application,
    failed_document,
    status_detail,
)
from streams.stages.assemble_memory import AssembleMemory
from tests.unit.streams.stages.test_assemble import application, run, statement, submission

EXTRACT_FAILED = StageFailure("extract", "RuntimeError", "doc-2")


def test_a_document_a_stage_failed_on_is_invalid_with_a_reason_naming_the_stage_and_error_type():
    document = failed_document("stmt.pdf", EXTRACT_FAILED, pages=3)
    assert (document.doc_type, document.status, document.reason, document.pages) == (
        "invalid",
        "invalid",
        "internal_error:extract:RuntimeError",
        3,
    )
    assert document.extraction is None and document.failure == EXTRACT_FAILED


def test_one_failed_document_makes_the_application_failed_though_the_others_were_read():
    app, _ = run([application(), failed_document("stmt.pdf", EXTRACT_FAILED)])
    assert app.status == "failed"
    assert app.failures == (EXTRACT_FAILED,)
    assert app.review == () and app.merchant is not None  # what was read is kept, not reviewed
    assert status_detail(app) == "internal_error: extract failed on document doc-2 (RuntimeError)"


def test_a_submission_split_failed_on_is_failed_without_documents_not_rejected():
    app, memory = assemble_application(
        submission(), [], AssembleMemory(), failures=[StageFailure("split", "RecursionError")]
    )
    assert (app.status, app.documents) == ("failed", ())
    assert status_detail(app) == "internal_error: split failed on the submission (RecursionError)"
    assert memory.application_for(submission().message_id) == app.application_id


def test_failed_comes_before_rejected_when_nothing_else_was_readable():
    broken = DocumentResult("x.pdf", "invalid", "invalid", "corrupt")
    app, _ = run([broken, failed_document("stmt.pdf", EXTRACT_FAILED)])
    assert app.status == "failed"


def test_failed_comes_before_review_when_the_rest_needs_review():
    broken = DocumentResult("x.pdf", "invalid", "invalid", "corrupt")
    app, _ = run([application(), statement(), broken, failed_document("y.pdf", EXTRACT_FAILED)])
    assert app.status == "failed" and app.review_reasons == ()


def test_a_resend_of_a_seen_message_id_stays_a_duplicate_whatever_failed_in_it():
    _, memory = run([application(), statement()])
    again, _ = run([failed_document("stmt.pdf", EXTRACT_FAILED)], memory=memory)
    assert again.status == "duplicate"


def test_every_failure_is_named_in_the_detail():
    ocr = StageFailure("ocr", "CpuTimeoutError", "doc-1")
    app, _ = run([failed_document("a.pdf", ocr), failed_document("b.pdf", EXTRACT_FAILED)])
    assert status_detail(app) == (
        "internal_error: ocr failed on document doc-1 (CpuTimeoutError); "
        "extract failed on document doc-2 (RuntimeError)"
    )
