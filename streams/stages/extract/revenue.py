"""Across the statements of one application: months covered, gaps, true revenue, position load.

True revenue is deposits without transfers between the merchant's own accounts, loan or advance
proceeds (including credits from a lender the statements show as a position) and reversals
(labels.json "revenue"). Position load is the MCA debits as a share of true revenue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from streams.stages.extract.bank_statement import BankStatement
from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import norm_token
from streams.stages.extract.positions import counterparty

CENT = Decimal("0.01")


@dataclass(frozen=True)
class StatementAnalysis:
    """Application-level statement figures (money as Decimal, months as 'YYYY-MM')."""

    months_covered: tuple[str, ...]
    missing_months: tuple[str, ...]
    total_deposits: Decimal
    true_revenue: Decimal
    excluded_transfers: Decimal
    excluded_loan_proceeds: Decimal
    excluded_reversals: Decimal
    mca_debits: Decimal
    position_load: Decimal | None


@cache
def _phrases(kind: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(norm_token(t) for t in p.split()) for p in label_data()["revenue"][kind])


def _matches(description: str, kind: str) -> bool:
    tokens = [t for t in (norm_token(w) for w in description.split()) if t]
    for phrase in _phrases(kind):
        n = len(phrase)
        if any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1)):
            return True
    return False


def _month(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    date = dt.date.fromisoformat(value)
    return date.year, date.month


def months_and_gaps(statements: Sequence[BankStatement]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Calendar months the statement periods touch, and the months missing between the first and last."""
    months: set[tuple[int, int]] = set()
    for statement in statements:
        start = _month(
            statement.fields.get("period_start").value if statement.fields.get("period_start") else None
        )
        end = _month(statement.fields.get("period_end").value if statement.fields.get("period_end") else None)
        if start is None:
            continue
        end = end or start
        year, month = start
        while (year, month) <= end:
            months.add((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not months:
        return (), ()
    ordered = sorted(months)
    missing = []
    year, month = ordered[0]
    while (year, month) < ordered[-1]:
        if (year, month) not in months:
            missing.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(f"{y:04d}-{m:02d}" for y, m in ordered), tuple(missing)


@dataclass(frozen=True)
class _RevenueParts:
    deposits: Decimal = Decimal(0)
    transfers: Decimal = Decimal(0)
    proceeds: Decimal = Decimal(0)
    reversals: Decimal = Decimal(0)
    mca: Decimal = Decimal(0)

    def __add__(self, other: _RevenueParts) -> _RevenueParts:
        return _RevenueParts(self.deposits + other.deposits, self.transfers + other.transfers,
                             self.proceeds + other.proceeds, self.reversals + other.reversals,
                             self.mca + other.mca)

    @property
    def true_revenue(self) -> Decimal:
        return self.deposits - self.transfers - self.proceeds - self.reversals


def _lenders(statements: Sequence[BankStatement]) -> set[str]:
    return {p.lender.upper() for s in statements for p in s.mca_positions}


def _parts(statement: BankStatement, lenders: set[str]) -> _RevenueParts:
    """One statement's deposits split by kind, and its MCA debits; `lenders` come from every statement
    of the application (a lender's credit is advance proceeds even where its debits do not show)."""
    deposits = transfers = proceeds = reversals = mca = Decimal(0)
    keys = {(p.lender.upper(), p.amount) for p in statement.mca_positions}
    for row in statement.transactions:
        if row.amount < 0:
            if (counterparty(row.description).upper(), -row.amount) in keys:
                mca += -row.amount
            continue
        deposits += row.amount
        if _matches(row.description, "own_transfer"):
            transfers += row.amount
        elif counterparty(row.description).upper() in lenders or _matches(row.description, "loan_proceeds"):
            proceeds += row.amount
        elif _matches(row.description, "reversals"):
            reversals += row.amount
    return _RevenueParts(deposits, transfers, proceeds, reversals, mca)


def statement_true_revenue(statement: BankStatement, statements: Sequence[BankStatement]) -> Decimal:
    """One statement's true revenue, with the lenders known from all of the application's statements."""
    return _parts(statement, _lenders(statements)).true_revenue.quantize(CENT)


def analyse_statements(statements: Sequence[BankStatement]) -> StatementAnalysis:
    """The application-level figures over every readable statement."""
    months, missing = months_and_gaps(statements)
    lenders = _lenders(statements)
    total = sum((_parts(statement, lenders) for statement in statements), _RevenueParts())
    true_revenue = total.true_revenue
    load = (total.mca / true_revenue).quantize(Decimal("0.0001"), ROUND_HALF_UP) if true_revenue > 0 else None
    return StatementAnalysis(
        months_covered=months,
        missing_months=missing,
        total_deposits=total.deposits.quantize(CENT),
        true_revenue=true_revenue.quantize(CENT),
        excluded_transfers=total.transfers.quantize(CENT),
        excluded_loan_proceeds=total.proceeds.quantize(CENT),
        excluded_reversals=total.reversals.quantize(CENT),
        mca_debits=total.mca.quantize(CENT),
        position_load=load,
    )
