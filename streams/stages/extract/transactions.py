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
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from streams.stages.extract.fields import union_box
from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import LabelHit, Line, Vocabulary, find_labels, norm_token
from streams.stages.extract.validators import ocr_digits, parse_money
from streams.stages.text import Box, Word

logger = logging.getLogger(__name__)

_MONEY_WORD = re.compile(r"^[(\-+]?\$?[(\-]?(\d{1,3}(,\d{3})+|\d+)\.\d{2}\)?-?(CR|DR|cr|dr)?$")
_DATE_WORD = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})(?:[/\-.](\d{2}|\d{4}))?$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
MONEY_COLUMNS = ("amount", "credit", "debit", "balance")


@dataclass(frozen=True)
class Transaction:
    """One statement row: amount is signed (+ credit, - debit); balance as printed, if any."""

    date: dt.date
    description: str
    amount: Decimal
    balance: Decimal | None
    page: int
    box: Box | None
    confidence: float
    sign_known: bool = True
    amount_read: bool = True  # False: OCR lost the amount (amount is then 0 and must not be counted)
    side: int = 0  # of an unread amount: +1 / -1 when its section says credit / debit, else 0


@dataclass(frozen=True)
class _Columns:
    spans: dict[str, tuple[float, float]]
    sign: int  # +1 / -1 for a section of only credits / debits, 0 when the rows say it


@cache
def _column_vocabulary() -> Vocabulary:
    return Vocabulary.build(label_data()["statement"]["columns"])


@cache
def _section_phrases() -> dict[tuple[str, ...], str]:
    data = label_data()["statement"]
    phrases: dict[tuple[str, ...], str] = {}
    for kind, key in (
        ("credit", "credit_sections"),
        ("debit", "debit_sections"),
        ("balance", "balance_sections"),
    ):
        for phrase in data[key]:
            phrases.setdefault(tuple(t for t in (norm_token(w) for w in phrase.split()) if t), kind)
    return phrases


def section_kind(line: Line) -> str | None:
    """'credit', 'debit' or 'balance' for a section heading line ("Deposits and other additions",
    "Checks paid", "Daily ending balance"), else None. Headings hold no digits."""
    return line.memo("section_kind", lambda: _section_kind(line))


def _section_kind(line: Line) -> str | None:
    if any(map(str.isdigit, line.text)):
        return None
    tokens = [t for t in (norm_token(w.text) for w in line.words) if t]
    phrases = _section_phrases()
    for size in range(min(len(tokens), 6), 0, -1):
        kind = phrases.get(tuple(tokens[:size]))
        if kind is not None:
            return kind
    return None


def _section_sign(lines: Sequence[Line], index: int) -> int:
    """+1 or -1 when one of the two lines above a header names a deposits or withdrawals section."""
    for back in (1, 2):
        if index - back < 0 or lines[index - back].page != lines[index].page:
            break
        kind = section_kind(lines[index - back])
        if kind in ("credit", "debit"):
            return 1 if kind == "credit" else -1
    return 0


def _column_hits(lines: Sequence[Line], index: int) -> list[LabelHit]:
    line = lines[index]
    vocabulary = _column_vocabulary()
    if not line.memo("column_words", lambda: _names_a_column(line, vocabulary)):
        return []
    return find_labels(line, index, vocabulary)


def _names_a_column(line: Line, vocabulary: Vocabulary) -> bool:
    """Whether one of the line's first three words may start a column name (a header's first is)."""
    return any(vocabulary.candidates(norm_token(w.text)) for w in line.words[:3])


def header_columns(lines: Sequence[Line], index: int, hits: list[LabelHit] | None = None) -> _Columns | None:
    """Column spans of a transaction header line, or None when the line is not one."""
    line = lines[index]
    hits = _column_hits(lines, index) if hits is None else hits
    kinds = {h.key for h in hits}
    if "date" not in kinds or not kinds & {"amount", "credit", "debit"}:
        return None
    spans = {}
    for hit in hits:
        words = line.words[hit.start : hit.end]
        spans.setdefault(hit.key, (words[0].box.x0, words[-1].box.x1))
    return _Columns(spans, _section_sign(lines, index))


def _carry_over(previous: _Columns | None, found: _Columns) -> _Columns:
    """A header repeated on a later page, partly misread, keeps the columns it lost from the last
    header whose date column sits at the same place (same table, same layout)."""
    if previous is None or "date" not in previous.spans or "date" not in found.spans:
        return found
    if abs(previous.spans["date"][0] - found.spans["date"][0]) > 0.02:
        return found
    spans = dict(previous.spans)
    spans.update(found.spans)
    return _Columns(spans, found.sign)


def _is_other_header(hits: list[LabelHit]) -> bool:
    """A header of some other table (e.g. a daily balance list: date and balance only)."""
    kinds = {h.key for h in hits}
    return "date" in kinds and len(kinds) >= 2


def _row_date(words: Sequence[Word], year_for) -> tuple[dt.date | None, int]:
    """The date a row starts with and how many words it took."""
    if not words:
        return None, 0
    match = _DATE_WORD.match(ocr_digits(words[0].text.strip()))
    if match:
        month, day, year = int(match.group(1)), int(match.group(2)), match.group(3)
        return _make_date(month, day, year, year_for), 1
    if len(words) >= 2:
        first, second = norm_token(words[0].text)[:3], norm_token(words[1].text)
        if first in _MONTHS and second.isdigit():
            return _make_date(_MONTHS[first], int(second), None, year_for), 2
        if first.isdigit() and second[:3] in _MONTHS:
            return _make_date(_MONTHS[second[:3]], int(first), None, year_for), 2
    return None, 0


def _make_date(month: int, day: int, year: str | None, year_for) -> dt.date | None:
    try:
        if year is None:
            return year_for(month, day)
        full = int(year) + (2000 if len(year) == 2 else 0)
        return dt.date(full, month, day)
    except ValueError:
        return None


def year_resolver(period: tuple[dt.date, dt.date] | None):
    """A function (month, day) -> date choosing the year that puts the date in the period."""

    def resolve(month: int, day: int) -> dt.date:
        if period is None:
            return dt.date(dt.date.today().year, month, day)
        start, end = period
        for year in (end.year, start.year):
            candidate = dt.date(year, month, day)
            if start - dt.timedelta(days=10) <= candidate <= end + dt.timedelta(days=10):
                return candidate
        return dt.date(end.year, month, day)

    return resolve


def _money_words(words: Sequence[Word]) -> list[tuple[int, Word, str]]:
    """Money words of a row (with a lone '-' or '$' before them joined on)."""
    found = []
    for i, word in enumerate(words):
        text = word.text.strip()
        if _MONEY_WORD.match(text):
            prefix = words[i - 1].text.strip() if i > 0 else ""
            if prefix in ("-", "$", "-$", "$-", "("):
                text = prefix.replace("$", "") + text
            found.append((i, word, text))
    return found


def _nearest_column(word: Word, columns: _Columns) -> str | None:
    best, best_distance = None, float("inf")
    centre = (word.box.x0 + word.box.x1) / 2
    for kind in MONEY_COLUMNS:
        if kind not in columns.spans:
            continue
        x0, x1 = columns.spans[kind]
        distance = min(abs(word.box.x1 - x1), abs(centre - (x0 + x1) / 2))
        if distance < best_distance:
            best, best_distance = kind, distance
    flows = {"credit", "debit"} & set(columns.spans)
    if best_distance > 0.05 and len(flows) == 1 and best != "balance":
        # a money column whose header OCR lost: the other side of the one it kept
        return "debit" if "credit" in flows else "credit"
    return best


def _row(
    words: Sequence[Word],
    date: dt.date,
    skip: int,
    columns: _Columns | None,
    page: int,
    keep_unread: bool = False,
) -> Transaction | None:
    """The row's transaction; a scanned row whose amount OCR lost comes back with amount_read=False
    when its printed balance will tell the amount, or (`keep_unread`, inside a transaction table)
    when the statement's other figures may."""
    money = _money_words(words)
    if not money and not keep_unread:
        return None
    amount: Decimal | None = None
    balance: Decimal | None = None
    sign_known = False
    for _, word, text in money:
        value = parse_money(text)
        if value is None:
            continue
        kind = _nearest_column(word, columns) if columns else None
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


def has_letters(text: str) -> bool:
    """Whether `text` holds a word of two letters or more (a description, not OCR debris)."""
    return re.search(r"[A-Za-z]{2}", text) is not None


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
    columns: _Columns | None = None
    rows: list[Transaction] = []
    last_line: Line | None = None
    active = True  # False inside a table that is not transactions (a daily balance list)
    for index, line in enumerate(lines):
        hits = _column_hits(lines, index)
        found = header_columns(lines, index, hits) if hits else None
        if found is not None:
            columns, last_line, active = _carry_over(columns, found), None, True
            continue
        kinds = {h.key for h in hits}
        if "date" in kinds and "description" in kinds:
            # the same table's header with its money columns misread: keep the columns known
            partial = _Columns(
                {h.key: (line.words[h.start].box.x0, line.words[h.end - 1].box.x1) for h in hits}, 0
            )
            columns, last_line, active = _carry_over(columns, partial), None, True
            continue
        if _is_other_header(hits):
            columns, last_line, active = None, None, False
            continue
        kind = section_kind(line)
        if kind is not None:
            last_line, active = None, kind != "balance"
            if kind != "balance":
                columns = _Columns(columns.spans if columns else {}, 1 if kind == "credit" else -1)
            continue
        if not active:
            continue
        date, skip = _row_date(line.words, year_for)
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


def _continuation(line: Line, last_line: Line, rows: list[Transaction], columns: _Columns):
    """A dateless row: more money on the previous date, or more words of the previous description."""
    close = line.page == last_line.page and line.y0 - last_line.y1 < 1.2 * last_line.height
    if _money_words(line.words):
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


def settle_signs(rows: list[Transaction], beginning: Decimal | None = None) -> list[Transaction]:
    """Give unsigned amounts their sign: credits when other rows print their debits with a minus,
    else whichever way the running balance moved."""
    if all(r.sign_known or not r.amount_read for r in rows):
        return rows
    if any(r.amount < 0 for r in rows):
        return [replace(r, sign_known=True) if r.amount_read else r for r in rows]
    settled: list[Transaction] = []
    previous_balance = beginning
    for row in rows:
        if (
            not row.sign_known
            and row.amount_read
            and previous_balance is not None
            and row.balance is not None
        ):
            delta = row.balance - previous_balance
            if abs(abs(delta) - row.amount) < Decimal("0.01"):
                row = replace(row, amount=delta, sign_known=True)
        settled.append(row)
        if row.balance is not None:
            previous_balance = row.balance
    return settled


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
        hits = _column_hits(lines, index)
        kind = section_kind(line)
        if kind is not None or header_columns(lines, index, hits) is not None:
            inside = kind == "balance"
            continue
        if _is_other_header(hits):
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
        date, taken = _row_date(words[i:], year_for)
        if date is None or taken == 0:
            i += 1
            continue
        after = words[i + taken : i + taken + 1]
        value = parse_money(after[0].text) if after and _MONEY_WORD.match(after[0].text.strip()) else None
        if value is not None:
            pairs.append((date, value))
            i += taken + 1
        else:
            i += taken
    return pairs
