"""Failures of the pipeline's stages as recorded outcomes, pure: a dead letter names its
application and, decoded, the document it failed; `mca extract` fails the same document (or the
whole submission) the same way, through the same assemble step."""

from __future__ import annotations

import datetime as dt

from schemas import ids
from streams import pipeline
from streams.dlq import SourceMessage, application_of, dead_letter
from streams.local_run import LocalRunner
from streams.stages.limits import Limits
from streams.wire.failures import failed_result, failure_entry, is_failure, source_schema, stage_failure

from .edge_submissions import application_and_statement, email, merchant_files
from .stage_chain import InlineRuntime, email_event, make_services

AT = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)
CONTEXT = {"submission_id": "s" * 64, "application_id": "a" * 64, "document_count": 2}
DOCUMENT = {"document_id": "d" * 64, "index": 1, "filename": "Statement.pdf"}


def letter(stage: str, error: Exception, value: bytes | None = b"original") -> dict:
    source = SourceMessage("mca.document.read", 2, 17, b"key", value)
    return dead_letter(source, stage=stage, error=error, at=AT)


def test_a_document_level_message_names_its_application_through_its_submission():
    assert application_of({"submission": CONTEXT, "document": DOCUMENT}) == "a" * 64
    assert application_of({"application_id": "b" * 64}) == "b" * 64
    assert application_of(None) is None and application_of({"doubled": 4}) is None


def test_an_email_event_names_the_application_split_would_derive_from_it(tmp_path):
    event = email_event(email(application_and_statement(merchant_files())), make_services(tmp_path))
    assert application_of(event) == pipeline.submission_from_event(event).application_id
    assert application_of(event) == ids.application_id(event["message_id"], event["submission_id"])


def test_only_dead_letters_of_pipeline_stages_with_an_original_fail_a_document():
    assert source_schema(letter("extract", ValueError("x"))) == "mca.document.read"
    assert source_schema(letter("assemble", ValueError("x"))) == "mca.document.extracted"
    assert source_schema(letter("split", ValueError("x"))) == "mca.email.received"
    assert source_schema(letter("assemble-pages", ValueError("x"))) == "mca.page.read"
    assert source_schema(letter("postgres-sink", ValueError("x"))) is None
    assert source_schema(letter("assemble-failures", ValueError("x"))) is None
    assert source_schema(letter("ocr", ValueError("x"), value=None)) is None


def test_a_failed_document_keeps_the_stage_and_error_type_but_never_the_message():
    original = {"submission": CONTEXT, "document": DOCUMENT, "page_count": 3, "pages": []}
    entry = failure_entry(letter("extract", ValueError("SSN 123-45-6789 unparsable")), original)
    assert entry is not None and is_failure(entry)
    assert (entry["submission"], entry["document"], entry["page_count"]) == (CONTEXT, DOCUMENT, 3)
    assert "123-45-6789" not in repr(entry)
    assert stage_failure(entry).document_id == "d" * 64
    result = failed_result(entry)
    assert (result.filename, result.status, result.reason) == (
        "Statement.pdf",
        "invalid",
        "internal_error:extract:ValueError",
    )


def test_a_failed_split_fails_the_whole_submission_under_the_application_id_split_derives(tmp_path):
    event = email_event(email(application_and_statement(merchant_files())), make_services(tmp_path))
    entry = failure_entry(letter("split", RecursionError("deep")), event)
    assert entry is not None and entry["document"] is None
    assert entry["submission"]["application_id"] == pipeline.submission_from_event(event).application_id
    assert entry["submission"]["document_count"] == 0


def runner() -> LocalRunner:
    return LocalRunner(InlineRuntime(), Limits())  # type: ignore[arg-type]


async def test_mca_extract_fails_a_document_whose_extract_step_raises_and_the_application_with_it(
    monkeypatch,
):
    real = pipeline.extract_entry

    def extract_entry(entry, *args):
        if entry.filename == "Statement.pdf":
            raise RuntimeError("account 000123456789 broke the parser")
        return real(entry, *args)

    monkeypatch.setattr("streams.pipeline.extract_entry", extract_entry)
    local = runner()
    app = local.assemble(await local.read_email(email(application_and_statement(merchant_files()))))
    assert app.status == "failed"
    assert [(d.filename, d.status, d.reason) for d in app.documents] == [
        ("Application.pdf", "read", None),
        ("Statement.pdf", "invalid", "internal_error:extract:RuntimeError"),
    ]
    assert [(f.stage, f.error_type) for f in app.failures] == [("extract", "RuntimeError")]
    assert app.merchant is not None and app.merchant["ein"].value == merchant_files().ein


async def test_mca_extract_fails_every_page_reading_step_under_the_ocr_stage(monkeypatch):
    def broken_ocr(prepared, limits):
        raise MemoryError("tesseract ran out")

    monkeypatch.setattr("streams.pipeline.pages.read_page", broken_ocr)
    local = runner()
    app = local.assemble(await local.read_email(email(application_and_statement(merchant_files()))))
    assert app.status == "failed"
    assert {d.reason for d in app.documents} == {"internal_error:ocr:MemoryError"}


async def test_mca_extract_fails_a_submission_split_cannot_take_apart_without_stopping_the_run(monkeypatch):
    def broken_split(raw, submission_id, limits):
        raise RecursionError("nested too deep")

    monkeypatch.setattr("streams.pipeline.split_submission", broken_split)
    local = runner()
    raw = email(application_and_statement(merchant_files()))
    app = local.assemble(await local.read_email(raw))
    assert (app.status, app.documents) == ("failed", ())
    assert app.application_id == pipeline.submission_from_email(raw).application_id
    assert [(f.stage, f.error_type, f.document_id) for f in app.failures] == [
        ("split", "RecursionError", None)
    ]
