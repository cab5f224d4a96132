"""The pipeline's pure steps: an email becomes its documents in email order, pages are put back in
order, and the application is assembled against the memory of earlier submissions."""

from __future__ import annotations

import datetime as dt

import pytest

from schemas import ids
from streams import pipeline
from streams.local_run import LocalRunner
from streams.pipeline import PageOutcome
from streams.stages.assemble import Application
from streams.stages.assemble_memory import AssembleMemory
from streams.stages.limits import Limits
from streams.stages.reading import PageReading
from streams.stages.text import Box, PageText, Word

from .edge_submissions import SENT, application_and_statement, email, merchant_files
from .stage_chain import InlineRuntime, email_event, make_services

LIMITS = Limits()


def page_reading(number: int, text: str) -> PageReading:
    word = Word(text, Box(0.1, 0.1, 0.2, 0.12), 0.9)
    return PageReading(PageText(number, 612.0, 792.0, (word,), "ocr"), raster=True, skew_deg=float(number))


async def assemble(*raws: bytes) -> list[Application]:
    runner = LocalRunner(InlineRuntime(), LIMITS)  # type: ignore[arg-type]
    return [runner.assemble(await runner.read_email(raw)) for raw in raws]


def test_documents_are_listed_in_email_order_with_unsupported_attachments_among_them():
    files = merchant_files()
    raw = email(
        [
            ("Application.pdf", files.application, "application/pdf"),
            ("notes.txt", b"call me back", "text/plain"),
            ("Statement.pdf", files.statement, "application/pdf"),
        ]
    )
    entries = pipeline.split_submission(raw, ids.submission_id(raw), LIMITS)
    assert [(e.index, e.filename) for e, _ in entries] == [
        (0, "Application.pdf"),
        (1, "notes.txt"),
        (2, "Statement.pdf"),
    ]
    assert entries[1][0].decided == pipeline.Decided("other", "ignored", "unsupported_type", "")
    assert entries[0][1] == files.application and entries[0][0].decided is None


def test_document_ids_come_from_the_submission_bytes_and_position_so_a_replay_gives_the_same_ids():
    raw = email(application_and_statement(merchant_files()))
    first = pipeline.split_submission(raw, ids.submission_id(raw), LIMITS)
    again = pipeline.split_submission(raw, ids.submission_id(raw), LIMITS)
    assert [e.document_id for e, _ in first] == [e.document_id for e, _ in again]
    assert len({e.document_id for e, _ in first}) == 2


def test_the_email_facts_are_the_same_from_the_raw_bytes_and_from_the_ingest_event(tmp_path):
    raw = email(application_and_statement(merchant_files()), sender="Deals@First-ISO.example")
    from_bytes = pipeline.submission_from_email(raw)
    from_event = pipeline.submission_from_event(email_event(raw, make_services(tmp_path)))
    assert from_bytes.as_submission() == from_event.as_submission()
    assert (from_event.application_id, from_event.iso_broker) == (
        from_bytes.application_id,
        "first-iso.example",
    )
    assert from_event.email_date == SENT


def test_pages_are_put_back_in_page_order_whatever_order_they_were_read_in():
    outcomes = [PageOutcome(n, True, page_reading(n, f"word{n}")) for n in (3, 1, 2)]
    read = pipeline.document_reading(
        page_count=3, planned_pages=3, raster=True, outcomes=outcomes, form_fields={}
    )
    assert read.status == "read"
    assert [p.page_number for p in read.text.pages] == [1, 2, 3]
    assert read.skew_deg == 2.0


def test_a_document_none_of_whose_pages_could_be_rendered_is_invalid_and_corrupt():
    outcomes = [
        PageOutcome(1, False, None, "page 1 not read: bad xref"),
        PageOutcome(2, False, None, "page 2 ..."),
    ]
    read = pipeline.document_reading(
        page_count=2, planned_pages=2, raster=False, outcomes=outcomes, form_fields={}
    )
    assert (read.status, read.reason) == ("invalid", "corrupt")
    assert "bad xref" in read.detail


def test_a_page_that_fails_among_readable_ones_is_a_warning_not_an_invalid_document():
    outcomes = [
        PageOutcome(1, True, page_reading(1, "total")),
        PageOutcome(2, False, None, "page 2 not read"),
    ]
    read = pipeline.document_reading(
        page_count=2, planned_pages=2, raster=True, outcomes=outcomes, form_fields={}
    )
    assert read.status == "read" and read.warnings == ("page 2 not read",)


def test_a_bare_pdf_is_a_submission_of_that_one_document_without_an_email():
    data = merchant_files().statement
    info, entries = pipeline.single_document("March.pdf", data)
    assert (info.message_id, info.sender, info.submission_id) == (None, "", ids.submission_id(data))
    assert [(e.filename, e.content_type, e.size) for e, _ in entries] == [
        ("March.pdf", "application/pdf", len(data))
    ]


async def test_an_email_without_attachments_is_rejected():
    [app] = await assemble(email([]))
    assert (app.status, app.documents) == ("rejected", ())


async def test_a_resend_of_a_seen_message_id_is_a_duplicate_with_an_id_of_its_own_linking_the_original():
    attachments = application_and_statement(merchant_files())
    original, resend = email(attachments), email(attachments, resent=True)
    assert original != resend
    first, second = await assemble(original, resend)
    assert first.status != "duplicate"
    assert second.status == "duplicate"
    assert second.duplicate_of == first.application_id
    assert (
        second.application_id == ids.application_id(None, ids.submission_id(resend)) != first.application_id
    )


async def test_the_same_merchant_from_another_iso_broker_needs_review_and_from_the_same_one_is_a_warning():
    attachments = application_and_statement(merchant_files())
    first = email(attachments, message_id="<a@first-iso.example>")
    same_iso = email(attachments, message_id="<b@first-iso.example>", date=SENT + dt.timedelta(days=3))
    other_iso = email(attachments, sender="rep@second-iso.example", message_id="<c@second-iso.example>")
    _, again, other = await assemble(first, same_iso, other_iso)
    assert "resubmission_same_iso_within_30_days" in again.warnings
    assert "ein_seen_from_other_iso" not in again.review_reasons
    assert other.status == "review_required" and "ein_seen_from_other_iso" in other.review_reasons


async def test_an_extractor_that_crashes_on_a_document_fails_it_and_the_application_without_stopping_the_run(
    monkeypatch,
):
    def broken(document, **_):
        raise RuntimeError("extractor bug")

    monkeypatch.setattr("streams.pipeline.extraction.extract_document", broken)
    [app] = await assemble(email(application_and_statement(merchant_files())))
    assert [(d.doc_type, d.status, d.reason) for d in app.documents] == [
        ("invalid", "invalid", "internal_error:extract:RuntimeError")
    ] * 2
    assert app.status == "failed"


def test_assembling_a_duplicate_leaves_the_memory_as_it_was():
    raw = email(application_and_statement(merchant_files()))
    info = pipeline.submission_from_email(raw)
    memory = AssembleMemory()
    _, memory = pipeline.assemble_submission(info, [], memory)
    resend_info = pipeline.submission_from_email(email([], resent=True))
    app, after = pipeline.assemble_submission(resend_info, [], memory)
    assert app.status == "duplicate" and after == memory


@pytest.mark.parametrize("position, key", [("2", (2,)), ("1.2", (1, 2)), ("3/1", (3, 1)), ("10", (10,))])
def test_positions_sort_as_the_parts_sit_in_the_email(position, key):
    assert pipeline.position_key(position) == key
