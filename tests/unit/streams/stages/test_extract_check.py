"""Voided checks: routing number by ABA checksum from a noisy MICR line, account number, bank."""

from __future__ import annotations

from streams.stages.extract.voided_check import extract_check
from tests.unit.streams.stages.textdoc_factory import document_factory

CHECK = [
    "ACME WIDGETS LLC | @0.55 First Example Bank | @0.85 1042",
    "100 Main St",
    "PAY TO THE ORDER OF | @0.70 $",
    "DOLLARS",
    "MEMO | @0.6 AUTHORIZED SIGNATURE",
]


def values(check):
    return {k: v.value for k, v in check.fields.items()}


def test_micr_line_with_ocr_noise_gives_routing_and_account():
    check = extract_check(document_factory(CHECK + ["@0.1 13 021000021|5 7489253143 1042"]))
    assert values(check) == {
        "bank_name": "First Example Bank",
        "routing_number": "021000021",
        "account_number": "7489253143",
    }
    assert check.micr_found


def test_on_us_symbol_read_as_one_quote_is_not_part_of_the_account():
    check = extract_check(document_factory(CHECK + ['@0.1 [021000021 |5 55430269421" 1042']))
    assert values(check)["account_number"] == "5543026942"


def test_business_check_with_check_number_first():
    check = extract_check(document_factory(CHECK + ["@0.1 001042 021000021 123456789012"]))
    assert values(check)["routing_number"] == "021000021"
    assert values(check)["account_number"] == "123456789012"


def test_printed_labels_win_over_the_micr_line():
    rows = CHECK + ["Routing Number | 011000015", "Account Number | 0987654321"]
    got = values(extract_check(document_factory(rows)))
    assert (got["routing_number"], got["account_number"]) == ("011000015", "0987654321")


def test_no_valid_routing_number_means_no_routing_field():
    got = values(extract_check(document_factory(CHECK + ["@0.1 123456789 55555555"])))
    assert "routing_number" not in got
