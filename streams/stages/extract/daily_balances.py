"""The daily ending balance table a statement may print ("05/01 18,203.48 05/14 8,930.53 ...")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from streams.stages.extract.lines import Line
from streams.stages.extract.row_dates import row_date, year_resolver
from streams.stages.extract.statement_columns import (
    column_hits,
    header_columns,
    is_other_header,
    section_kind,
)
from streams.stages.extract.transaction_row import money_text
from streams.stages.extract.validators import parse_money
from streams.stages.text import Word


def printed_daily_balances(
    lines: Sequence[Line], period: tuple[dt.date, dt.date] | None
) -> dict[dt.date, Decimal]:
    """The statement's daily ending balance table ("05/01 18,203.48 05/14 8,930.53 ..."), if it
    prints one: end-of-day balance by date, for dates inside `period` (OCR-mangled dates dropped).
    A date printed twice with different balances is left out: the table does not tell it."""
    year_for = year_resolver(period)
    found: dict[dt.date, Decimal] = {}
    doubtful: set[dt.date] = set()
    inside = False
    for index, line in enumerate(lines):
        hits = column_hits(lines, index)
        kind = section_kind(line)
        if kind is not None or header_columns(lines, index, hits) is not None:
            inside = kind == "balance"
            continue
        if is_other_header(hits):
            inside = True
            continue
        if inside:
            for date, balance in _date_balance_pairs(line.words, year_for):
                if period is not None and not period[0] <= date <= period[1]:
                    continue
                if found.get(date, balance) != balance:
                    doubtful.add(date)
                found[date] = balance
    return {d: b for d, b in found.items() if d not in doubtful}


def _date_balance_pairs(words: Sequence[Word], year_for) -> list[tuple[dt.date, Decimal]]:
    """(date, balance) pairs of a daily balance line: each date followed right by its amount."""
    pairs = []
    i = 0
    while i < len(words):
        date, taken = row_date(words[i:], year_for)
        if date is None or taken == 0:
            i += 1
            continue
        after = words[i + taken : i + taken + 1]
        text = money_text(after[0]) if after else None
        value = parse_money(text) if text is not None else None
        if value is not None:
            pairs.append((date, value))
            i += taken + 1
        else:
            i += taken
    return pairs
