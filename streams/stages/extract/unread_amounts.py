"""Amounts OCR lost on scanned statements (cut off at a skewed page edge, or unreadable), taken
from the statement's own figures where they leave no doubt: the change between two printed
balances (daily ending balance table, or running balance column) when the row is the only unread
one between them, else the printed total of its side (deposits / withdrawals) less the side's
read rows when it is the side's only unread row. Never a guess between two rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from decimal import Decimal

from streams.stages.extract.transactions import Transaction

logger = logging.getLogger(__name__)

SIGN_TOLERANCE = Decimal("0.01")
FILLED_CONFIDENCE = 0.8  # factor on a row's confidence when its amount comes from other figures


def fill_unread(
    rows: list[Transaction],
    *,
    beginning: Decimal | None,
    ending: Decimal | None,
    daily: dict[dt.date, Decimal],
    printed_deposits: Decimal | None,
    printed_withdrawals: Decimal | None,
) -> list[Transaction]:
    """`rows` with each unread amount (amount_read False) that the statement's figures tell filled
    in (see the module doc), at lower confidence; the others stay unread. A fill of zero means the
    row held no amount of its own: it stays unread. Fills from the printed totals are kept only
    when the statement then reconciles (beginning + credits - debits = ending)."""
    fixed = list(rows)
    if daily:
        _fill_between(fixed, _daily_marks(fixed, daily, beginning), "daily balance")
    elif any(r.balance is not None for r in fixed):
        _fill_between(fixed, _running_marks(fixed, beginning), "running balance")
    by_totals = _fill_from_totals(fixed, printed_deposits, printed_withdrawals)
    if by_totals is not fixed and beginning is not None and ending is not None:
        total = beginning + sum((r.amount for r in by_totals if r.amount_read), Decimal(0))
        if abs(total - ending) > SIGN_TOLERANCE:
            return fixed
    return by_totals


def _daily_marks(
    rows: list[Transaction], daily: dict[dt.date, Decimal], beginning: Decimal | None
) -> list[tuple[list[int], Decimal]]:
    """(rows of the days since the last printed balance, change of balance over those days)."""
    marks = []
    previous = beginning
    since: dt.date | None = None
    for day in sorted(daily):
        members = [i for i, r in enumerate(rows) if r.date <= day and (since is None or r.date > since)]
        if previous is not None:
            marks.append((members, daily[day] - previous))
        previous, since = daily[day], day
    return marks


def _running_marks(rows: list[Transaction], beginning: Decimal | None) -> list[tuple[list[int], Decimal]]:
    """(rows since the last printed running balance up to the next, the change between the two)."""
    marks = []
    previous = beginning
    members: list[int] = []
    for i, row in enumerate(rows):
        members.append(i)
        if row.balance is None:
            continue
        if previous is not None:
            marks.append((members, row.balance - previous))
        previous, members = row.balance, []
    return marks


def _fill_between(rows: list[Transaction], marks: list[tuple[list[int], Decimal]], source: str) -> None:
    """Fill, in place, the one unread row of each span whose balance change is known."""
    for members, change in marks:
        unread = [i for i in members if not rows[i].amount_read]
        if len(unread) != 1:
            continue
        read = sum((rows[i].amount for i in members if rows[i].amount_read), Decimal(0))
        _fill(rows, unread[0], change - read, source)


def _fill_from_totals(
    rows: list[Transaction], printed_deposits: Decimal | None, printed_withdrawals: Decimal | None
) -> list[Transaction]:
    """`rows` with the one unread row of a side filled from that side's printed total, or `rows`
    itself when no side has exactly one unread row (a row of unknown side counts on both)."""
    unread = [i for i, r in enumerate(rows) if not r.amount_read]
    if not unread:
        return rows
    fixed = list(rows)
    for side, printed in ((1, printed_deposits), (-1, printed_withdrawals)):
        if printed is None:
            continue
        candidates = [i for i in unread if rows[i].side in (side, 0)]
        if len(candidates) != 1:
            continue
        read = sum((r.amount for r in rows if r.amount_read and r.amount * side > 0), Decimal(0))
        short = abs(printed) * side - read
        other = printed_withdrawals if side > 0 else printed_deposits
        if rows[candidates[0]].side == 0 and not _side_agrees(rows, -side, other):
            continue  # a row of unknown side is the short side's only when the other side adds up
        if short * side > SIGN_TOLERANCE:
            _fill(fixed, candidates[0], short, "printed total")
    return fixed if any(fixed[i] is not rows[i] for i in unread) else rows


def _side_agrees(rows: list[Transaction], side: int, printed: Decimal | None) -> bool:
    """Whether the read rows of `side` (+1 credits, -1 debits) add up to its printed total."""
    if printed is None:
        return False
    read = sum((r.amount for r in rows if r.amount_read and r.amount * side > 0), Decimal(0))
    return abs(read - abs(printed) * side) <= SIGN_TOLERANCE


def _fill(rows: list[Transaction], index: int, amount: Decimal, source: str) -> None:
    row = rows[index]
    if abs(amount) <= SIGN_TOLERANCE or (row.side and amount * row.side < 0):
        return  # no amount of its own, or one against its section: the figures do not tell it
    logger.warning("statement row of %s: unread amount filled from the %s", row.date.isoformat(), source)
    rows[index] = replace(
        row, amount=amount, amount_read=True, sign_known=True, confidence=row.confidence * FILLED_CONFIDENCE
    )
