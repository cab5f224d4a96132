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


def test_a_nine_digit_run_between_symbols_wins_over_a_window_of_a_longer_run():
    # 230534210 inside the account passes the checksum by chance; the true routing run comes first
    check = extract_check(document_factory(CHECK + ["@0.1 H098853023H 2305342100 11 4702"]))
    assert values(check)["routing_number"] == "098853023"
    assert values(check)["account_number"] == "2305342100"
    assert check.fields["routing_number"].confidence >= 0.9


def test_a_routing_number_cut_from_a_longer_run_is_kept_with_low_confidence():
    check = extract_check(document_factory(CHECK + ["@0.1 15021000021 |5 7489253143 1042"]))
    assert values(check)["routing_number"] == "021000021"
    assert check.fields["routing_number"].confidence <= 0.5


def test_the_routing_confidence_comes_from_the_checksum_not_from_glyph_confidence():
    check = extract_check(document_factory(CHECK + ["@0.1 13 021000021|5 7489253143 1042"], confidence=0.3))
    assert check.fields["routing_number"].confidence >= 0.9


# Lines whose MICR symbols the reader marked (the second engine does, see micr_band.py)
def test_routing_between_transit_symbols_and_account_up_to_the_on_us_symbol():
    check = extract_check(document_factory(CHECK + ["@0.1 ⑆ 021000021 ⑆ 7474191610 ⑈ 9420"]))
    assert values(check)["routing_number"] == "021000021"
    assert values(check)["account_number"] == "7474191610"
    assert check.fields["routing_number"].confidence >= 0.95
    assert check.fields["account_number"].confidence >= 0.9


def test_an_account_ending_in_one_keeps_its_last_digit_when_the_symbol_was_read():
    # read without symbols, '1"' is ambiguous: a digit and the symbol, or the symbol alone
    check = extract_check(document_factory(CHECK + ["@0.1 ⑈ 006570 ⑈ ⑆ 011000015 ⑆ 738637391 ⑈"]))
    assert values(check)["routing_number"] == "011000015"
    assert values(check)["account_number"] == "738637391"


def test_a_field_read_with_a_space_inside_is_one_number():
    check = extract_check(document_factory(CHECK + ["@0.1 ⑆ 02100 0021 ⑆ 1234 5678 ⑈ 1042"]))
    assert (values(check)["routing_number"], values(check)["account_number"]) == ("021000021", "12345678")


def test_without_the_on_us_symbol_only_the_first_run_after_the_routing_is_the_account():
    check = extract_check(document_factory(CHECK + ["@0.1 ⑆ 021000021 ⑆ 12345678 1042"]))
    assert values(check)["account_number"] == "12345678"
    assert check.fields["account_number"].label == "MICR"  # not bounded by a symbol: less sure


def test_routing_number_beside_one_transit_symbol_when_the_other_was_lost():
    check = extract_check(document_factory(CHECK + ["@0.1 ⑆ 021000021 55512345 ⑈"]))
    assert (values(check)["routing_number"], values(check)["account_number"]) == ("021000021", "55512345")
