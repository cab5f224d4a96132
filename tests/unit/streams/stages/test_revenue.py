"""True revenue: deposits without own transfers, advance proceeds and reversals, per statement and
across the application's statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from streams.stages.extract.bank_statement import BankStatement
from streams.stages.extract.positions import McaPosition
from streams.stages.extract.revenue import analyse_statements, statement_true_revenue
from streams.stages.extract.transactions import Transaction

DAY = dt.date(2025, 5, 2)


def row(description: str, amount: str) -> Transaction:
    return Transaction(date=DAY, description=description, amount=Decimal(amount), balance=None, page=1,
                       box=None, confidence=1.0)


def statement(*rows: Transaction, positions: tuple[McaPosition, ...] = ()) -> BankStatement:
    return BankStatement(fields={}, mca_positions=positions, transactions=rows, reconciled=True)


def position(lender: str, amount: str) -> McaPosition:
    return McaPosition(lender=lender, frequency="daily", amount=Decimal(amount), occurrences=20,
                       first_date=DAY, last_date=DAY, confidence=1.0)


def test_own_transfers_advance_proceeds_and_reversals_are_not_revenue():
    may = statement(
        row("CARD SETTLEMENT SQUARE", "5000.00"),
        row("ONLINE TRANSFER FROM SAV 1234", "1000.00"),
        row("LOAN PROCEEDS", "20000.00"),
        row("RETURNED ITEM REVERSAL", "150.00"),
        row("ATM WITHDRAWAL", "-200.00"),
    )
    assert statement_true_revenue(may, [may]) == Decimal("5000.00")


def test_a_lenders_credit_is_proceeds_even_on_a_statement_that_shows_none_of_its_debits():
    june = statement(row("CARD SETTLEMENT", "4000.00"), row("FUNDFAST CAPITAL", "-250.00"),
                     positions=(position("FUNDFAST CAPITAL", "250.00"),))
    july = statement(row("CARD SETTLEMENT", "3000.00"), row("FUNDFAST CAPITAL", "15000.00"))
    assert statement_true_revenue(july, [july]) == Decimal("18000.00")
    assert statement_true_revenue(july, [june, july]) == Decimal("3000.00")


def test_the_statements_true_revenues_add_up_to_the_applications():
    june = statement(row("CARD SETTLEMENT", "4000.00"), row("FUNDFAST CAPITAL", "-250.00"),
                     positions=(position("FUNDFAST CAPITAL", "250.00"),))
    july = statement(row("CARD SETTLEMENT", "3000.00"), row("XFER FROM CHK 9", "500.00"))
    analysis = analyse_statements([june, july])
    assert analysis.true_revenue == statement_true_revenue(june, [june, july]) + statement_true_revenue(
        july, [june, july])
    assert analysis.mca_debits == Decimal("250.00")
    assert analysis.position_load == Decimal("0.0357")
