"""A scanned amount whose decimal point OCR read as a comma, or beside a stray comma, is the amount."""

from __future__ import annotations

from streams.stages.extract.bank_statement import extract_statement
from streams.stages.extract.transaction_row import money_text
from streams.stages.text import Box, Word
from tests.unit.streams.stages.textdoc_factory import document_factory

BOX = Box(0.8, 0.1, 0.9, 0.12)


def scanned(text: str) -> str | None:
    return money_text(Word(text, BOX, 0.6))


def test_a_comma_before_the_last_two_digits_is_the_decimal_point():
    assert scanned("34,00-") == "34.00-"
    assert scanned("(34,00)") == "(34.00)"
    assert scanned("1,234,56") == "1,234.56"


def test_a_stray_comma_beside_the_decimal_point_is_dropped():
    assert scanned("148,.28-") == "148.28-"
    assert scanned("148.,28") == "148.28"


def test_a_comma_that_may_be_a_thousands_separator_is_no_decimal_point():
    assert scanned("12,345") is None
    assert scanned("1,234,567") is None


def test_a_text_layer_amount_is_taken_as_printed():
    assert money_text(Word("34,00-", BOX, 1.0)) is None


def test_a_scanned_register_with_a_fee_read_with_a_comma_for_its_point_reconciles():
    rows = [
        "Statement period: 04/01/2024 - 04/30/2024",
        "Previous Balance | @0.34 Deposits/Credits | @0.55 Withdrawals/Debits | @0.79 New Balance",
        "1,000.00 | @0.36 500.00 | @0.57 182.28 | @0.80 1,317.72",
        "Post Date | @0.18 Transaction Description | @0.89 Amount",
        "04/01/24 | @0.18 MERCH SETTLEMENT 2370 | @0.88 500.00",
        "04/18/24 | @0.18 NSF RETURN ITEM CHARGE | @0.90 34,00-",
        "04/21/24 | @0.18 DEBIT CARD PURCHASE BIGBOX | @0.89 148,.28-",
    ]
    statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
    assert [str(r.amount) for r in statement.transactions] == ["500.00", "-34.00", "-148.28"]
    assert statement.reconciled
