"""OCR slips on scanned statement rows are settled by the balances the statement prints: the
reading that makes every row follow them while changing the fewest characters wins; text layers
are never changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from streams.stages.extract.balance_paths import edit_distance, value_cost
from streams.stages.extract.bank_statement import extract_statement
from streams.stages.extract.running_balance import Printed, settle_by_balances
from streams.stages.extract.transaction_row import Transaction
from tests.unit.streams.stages.test_extract_statement import SECTIONS, values
from tests.unit.streams.stages.textdoc_factory import document_factory

REGISTER = [
    "Statement period: 05/01/2024 - 05/31/2024",
    "Beginning balance | @0.47 1,000.00",
    "Ending balance | @0.47 1,115.00",
    "Date | @0.15 Description | @0.85 Amount | @0.93 Balance",
    "05/02/24 | @0.15 CARD DEPOSIT | @0.86 500.00 | @0.94 1,500.00",
    "05/03/24 | @0.15 BILL PAY SUPPLIER | @0.86 -300.00 | @0.94 1,200.00",
    "05/06/24 | @0.15 EFTPS FED TAX PMT | @0.86 -185.00 | @0.94 1,015.00",
    "05/07/24 | @0.15 CARD DEPOSIT | @0.86 100.00 | @0.94 1,115.00",
]


def scanned(rows: list[str]):
    return extract_statement(document_factory(rows, confidence=0.9, source="ocr"))


def amounts(statement) -> list[str]:
    return [str(r.amount) for r in statement.transactions]


def misread(rows: list[str], old: str, new: str) -> list[str]:
    assert sum(old in r for r in rows) == 1
    return [r.replace(old, new) for r in rows]


def test_a_minus_lost_on_a_running_balance_row_is_proven_by_the_balance_change():
    statement = scanned(misread(REGISTER, "-300.00", "300.00"))
    assert amounts(statement) == ["500.00", "-300.00", "-185.00", "100.00"]
    assert statement.reconciled


def test_a_minus_read_as_a_digit_is_the_change_between_two_balances_that_agree_with_their_rows():
    statement = scanned(misread(REGISTER, "-185.00", "7185.00"))
    assert amounts(statement) == ["500.00", "-300.00", "-185.00", "100.00"]
    assert statement.reconciled


def test_a_misread_balance_gives_way_to_the_amounts_the_next_rows_agree_with():
    statement = scanned(misread(REGISTER, "1,200.00", "1,280.00"))
    assert amounts(statement) == ["500.00", "-300.00", "-185.00", "100.00"]
    assert statement.transactions[1].balance == Decimal("1200.00")


def test_several_slips_in_a_row_are_all_settled():
    rows = misread(misread(REGISTER, "-300.00", "300.00"), "-185.00", "185.00")
    statement = scanned(misread(rows, "1,015.00", "1,015.00,"))
    assert amounts(statement) == ["500.00", "-300.00", "-185.00", "100.00"]
    assert statement.reconciled


def test_a_row_that_would_need_many_edits_to_follow_the_balances_stays_as_read():
    statement = scanned(misread(REGISTER, "-185.00", "-9,999.99"))
    assert "-9999.99" in amounts(statement)
    assert not statement.reconciled


def test_text_layer_rows_are_never_settled():
    statement = extract_statement(document_factory(misread(REGISTER, "-300.00", "300.00")))
    assert "300.00" in amounts(statement)
    assert not statement.reconciled


DAILY = "Aug 01 | @0.26 1,500.00 | @0.37 Aug 02 | @0.56 1,100.00"


def test_a_digit_misread_in_a_section_is_proven_by_the_daily_ending_balance_table():
    statement = scanned(misread(SECTIONS, "@0.88 500.00", "@0.88 800.00"))
    got = values(statement)
    assert (got["total_deposits"], got["total_withdrawals"]) == ("700.00", "450.00")
    assert statement.reconciled


def test_rows_under_a_heading_ocr_lost_are_turned_over_by_the_daily_balances():
    rows = [r for r in SECTIONS if r != "ELECTRONIC WITHDRAWALS" and not r.startswith("@0.18 Total")]
    statement = scanned(rows)
    got = values(statement)
    assert (got["total_deposits"], got["deposit_count"], got["total_withdrawals"]) == ("700.00", 2, "450.00")


def row(day: int, amount: str) -> Transaction:
    return Transaction(dt.date(2024, 8, day), "ROW", Decimal(amount), None, 1, None, 0.9)


def test_two_explanations_of_equal_cost_are_settled_by_the_printed_totals():
    # the day's balance fell by 316.25 less than its rows say: a credit of 4445.03 read for 1445.03,
    # or a debit of 316.25 read for 3316.25? One edit each; only the first matches the totals
    rows = [row(16, "4445.03"), row(16, "-316.25")]
    daily = {dt.date(2024, 8, 16): Decimal("2128.78")}
    printed = Printed(Decimal("1000.00"), Decimal("2128.78"), daily, Decimal("1445.03"), Decimal("316.25"))
    assert [r.amount for r in settle_by_balances(rows, printed)] == [Decimal("1445.03"), Decimal("-316.25")]


def test_character_edits_count_digits_and_a_changed_sign_counts_less_than_a_digit():
    assert edit_distance("600000", "60000") == 1
    assert value_cost(Decimal("176.50"), Decimal("-176.50")) < 1
    assert value_cost(Decimal("71855.18"), Decimal("-1855.18")) < 2


def test_after_two_lost_amounts_the_chain_starts_again_from_the_balance_printed_after_them():
    def scanned_row(amount: str | None, balance: str | None) -> Transaction:
        return Transaction(
            dt.date(2024, 8, 1), "ROW", Decimal(amount or 0), Decimal(balance) if balance else None, 1, None,
            0.9, amount_read=amount is not None,
        )

    rows = [scanned_row(None, None), scanned_row(None, "1200.00"), scanned_row("-300.00", "1500.00")]
    settled = settle_by_balances(rows, Printed(Decimal("1000.00"), None, {}))
    assert [r.amount_read for r in settled] == [False, False, True]  # two lost amounts are never split
    assert settled[2].amount == Decimal("300.00")
