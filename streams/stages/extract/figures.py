"""Statement figures from transactions: totals, NSF lines, daily balances, reconciliation.

Definitions follow samples/README.md: deposits over all credits, withdrawals over all debits
(positive), NSF = NSF / returned-item / insufficient-funds lines, negative days = calendar days
whose end-of-day balance is below zero, average daily balance = mean end-of-day balance over
every calendar day of the period (days without activity carry the previous balance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import norm_token
from streams.stages.extract.transactions import Transaction

CENT = Decimal("0.01")
TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class Figures:
    """The numbers an underwriter reads off one statement."""

    beginning_balance: Decimal | None
    ending_balance: Decimal | None
    total_deposits: Decimal
    deposit_count: int
    total_withdrawals: Decimal
    withdrawal_count: int
    nsf_count: int
    negative_days: int | None
    average_daily_balance: Decimal | None
    reconciled: bool


@cache
def _nsf_phrases() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(norm_token(t) for t in p.split()) for p in label_data()["statement"]["nsf"])


def _contains(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i : i + n]) == tuple(phrase) for i in range(len(tokens) - n + 1))


def is_nsf(description: str) -> bool:
    """Whether a row describes an NSF, returned-item or insufficient-funds item."""
    tokens = [t for t in (norm_token(w) for w in description.split()) if t]
    return any(_contains(tokens, phrase) for phrase in _nsf_phrases())


def infer_beginning(rows: Sequence[Transaction]) -> Decimal | None:
    """Beginning balance from the first row that prints its balance: balance minus the rows so far."""
    running = Decimal(0)
    for row in rows:
        running += row.amount
        if row.balance is not None:
            return row.balance - running
    return None


def daily_balances(
    rows: Sequence[Transaction], beginning: Decimal, start: dt.date, end: dt.date
) -> list[tuple[dt.date, Decimal]]:
    """End-of-day balance of every calendar day from start to end (printed balances win)."""
    end_of_day: dict[dt.date, Decimal] = {}
    running = beginning
    # statements printed by section (all deposits, then all withdrawals) are not in date order
    for row in sorted(rows, key=lambda r: r.date):
        running += row.amount
        end_of_day[row.date] = running
    if rows and all(r.balance is not None for r in rows):
        for row in rows:
            end_of_day[row.date] = row.balance  # type: ignore[assignment]
    balances = []
    current = beginning
    day = start
    while day <= end:
        current = end_of_day.get(day, current)
        balances.append((day, current))
        day += dt.timedelta(days=1)
    return balances


def compute_figures(
    rows: Sequence[Transaction],
    *,
    beginning: Decimal | None,
    ending: Decimal | None,
    period: tuple[dt.date, dt.date] | None,
) -> Figures:
    """Figures of one statement; `reconciled` is beginning + credits - debits == ending. Rows whose
    amount was not read (amount_read False) count nowhere: their amount is not zero but unknown."""
    rows = [r for r in rows if r.amount_read]
    if beginning is None:
        beginning = infer_beginning(rows)
    credits = [r.amount for r in rows if r.amount > 0]
    debits = [-r.amount for r in rows if r.amount < 0]
    total_deposits = sum(credits, Decimal(0))
    total_withdrawals = sum(debits, Decimal(0))
    if ending is None and rows and rows[-1].balance is not None:
        ending = rows[-1].balance
    if ending is None and beginning is not None:
        ending = beginning + total_deposits - total_withdrawals
    reconciled = (
        beginning is not None
        and ending is not None
        and abs(beginning + total_deposits - total_withdrawals - ending) <= TOLERANCE
    )
    negative_days = average = None
    if beginning is not None and period is not None and period[0] <= period[1]:
        days = daily_balances(rows, beginning, period[0], period[1])
        negative_days = sum(1 for _, b in days if b < 0)
        average = (sum((b for _, b in days), Decimal(0)) / len(days)).quantize(CENT, ROUND_HALF_UP)
    return Figures(
        beginning_balance=beginning,
        ending_balance=ending,
        total_deposits=total_deposits,
        deposit_count=len(credits),
        total_withdrawals=total_withdrawals,
        withdrawal_count=len(debits),
        nsf_count=sum(1 for r in rows if r.amount < 0 and is_nsf(r.description)),
        negative_days=negative_days,
        average_daily_balance=average,
        reconciled=bool(reconciled),
    )
