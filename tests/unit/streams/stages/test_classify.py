"""Classification of synthetic pages: application, statement, check, other."""

from __future__ import annotations

from streams.stages.classify import _phrase_counts, classify
from streams.stages.text import DocumentText
from tests.unit.streams.stages.test_extract_application import GRID_FORM, INLINE_FORM, LABEL_COLUMN_FORM
from tests.unit.streams.stages.test_extract_check import CHECK
from tests.unit.streams.stages.test_extract_statement import HEADER, SIGNED_ROWS
from tests.unit.streams.stages.textdoc_factory import document_factory


def test_application_forms_of_every_layout_are_applications():
    for form in (LABEL_COLUMN_FORM, GRID_FORM, INLINE_FORM):
        assert classify(document_factory(form)).doc_type == "iso_application"


def test_statement_is_a_bank_statement():
    assert classify(document_factory(HEADER + SIGNED_ROWS)).doc_type == "bank_statement"


def test_statement_pages_without_summary_still_classify_by_their_rows():
    rows = ["DATE | @0.15 DESCRIPTION | @0.73 AMOUNT | @0.87 BALANCE"]
    rows += [f"11/{d:02d} | @0.15 CARD SETTLEMENT | @0.74 {d}.00 | @0.88 {100 + d}.00" for d in range(4, 12)]
    assert classify(document_factory(rows)).doc_type == "bank_statement"


def test_check_with_micr_line_is_a_voided_check():
    found = classify(document_factory(CHECK + ["@0.1 13 021000021|5 7489253143 1042"]))
    assert found.doc_type == "voided_check"


def test_check_photo_where_ocr_lost_the_micr_line_is_still_a_check():
    assert classify(document_factory(CHECK + ["VOID"])).doc_type == "voided_check"


def test_invoice_is_other():
    invoice = [
        "ProClean Supply",
        "INVOICE #61634",
        "Terms: Net 30",
        "Item | @0.54 Qty | @0.65 Unit | @0.80 Total",
        "Napkins | @0.54 15 | @0.65 250.00 | @0.80 3750.00",
        "@0.65 TOTAL DUE | @0.77 $9,032.00",
    ]
    assert classify(document_factory(invoice)).doc_type == "other"


def test_id_card_is_other_though_it_has_a_name_and_birth_date():
    card = [
        "DRIVER LICENSE",
        "DL J4081212",
        "LN GARCIA",
        "FN MICHAEL",
        "3515 OAK AVE",
        "NEW ORLEANS, LA 70194",
        "DOB 01/26/1963",
        "EXP 07/24/2026",
    ]
    assert classify(document_factory(card)).doc_type == "other"


def test_blank_page_is_other():
    assert classify(DocumentText((document_factory([]).pages[0],))).doc_type == "other"


def test_a_lone_checksum_valid_number_is_not_a_micr_line():
    # one number in ten passes the ABA checksum: an ID card's licence number is no check
    card = ["STATE OF ISSUE", "DL", "@0.3 262041205", "NAME", "CATHY JONES", "EXP 01/2030"]
    assert classify(document_factory(card, confidence=0.9)).doc_type == "other"


def test_phrases_are_counted_at_every_occurrence_including_overlapping_ones():
    tokens = "pay to the order of order of statement statement period void".split()
    counts = _phrase_counts(tokens)
    assert counts[("pay", "to", "the", "order", "of")] == 1
    assert counts[("pay", "to", "the")] == 1
    assert counts[("order", "of")] == 2
    assert counts[("statement",)] == 2
    assert counts[("statement", "period")] == 1
    assert ("member", "fdic") not in counts
