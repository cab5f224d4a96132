"""A skewed scan cropped at its edge loses the first letters of the labels there; the label is
still recognised when the cut word ends exactly one label word and the rest of the label follows."""

from __future__ import annotations

from streams.stages.extract.iso_application import extract_application
from tests.unit.streams.stages.textdoc_factory import document_factory

FORM = [
    "BUSINESS FUNDING APPLICATION",
    "COMPANY DETAILS",
    "pany Legal Name | Brightside Enterprises LLC",
    "deral Tax ID | 59-8879246",
    "Business Address | 5470 Madison Rd",
    "Advance Amount Requested | $55,000.00",
]


def test_labels_cropped_at_the_page_edge_still_name_their_values():
    merchant = extract_application(document_factory(FORM, confidence=0.9, source="ocr")).merchant
    assert merchant["legal_name"].value == "Brightside Enterprises LLC"
    assert merchant["ein"].value == "59-8879246"


def test_a_cut_word_not_followed_by_the_rest_of_its_label_is_left_alone():
    rows = [*FORM[:2], "pany Brightside Enterprises LLC", *FORM[3:]]
    merchant = extract_application(document_factory(rows, confidence=0.9, source="ocr")).merchant
    assert "legal_name" not in merchant


def test_text_layer_labels_are_taken_as_printed():
    merchant = extract_application(document_factory(FORM)).merchant
    assert "legal_name" not in merchant
