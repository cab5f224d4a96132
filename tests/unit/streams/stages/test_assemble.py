"""assemble's outcome rules (samples/README.md, DESIGN "Statuses and events"), one rule per test."""

from __future__ import annotations

import datetime as dt

from streams.stages.application_json import application_to_json
from streams.stages.assemble import DocumentResult, Submission, application_id_for, assemble_application
from streams.stages.assemble_memory import AssembleMemory
from streams.stages.extract.document import extract_document
from tests.unit.streams.stages.test_extract_application import LABEL_COLUMN_FORM
from tests.unit.streams.stages.test_extract_statement import HEADER, SIGNED_ROWS
from tests.unit.streams.stages.textdoc_factory import document_factory

DAY = dt.datetime(2025, 3, 3, 9, 30, tzinfo=dt.UTC)


def read(filename, rows):
    extraction = extract_document(document_factory(rows))
    return DocumentResult(filename, extraction.doc_type, "read", None, 1, extraction)


def application(rows=LABEL_COLUMN_FORM):
    return read("app.pdf", rows)


def statement(rows=None):
    return read("stmt.pdf", rows or HEADER + SIGNED_ROWS)


def submission(message_id="<m1@iso-one.test>", sender="rep@iso-one.test", when=DAY):
    return Submission(message_id, sender, when, "Deal")


def run(documents, sub=None, memory=None):
    return assemble_application(sub or submission(), documents, memory or AssembleMemory())


def test_complete_submission_is_processed():
    app, _ = run([application(), statement()])
    assert app.status == "processed"
    assert app.review_reasons == ()


def test_resend_of_a_seen_message_id_is_a_duplicate_linked_to_the_original():
    first, memory = run([application(), statement()])
    again, after = run([application(), statement()], memory=memory)
    assert again.status == "duplicate"
    assert again.duplicate_of == first.application_id
    assert after == memory


def test_no_attachments_is_rejected():
    app, _ = run([])
    assert app.status == "rejected"


def test_no_readable_application_or_statement_is_rejected():
    broken = DocumentResult("x.pdf", "invalid", "invalid", "corrupt")
    other = read("invoice.pdf", ["INVOICE #1", "Item | Qty | Total"])
    app, _ = run([broken, other])
    assert app.status == "rejected"


def test_an_invalid_attachment_needs_review():
    app, _ = run([application(), statement(), DocumentResult("check.pdf", "invalid", "invalid", "empty")])
    assert app.status == "review_required"
    assert "invalid_document" in app.review_reasons


def test_missing_application_needs_review():
    app, _ = run([statement()])
    assert (app.status, app.review_reasons) == ("review_required", ("application_missing",))


def test_missing_statements_need_review():
    app, _ = run([application()])
    assert (app.status, app.review_reasons) == ("review_required", ("statements_missing",))


def test_statement_that_does_not_reconcile_needs_review():
    tampered = [r.replace("235.00", "335.00", 1) if r.startswith("11/07") else r for r in SIGNED_ROWS]
    app, _ = run([application(), statement(HEADER + tampered)])
    assert "balances_do_not_reconcile" in app.review_reasons


def test_missing_required_field_needs_review():
    rows = [r for r in LABEL_COLUMN_FORM if not r.startswith("Federal Tax ID")]
    app, _ = run([application(rows), statement()])
    assert app.status == "review_required"
    assert [r.subject for r in app.review if r.reason == "required_field_missing"] == ["merchant.ein"]


def test_ownership_above_one_hundred_percent_is_an_invalid_value():
    rows = [r.replace("Ownership % | 40", "Ownership % | 60") for r in LABEL_COLUMN_FORM]
    app, _ = run([application(rows), statement()])
    assert "invalid_value" in app.review_reasons


def test_ownership_below_one_hundred_percent_is_only_a_warning():
    rows = [r for r in LABEL_COLUMN_FORM if not r.startswith("Ownership % | 40")]
    app, _ = run([application(rows), statement()])
    assert app.status == "processed"
    assert "ownership_below_100" in app.warnings


def test_same_ein_from_another_iso_broker_needs_review():
    _, memory = run([application(), statement()])
    other = submission("<m2@iso-two.test>", "rep@iso-two.test", DAY + dt.timedelta(days=90))
    app, _ = run([application(), statement()], other, memory)
    assert app.status == "review_required"
    assert "ein_seen_from_other_iso" in app.review_reasons


def test_same_ein_from_the_same_iso_within_30_days_is_a_warning():
    _, memory = run([application(), statement()])
    later = submission("<m2@iso-one.test>", "other.rep@iso-one.test", DAY + dt.timedelta(days=12))
    app, _ = run([application(), statement()], later, memory)
    assert app.status == "processed"
    assert "resubmission_same_iso_within_30_days" in app.warnings


def test_same_ein_from_the_same_iso_after_30_days_is_nothing():
    _, memory = run([application(), statement()])
    later = submission("<m2@iso-one.test>", "rep@iso-one.test", DAY + dt.timedelta(days=45))
    app, _ = run([application(), statement()], later, memory)
    assert "resubmission_same_iso_within_30_days" not in app.warnings


def test_precedence_duplicate_beats_rejected():
    _, memory = run([application(), statement()])
    app, _ = run([], memory=memory)
    assert app.status == "duplicate"


def test_precedence_rejected_beats_review_required():
    app, _ = run([DocumentResult("x.pdf", "invalid", "invalid", "encrypted")])
    assert app.status == "rejected"


def test_statement_gap_is_a_warning():
    december = [r.replace("11/", "12/").replace("11/30/2024", "12/31/2024") for r in HEADER + SIGNED_ROWS]
    january = [r.replace("11/", "01/").replace("/2024", "/2025") for r in HEADER + SIGNED_ROWS]
    app, _ = run([application(), statement(), read("jan.pdf", january)])
    assert "statement_period_gap" in app.warnings
    assert app.analysis.missing_months == ("2024-12",)
    app, _ = run([application(), statement(), read("dec.pdf", december)])
    assert "statement_period_gap" not in app.warnings


def test_memory_survives_a_round_trip_through_json_form():
    _, memory = run([application(), statement()])
    assert AssembleMemory.from_dict(memory.to_dict()) == memory
    again, _ = run([application()], memory=AssembleMemory.from_dict(memory.to_dict()))
    assert again.status == "duplicate"


def test_application_json_follows_the_readme_contract():
    app, _ = run([application(), statement()])
    out = application_to_json(app)
    assert out["status"] == "processed"
    assert out["application_id"] == application_id_for("<m1@iso-one.test>")
    assert out["merchant"]["ein"] == "12-3456789"
    assert out["merchant"]["address"] == {
        "street": "100 Main St",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
    }
    assert out["funding"] == {"amount_requested": "75000.00", "use_of_funds": "Inventory"}
    assert out["owners"][0]["ownership_pct"] == "60.00"
    assert out["bank_statements"][0]["average_daily_balance"] == "101.00"
    assert out["voided_check"] is None
    assert [d["doc_type"] for d in out["documents"]] == ["iso_application", "bank_statement"]
    assert out["provenance"]["merchant.ein"]["page"] == 1
    assert out["extractor_version"]


def test_rejected_application_json_has_null_merchant_and_no_owners():
    app, _ = run([])
    out = application_to_json(app)
    assert (out["status"], out["merchant"], out["funding"], out["owners"]) == ("rejected", None, None, [])
