"""OCR slips on a scanned statement's rows settled by the balances it prints.

Every row obeys balance = previous balance + amount: against the running balance column, or, day
by day, against the daily ending balance table. OCR breaks that with a lost (or gained) minus, a
digit misread, added or dropped, an amount it could not read. The true amounts are the ones that
make the rows follow the printed balances while changing the fewest characters of what was read
(balance_paths.py): one misread value costs about one edit, while believing it would break the
rule on the next row too, so the neighbouring rows decide which of two disagreeing values was
misread. Readings that end on the printed ending balance and match the printed deposit and
withdrawal totals are preferred, which also settles two explanations of equal cost.

Text-layer rows are never changed: a disagreement there is the statement's own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from streams.stages.extract.balance_paths import GroupRow, Reading, advance
from streams.stages.extract.transactions import Transaction

logger = logging.getLogger(__name__)

TEXT_CONFIDENCE = 0.99
UNPROVEN_END_COST = 3.0  # the reading does not end on the printed ending balance
UNPROVEN_TOTAL_COST = 1.0  # its deposits or withdrawals differ from the printed total
MIN_BALANCE_SHARE = 0.5  # below this share of rows printing a balance there is no running balance
SIGN_FIX_FACTOR = 0.9  # confidence factors of a repaired row
DIGIT_FIX_FACTOR = 0.8


@dataclass(frozen=True)
class Printed:
    """What the statement prints beside its rows: the balances and totals that check them."""

    beginning: Decimal | None
    ending: Decimal | None
    daily: Mapping[dt.date, Decimal]
    deposits: Decimal | None = None
    withdrawals: Decimal | None = None


@dataclass(frozen=True)
class _Group:
    rows: tuple[int, ...]  # indexes of the rows, the checked one last
    balance: Decimal | None  # the balance printed after them


def settle_by_balances(rows: Sequence[Transaction], printed: Printed) -> list[Transaction]:
    """`rows` with each OCR'd row's amount (and printed balance) made to follow the balances the
    statement prints (module doc): its running balance column when most rows print one, else its
    daily ending balance table. Statements with neither, or only text-layer rows, come back as
    they are. Where two amounts in a row are lost the chain breaks and starts again from the next
    printed balance (lost amounts left are filled later, unread_amounts.py)."""
    fixed = list(rows)
    if not fixed or all(r.confidence >= TEXT_CONFIDENCE for r in fixed):
        return fixed
    running = sum(r.balance is not None for r in fixed) >= MIN_BALANCE_SHARE * len(fixed)
    if running:
        order = list(range(len(fixed)))
        checks: dict[int, Decimal | None] = {i: r.balance for i, r in enumerate(fixed)}
    elif printed.daily:
        order, checks = _by_day(fixed, printed.daily)
    else:
        return fixed
    segments = _segments(fixed, order, checks, printed.beginning)
    for number, (opening, groups) in enumerate(segments):
        closing = printed.ending if number == len(segments) - 1 else None
        totals = (printed.deposits, printed.withdrawals) if len(segments) == 1 else (None, None)
        _settle(fixed, groups, opening, closing, totals, running)
    return fixed


def _by_day(
    rows: list[Transaction], daily: Mapping[dt.date, Decimal]
) -> tuple[list[int], dict[int, Decimal | None]]:
    """The rows in date order, the last of each day checked by the day's printed ending balance."""
    order = sorted(range(len(rows)), key=lambda i: rows[i].date)
    checks: dict[int, Decimal | None] = {}
    for position, index in enumerate(order):
        day = rows[index].date
        if (position + 1 == len(order) or rows[order[position + 1]].date != day) and day in daily:
            checks[index] = daily[day]
    return order, checks


def _segments(
    rows: list[Transaction], order: list[int], checks: Mapping[int, Decimal | None], beginning: Decimal | None
) -> list[tuple[Decimal | None, list[_Group]]]:
    """Groups of rows up to each checked one, in segments with the balance each starts from: a
    group with more lost amounts than its balance tells ends a segment, and the next starts from
    that balance (if printed)."""
    segments: list[tuple[Decimal | None, list[_Group]]] = [(beginning, [])]
    pending: list[int] = []
    for index in order:
        pending.append(index)
        balance = checks.get(index)
        if balance is None and index != order[-1]:
            continue
        if sum(not rows[i].amount_read for i in pending) > (0 if balance is None else 1):
            segments.append((balance, []))
        else:
            segments[-1][1].append(_Group(tuple(pending), balance))
        pending = []
    return [s for s in segments if s[1]]


def _settle(
    rows: list[Transaction],
    groups: list[_Group],
    opening: Decimal | None,
    closing: Decimal | None,
    totals: tuple[Decimal | None, Decimal | None],
    running: bool,
) -> None:
    """Settle the rows of `groups` in place: the cheapest reading from `opening` (else from the
    first printed balance), preferring one that ends on `closing` and adds up to `totals`."""
    readings: list[Reading] = [] if opening is None else [Reading(opening, Decimal(0), 0.0)]
    path: list[_Group] = []
    for group in groups:
        if not readings:
            if group.balance is not None:  # the chain starts on the first printed balance
                readings = [Reading(group.balance, Decimal(0), 0.0)]
            continue
        members = [_member(rows[i]) for i in group.rows]
        readings = advance(readings, members, group.balance)
        path.append(group)
        if not readings:
            return
    if not path:
        return
    node: Reading | None = min(readings, key=lambda r: r.cost + _end_cost(r, opening, closing, totals))
    for group in reversed(path):
        assert node is not None
        balance = node.balance
        for index, amount in zip(group.rows, node.amounts, strict=True):
            rows[index] = _repaired(rows[index], amount)
        last = group.rows[-1]
        if running and rows[last].balance is not None and not _text(rows[last]):
            rows[last] = replace(rows[last], balance=balance)
        node = node.back


def _member(row: Transaction) -> GroupRow:
    return GroupRow(row.amount if row.amount_read else None, _text(row))


def _text(row: Transaction) -> bool:
    return row.confidence >= TEXT_CONFIDENCE


def _end_cost(
    reading: Reading,
    opening: Decimal | None,
    closing: Decimal | None,
    totals: tuple[Decimal | None, Decimal | None],
) -> float:
    cost = 0.0 if closing is None or reading.balance == closing else UNPROVEN_END_COST
    deposits, withdrawals = totals
    if opening is not None and deposits is not None and reading.deposits != abs(deposits):
        cost += UNPROVEN_TOTAL_COST
    if opening is not None and withdrawals is not None:
        taken = reading.deposits - (reading.balance - opening)
        cost += 0.0 if taken == abs(withdrawals) else UNPROVEN_TOTAL_COST
    return cost


def _repaired(row: Transaction, amount: Decimal) -> Transaction:
    """The row with the amount its reading gives; a changed row at lower confidence."""
    if not row.amount_read and amount == 0:
        return row  # the balance did not move: the row has no amount of its own to fill
    if row.amount_read and row.amount == amount:
        return row if row.sign_known else replace(row, sign_known=True)
    if _text(row):
        return row
    digits_changed = not row.amount_read or abs(row.amount) != abs(amount)
    if row.amount_read:
        logger.info("statement row of %s: %s read, %s by the printed balances", row.date, row.amount, amount)
    return replace(
        row,
        amount=amount,
        amount_read=True,
        sign_known=True,
        confidence=row.confidence * (DIGIT_FIX_FACTOR if digits_changed else SIGN_FIX_FACTOR),
    )
