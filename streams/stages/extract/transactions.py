"""Bank statement transaction tables -> rows, with columns found by their header's x-positions.

A table starts at a header line naming a date column and at least one money column (labels.json
"statement.columns"); each money word of a row goes to the nearest column. Signs come from the
column (credits / debits), the printed sign, or, for a bare amount column, from the running
balance. Rows printed without a date inherit the previous row's date; a dateless line of words
right under a row continues its description. A scanned row whose amount OCR lost is kept with
amount_read=False (amount 0, never to be counted) for the statement's own figures to fill in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from functools import cache

from streams.stages.extract.daily_balances import printed_daily_balances
from streams.stages.extract.fields import union_box
from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import Line, norm_token
from streams.stages.extract.row_dates import row_date, year_resolver
from streams.stages.extract.statement_columns import (
    MONEY_COLUMNS,
    Columns,
    carry_over,
    column_hits,
    header_columns,
    is_other_header,
    nearest_column,
    section_kind,
)
from streams.stages.extract.transaction_row import (
    Transaction,
    has_letters,
    money_text,
    money_words,
    settle_signs,
)
from streams.stages.extract.validators import parse_money
from streams.stages.text import Word

logger = logging.getLogger(__name__)

__all__ = [
    "MONEY_COLUMNS",
    "Transaction",
    "has_letters",
    "header_columns",
    "money_text",
    "parse_transactions",
    "printed_daily_balances",
    "section_kind",
    "settle_signs",
    "year_resolver",
]


def _row(
    words: Sequence[Word],
    date: dt.date,
    skip: int,
    columns: Columns | None,
    page: int,
    keep_unread: bool = False,
) -> Transaction | None:
    """The row's transaction; a scanned row whose amount OCR lost comes back with amount_read=False
    when its printed balance will tell the amount, or (`keep_unread`, inside a transaction table)
    when the statement's other figures may."""
    money = money_words(words)
    if not money and not keep_unread:
        return None
    amount: Decimal | None = None
    balance: Decimal | None = None
    sign_known = False
    for _, word, text in money:
        value = parse_money(text)
        if value is None:
            continue
        kind = nearest_column(word, columns) if columns else None
        if kind is None:
            kind = "balance" if amount is not None and word is money[-1][1] and len(money) > 1 else "amount"
        if kind == "balance":
            balance = value
        elif kind == "credit":
            amount, sign_known = abs(value), True
        elif kind == "debit":
            amount, sign_known = -abs(value), True
        elif amount is None:
            amount = value
            sign_known = value < 0 or bool(columns and columns.sign)
            if columns and columns.sign and value > 0:
                amount = value * columns.sign
    confidence = min(w.confidence for w in words)
    amount_read = amount is not None
    first_money = money[0][0] if money else len(words)
    description = " ".join(w.text for w in words[skip:first_money] if w.text.strip() not in ("-", "$"))
    if amount is None:
        if confidence >= 0.99:
            return None  # a text layer's row without an amount is no transaction
        if balance is None and not (keep_unread and columns is not None and has_letters(description)):
            return None
        amount = Decimal(0)
    return Transaction(
        date=date,
        description=description.strip(),
        amount=amount,
        balance=balance,
        page=page,
        box=union_box(w.box for w in words),
        confidence=confidence,
        sign_known=sign_known,
        amount_read=amount_read,
        side=0 if amount_read or columns is None else columns.sign,
    )


def parse_transactions(
    lines: Sequence[Line],
    period: tuple[dt.date, dt.date] | None,
    beginning: Decimal | None = None,
    keep_unread: bool = False,
) -> list[Transaction]:
    """Every transaction row of a statement, in printed order, signs settled (see module doc).
    With `keep_unread`, dated rows of a scanned table whose amount OCR lost come too (amount_read
    False, amount 0) for the caller to fill from the statement's own figures or drop."""
    year_for = year_resolver(period)
    columns: Columns | None = None
    rows: list[Transaction] = []
    last_line: Line | None = None
    active = True  # False inside a table that is not transactions (a daily balance list)
    for index, line in enumerate(lines):
        hits = column_hits(lines, index)
        found = header_columns(lines, index, hits) if hits else None
        if found is not None:
            columns, last_line, active = carry_over(columns, found), None, True
            continue
        kinds = {h.key for h in hits}
        if "date" in kinds and "description" in kinds:
            # the same table's header with its money columns misread: keep the columns known
            partial = Columns(
                {h.key: (line.words[h.start].box.x0, line.words[h.end - 1].box.x1) for h in hits}, 0
            )
            columns, last_line, active = carry_over(columns, partial), None, True
            continue
        if is_other_header(hits):
            columns, last_line, active = None, None, False
            continue
        kind = section_kind(line)
        if kind is not None:
            last_line, active = None, kind != "balance"
            if kind != "balance":
                columns = Columns(columns.spans if columns else {}, 1 if kind == "credit" else -1)
            continue
        if not active:
            continue
        date, skip = row_date(line.words, year_for)
        if date is None and rows and last_line is not None and columns is not None:
            date, skip = _continuation(line, last_line, rows, columns)
        if date is None:
            continue
        row = _row(line.words, date, skip, columns, line.page, keep_unread)
        if row is None:
            continue
        if _is_balance_row(row.description):
            last_line = None
            continue
        rows.append(row)
        last_line = line
    return settle_signs(rows, beginning)


def _continuation(line: Line, last_line: Line, rows: list[Transaction], columns: Columns):
    """A dateless row: more money on the previous date, or more words of the previous description."""
    close = line.page == last_line.page and line.y0 - last_line.y1 < 1.2 * last_line.height
    if money_words(line.words):
        return rows[-1].date, 0
    if close:
        desc_x = columns.spans.get("description", (0.0, 1.0))[0]
        if line.words[0].box.x0 >= desc_x - 0.02:
            rows[-1] = replace(rows[-1], description=f"{rows[-1].description} {line.text}".strip())
    return None, 0


@cache
def _balance_phrases() -> tuple[str, ...]:
    return tuple(
        " ".join(norm_token(t) for t in p.split()) for p in label_data()["statement"]["balance_rows"]
    )


def _is_balance_row(description: str) -> bool:
    text = " ".join(t for t in (norm_token(w) for w in description.split()) if t)
    return any(text.startswith(p) for p in _balance_phrases())
