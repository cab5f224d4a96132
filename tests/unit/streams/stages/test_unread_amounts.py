"""A scanned row whose amount OCR lost takes it from the statement's own figures when they leave no
doubt (daily ending balances, running balance, printed section total), else it is left out and the
statement does not reconcile. An unread amount is never counted as zero; text layers are untouched."""

from __future__ import annotations

from streams.stages.extract.bank_statement import extract_statement
from tests.unit.streams.stages.test_extract_statement import SECTIONS, values
from tests.unit.streams.stages.textdoc_factory import document_factory

RENT = "Aug 02 | @0.18 ACH DEBIT EXAMPLE CAP 1234 | @0.88 400.00"


def scanned(rows: list[str], source: str = "ocr"):
    return extract_statement(document_factory(rows, confidence=0.9, source=source))


def replaced(rows: list[str], old: str, new: str) -> list[str]:
    assert old in rows
    return [new if r == old else r for r in rows]


def test_an_amount_cut_off_is_the_days_change_in_the_daily_ending_balance_table():
    statement = scanned(replaced(SECTIONS, RENT, "Aug 02 | @0.18 ACH DEBIT EXAMPLE CAP 1234"))
    got = values(statement)
    assert (got["total_withdrawals"], got["total_deposits"], got["deposit_count"]) == ("450.00", "700.00", 2)
    filled = next(r for r in statement.transactions if "EXAMPLE CAP" in r.description)
    assert filled.amount == -400 and filled.confidence < 0.9
    assert statement.reconciled


def test_without_a_daily_table_the_sections_printed_total_tells_its_one_unread_row():
    rows = [r for r in SECTIONS if not r.startswith("Aug 01 | @0.26")]
    statement = scanned(replaced(rows, RENT, "Aug 02 | @0.18 ACH DEBIT EXAMPLE CAP 1234 | @0.88 4OO.O"))
    assert values(statement)["total_withdrawals"] == "450.00"
    assert statement.reconciled


def test_two_unread_rows_of_one_side_are_never_guessed_and_never_counted():
    rows = [r for r in SECTIONS if not r.startswith("Aug 01 | @0.26")]
    rows = replaced(rows, RENT, "Aug 02 | @0.18 ACH DEBIT EXAMPLE CAP 1234")
    rows = replaced(rows, "Aug 31 | @0.18 SERVICE CHARGE | @0.88 50.00", "Aug 31 | @0.18 SERVICE CHARGE")
    statement = scanned(rows)
    got = values(statement)
    assert (got["total_withdrawals"], got["deposit_count"]) == ("0.00", 2)
    assert all(r.amount_read and r.amount != 0 for r in statement.transactions)
    assert not statement.reconciled


def test_two_unread_rows_on_one_day_are_not_split_by_the_days_change():
    rows = replaced(SECTIONS, RENT, "Aug 02 | @0.18 ACH DEBIT EXAMPLE CAP 1234")
    rows.insert(rows.index("SERVICE FEES") + 1, "Aug 02 | @0.18 WIRE FEE")
    statement = scanned(rows)
    assert not any("EXAMPLE CAP" in r.description for r in statement.transactions)
    assert not statement.reconciled


def test_the_running_balance_tells_an_amount_lost_with_its_balance():
    rows = [
        "Statement period: 05/01/2024 - 05/31/2024",
        "Beginning balance | @0.47 1,000.00",
        "Ending balance | @0.47 1,000.00",
        "Date | @0.15 Description | @0.85 Amount | @0.93 Balance",
        "05/07/24 | @0.15 CARD DEPOSIT | @0.86 100.00 | @0.94 1,100.00",
        "05/08/24 | @0.15 ACH PMT FOODS",
        "05/09/24 | @0.15 CARD DEPOSIT | @0.86 50.00 | @0.94 1,000.00",
    ]
    statement = scanned(rows)
    assert [r.amount for r in statement.transactions] == [100, -150, 50]
    assert statement.reconciled


def test_a_register_row_of_unknown_side_goes_to_the_total_that_falls_short_while_the_other_agrees():
    rows = [
        "Statement period: 08/01/2024 - 08/31/2024",
        "Beginning balance | @0.47 1,000.00",
        "Deposits and other additions | @0.47 500.00",
        "Withdrawals and other subtractions | @0.46 454.09-",
        "Ending balance | @0.47 1,045.91",
        "Date | @0.15 Description | @0.85 Amount",
        "08/01 | @0.15 CARD DEPOSIT | @0.86 500.00",
        "08/02 | @0.15 EMPIRE FOODS ACH PPD | @0.86 400.00-",
        "08/03 | @0.15 POSTAGE | @0.86 54,09-",  # a comma for the point: no amount OCR could read
    ]
    statement = scanned(rows)
    assert [str(r.amount) for r in statement.transactions] == ["500.00", "-400.00", "-54.09"]
    assert statement.reconciled


def test_a_text_layer_row_without_an_amount_is_no_transaction():
    rows = replaced(SECTIONS, RENT, "Aug 02 | @0.18 ACH DEBIT EXAMPLE CAP 1234")
    statement = extract_statement(document_factory(rows))
    assert len(statement.transactions) == 3
    assert not statement.reconciled



def test_figures_never_count_an_unread_amount():
    import datetime as dt
    from decimal import Decimal

    from streams.stages.extract.figures import compute_figures
    from streams.stages.extract.transactions import Transaction

    def row(amount: str, read: bool = True) -> Transaction:
        return Transaction(dt.date(2024, 8, 2), "NSF RETURN ITEM FEE", Decimal(amount), None, 1, None, 0.9,
                           amount_read=read)

    figures = compute_figures(
        [row("100.00"), row("0", read=False)], beginning=Decimal(0), ending=Decimal(100), period=None
    )
    assert (figures.deposit_count, figures.withdrawal_count, figures.nsf_count) == (1, 0, 0)
