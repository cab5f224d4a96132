"""The second OCR engine is asked only where the first reading left work, and both readings merge
value by value (valid beats invalid, then the more confident wins)."""

from __future__ import annotations

from dataclasses import replace

from streams.stages.extract.document import extract_document
from streams.stages.extract.fields import Field
from streams.stages.extract.merging import better, merge_owners
from streams.stages.text import DocumentText
from tests.unit.streams.stages.textdoc_factory import document_factory

APPLICATION = [
    "MERCHANT APPLICATION",
    "Business Information",
    "Legal Name | Acme Widgets LLC",
    "Business Address | 100 Main St, Springfield, IL 62701",
    "Business Phone | (217) 555-0100",
    "Amount Requested | $75,000.00",
    "Use of Funds | Inventory",
    "Owner Information",
    "Full Name | Jane Q. Public",
    "SSN | 123-45-6789",
]
CHECK = [
    "ACME WIDGETS LLC | @0.55 First Example Bank | @0.85 1042",
    "PAY TO THE ORDER OF | @0.70 $",
    "DOLLARS",
    "MEMO | @0.6 AUTHORIZED SIGNATURE",
]


class Rereader:
    """Stands in for second_reading.rereader: returns a prepared document and records the calls."""

    def __init__(self, second: DocumentText) -> None:
        self.second = second
        self.calls: list[list[int]] = []

    def __call__(self, pages):
        self.calls.append(list(pages))
        return self.second


def scanned(rows, confidence=0.9) -> DocumentText:
    return document_factory(rows, confidence=confidence, source="ocr")


def test_a_scanned_application_missing_a_required_value_is_read_again_and_merged():
    first = scanned(APPLICATION)  # no EIN read
    second = scanned([*APPLICATION[:3], "EIN | 12-3456789", *APPLICATION[3:]], confidence=0.95)
    reread = Rereader(second)
    result = extract_document(first, reread=reread)
    assert reread.calls == [[1]]
    assert result.second_reading
    assert result.application.merchant["ein"].value == "12-3456789"
    assert result.application.merchant["legal_name"].value == "Acme Widgets LLC"


def test_a_complete_clear_scanned_application_is_not_read_again():
    rows = [*APPLICATION[:3], "EIN | 12-3456789", *APPLICATION[3:]]
    reread = Rereader(scanned(rows))
    result = extract_document(scanned(rows, confidence=0.95), reread=reread)
    assert reread.calls == []
    assert not result.second_reading


def test_text_layer_documents_are_never_read_again():
    reread = Rereader(scanned(APPLICATION))
    extract_document(document_factory(APPLICATION), reread=reread)
    assert reread.calls == []


def test_long_scanned_documents_are_never_read_again():
    reread = Rereader(scanned(APPLICATION))
    long_document = document_factory(APPLICATION, ["page"], ["page"], ["page"], confidence=0.5, source="ocr")
    extract_document(long_document, reread=reread)
    assert reread.calls == []


def test_an_invalid_value_gives_way_to_a_valid_second_reading():
    first = scanned([*APPLICATION[:3], "EIN | 12-3456789", *APPLICATION[3:-1], "SSN | 000-45-6789"])
    second = scanned([*APPLICATION[:3], "EIN | 12-3456789", *APPLICATION[3:]], confidence=0.8)
    result = extract_document(first, reread=Rereader(second))
    [owner] = result.application.owners
    assert (owner["ssn"].value, owner["ssn"].valid) == ("123-45-6789", True)


def test_a_check_without_routing_number_is_read_again_and_the_account_follows_the_routing():
    first = scanned([*CHECK, "@0.1 1302100002|5 7489253143 1042"])
    second = scanned([*CHECK, "@0.1 H021000021H 7489253143 11 1042"])
    result = extract_document(first, reread=Rereader(second))
    assert result.doc_type == "voided_check"
    fields = result.check.fields
    assert (fields["routing_number"].value, fields["account_number"].value) == ("021000021", "7489253143")


def test_an_unclaimed_weak_reading_is_classified_again_from_the_second_reading():
    first = scanned(["VOID", "@0.1 1302100002|5"], confidence=0.4)
    second = scanned([*CHECK, "@0.1 H021000021H 7489253143 11 1042"])
    result = extract_document(first, reread=Rereader(second))
    assert result.doc_type == "voided_check"
    assert result.check.fields["routing_number"].value == "021000021"


def test_without_a_rereader_the_first_reading_stands():
    result = extract_document(scanned(APPLICATION))
    assert not result.second_reading
    assert "ein" not in result.application.merchant


def test_better_prefers_valid_then_confident_then_the_first():
    sure, unsure = Field("a", 0.9), Field("b", 0.5)
    assert better(sure, unsure) is sure and better(unsure, sure) is sure
    assert better(replace(sure, valid=False), unsure) is unsure
    assert better(Field("a", 0.7), Field("b", 0.7)).value == "a"
    assert better(None, unsure) is unsure


def test_owners_of_two_readings_pair_by_ssn_or_name_before_position():
    jane = {"name": Field("Jane Q. Public", 0.9), "ssn": Field("123-45-6789", 0.9)}
    john = {"name": Field("John Doe", 0.9)}
    second = [{"name": Field("John Doe", 0.95), "ssn": Field("234-56-7890", 0.9)},
              {"ssn": Field("123-45-6789", 0.95), "date_of_birth": Field("1980-07-04", 0.9)}]
    merged = merge_owners([jane, john], second)
    assert [(o["name"].value, o["ssn"].value) for o in merged] == [
        ("Jane Q. Public", "123-45-6789"),
        ("John Doe", "234-56-7890"),
    ]
    assert merged[0]["date_of_birth"].value == "1980-07-04"


def test_when_both_readings_agree_on_the_routing_number_the_surer_account_wins():
    first = scanned([*CHECK, "@0.1 H021000021H 7489253143 11 1042"], confidence=0.1)
    second = scanned([*CHECK, "@0.1 H021000021H 7489258143 11 1042"], confidence=0.95)
    result = extract_document(first, reread=Rereader(second))
    assert result.check.fields["account_number"].value == "7489258143"


def test_a_check_whose_micr_line_was_read_without_its_symbols_is_read_again():
    first = scanned([*CHECK, '@0.1 [021000021 |5 738637391" 1042'], confidence=0.95)
    second = scanned([*CHECK, "@0.1 ⑆ 021000021 ⑆ 738637391 ⑈ 1042"])
    reread = Rereader(second)
    result = extract_document(first, reread=reread)
    assert reread.calls == [[1]]
    assert result.check.fields["account_number"].value == "738637391"


def test_a_check_whose_micr_symbols_were_read_is_not_read_again():
    first = scanned([*CHECK, "@0.1 ⑆ 021000021 ⑆ 738637391 ⑈ 1042"], confidence=0.95)
    reread = Rereader(first)
    extract_document(first, reread=reread)
    assert reread.calls == []


def test_an_unclaimed_scan_naming_a_bank_is_read_again_though_its_words_are_clear():
    # a check photo whose lower half (the MICR line) Tesseract lost
    first = scanned(["ACME WIDGETS LLC | @0.55 First Example Bank", "100 Main St"] * 4, confidence=0.95)
    second = scanned([*CHECK, "@0.1 ⑆ 021000021 ⑆ 7489253143 ⑈ 1042"])
    result = extract_document(first, reread=Rereader(second))
    assert result.doc_type == "voided_check"
