"""OCR slips on scanned statement lines, undone before the transaction rows are parsed.

Only OCR'd lines are touched (a text layer says what the statement prints, right or wrong):

- a day read as letters after a month ("Apr ot", "Apr is") or run into it ("Apri2", "Apr10"),
  and a month one letter off ("Aor 03"): digits for the look-alike letters, the month's spelling;
- an amount whose minus sign OCR lost (or gained): when the rows' deposits exceed the printed
  total by exactly one OCR'd row's amount and the withdrawals fall short by the same, that row
  changes side (`repair_sign`);
- a row date outside the statement period ("08/07" among May's rows): the date of the row
  before it, since rows are printed in date order (`dates_within`);
- a section heading with a stray mark at either end (a table rule read as "|" or "1") or with
  the first letters of its first word lost at a cropped page edge ("LECTRONIC WITHDRAWALS"):
  the heading as the vocabulary spells it, so the rows under it get their sign;

An amount OCR lost altogether is filled from the statement's own figures in unread_amounts.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import cache

from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import Line, norm_token
from streams.stages.extract.transactions import Transaction
from streams.stages.text import Word

logger = logging.getLogger(__name__)

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DIGIT_LOOKALIKES = str.maketrans("oODQilI|!tsSzZbgB", "00001111115522698")
EDGE_MARKS = frozenset("|1lI[]!")
MIN_CUT_SUFFIX = 4  # a cropped heading word keeps at least this many letters
SIGN_TOLERANCE = Decimal("0.01")
_AMOUNT = re.compile(r"\d\.\d{2}\)?-?$")


def repair_lines(lines: Sequence[Line], section_kind: Callable[[Line], str | None]) -> list[Line]:
    """The statement's lines with the OCR slips above undone; `section_kind` tells a heading line
    (transactions.section_kind). Lines from a text layer come back as they are."""
    return [_repaired(line, section_kind) if _ocr(line) else line for line in lines]


def _ocr(line: Line) -> bool:
    return any(w.confidence < 1.0 for w in line.words)


def _repaired(line: Line, section_kind: Callable[[Line], str | None]) -> Line:
    if any(_AMOUNT.search(w.text) for w in line.words):
        words = repaired_date(line.words)
        return line if words is line.words else replace(line, words=words)
    if section_kind(line) is None and not any(ch.isdigit() for ch in _inner_text(line)):
        heading = _heading(line)
        if heading is not None and section_kind(heading) is not None:
            return heading
    return line


def _inner_text(line: Line) -> str:
    words = list(line.words)
    while words and words[0].text in EDGE_MARKS:
        words.pop(0)
    while words and words[-1].text in EDGE_MARKS:
        words.pop()
    return " ".join(w.text for w in words)


def repaired_date(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """A row's leading month and day with look-alike letters read as digits ("Apr ot" -> "Apr 01",
    "Apri2" -> "Apr 12", "Aor 03" -> "Apr 03"); `words` itself when there is nothing to repair."""
    if not words:
        return words
    first = words[0].text
    month = _month(first[:3])
    if month is None:
        return words
    spelled = first[:1] + month[1:] if first[:1].isupper() else month
    spelled = spelled.upper() if first[:3].isupper() else spelled
    glued = _day(first[3:]) if len(first) == 5 else None  # one glued character may be half a day
    if glued is not None:
        return (replace(words[0], text=spelled), replace(words[0], text=glued), *words[1:])
    if len(first) == 3 and len(words) > 1:
        day = _day(words[1].text)
        if day is not None and (day != words[1].text or spelled != first):
            return (replace(words[0], text=spelled), replace(words[1], text=day), *words[2:])
    return words


def _month(text: str) -> str | None:
    """The month abbreviation `text` is, or is one letter off from (when no other month is as close)."""
    lowered = text.lower()
    if len(lowered) != 3 or not lowered.isalpha():
        return None
    if lowered in MONTHS:
        return lowered
    close = [m for m in MONTHS if sum(a != b for a, b in zip(m, lowered, strict=True)) == 1]
    return close[0] if len(close) == 1 else None


def _day(text: str) -> str | None:
    """A day of the month (1-31) from a token of one or two digits or digit look-alikes."""
    if not 1 <= len(text) <= 2:
        return None
    day = text.translate(DIGIT_LOOKALIKES)
    return day if day.isdigit() and 1 <= int(day) <= 31 else None


@cache
def _heading_words() -> dict[str, str]:
    """First words of the section headings (labels.json), by their spelling."""
    data = label_data()["statement"]
    phrases = [*data["credit_sections"], *data["debit_sections"], *data["balance_sections"]]
    return {norm_token(p.split()[0]): p.split()[0] for p in phrases if norm_token(p.split()[0])}


def _heading(line: Line) -> Line | None:
    """The line without stray marks at its ends and with a cropped first word restored, or None."""
    words = list(line.words)
    while words and words[0].text in EDGE_MARKS:
        words.pop(0)
    while words and words[-1].text in EDGE_MARKS:
        words.pop()
    if not words:
        return None
    first = norm_token(words[0].text)
    if first and first not in _heading_words() and len(first) >= MIN_CUT_SUFFIX:
        whole = [w for w in _heading_words() if w.endswith(first)]
        if len(whole) == 1:
            text = whole[0].upper() if words[0].text.isupper() else whole[0]
            words[0] = replace(words[0], text=text)
    if tuple(words) == line.words:
        return None
    return replace(line, words=tuple(words))


def repair_sign(
    rows: list[Transaction], printed_deposits: Decimal | None, printed_withdrawals: Decimal | None
) -> list[Transaction]:
    """`rows` with the one OCR'd row whose sign explains both printed totals turned over (see the
    module doc); unchanged when the totals agree, are not printed, or no single row explains them."""
    if printed_deposits is None or printed_withdrawals is None:
        return rows
    deposits = sum((r.amount for r in rows if r.amount > 0), Decimal(0))
    withdrawals = -sum((r.amount for r in rows if r.amount < 0), Decimal(0))
    excess = deposits - abs(printed_deposits)
    if abs(excess) <= SIGN_TOLERANCE or abs(abs(printed_withdrawals) - withdrawals - excess) > SIGN_TOLERANCE:
        return rows
    # a credit read as one: deposits over and withdrawals short by its amount (or the reverse)
    found = [i for i, r in enumerate(rows) if r.confidence < 1.0 and abs(r.amount - excess) <= SIGN_TOLERANCE]
    if len(found) != 1:
        return rows
    row = rows[found[0]]
    fixed = list(rows)
    fixed[found[0]] = replace(row, amount=-row.amount, confidence=row.confidence * 0.9)
    return fixed


def dates_within(rows: list[Transaction], period: tuple[dt.date, dt.date] | None) -> list[Transaction]:
    """OCR'd rows dated outside `period` ("08/29" among May's rows) take the one date between the
    rows around them with the day of the month they read (a misread month), else the date of the
    row before them (or of the first row inside the period, for leading ones); text-layer rows and
    rows without a period stay."""
    if period is None:
        return rows
    start, end = period
    inside = [r.date for r in rows if start <= r.date <= end]
    if not inside:
        return rows
    fixed: list[Transaction] = []
    previous = inside[0]
    for index, row in enumerate(rows):
        if row.confidence < 1.0 and not start <= row.date <= end:
            following = next((r.date for r in rows[index + 1 :] if start <= r.date <= end), end)
            date = _same_day_between(row.date, previous, following) or previous
            row = replace(row, date=date, confidence=row.confidence * 0.9)
        fixed.append(row)
        previous = row.date if start <= row.date <= end else previous
    return fixed


def _same_day_between(read: dt.date, first: dt.date, last: dt.date) -> dt.date | None:
    """The one date from `first` to `last` on the day of the month `read` has, if there is one."""
    days = [first + dt.timedelta(days=n) for n in range(max((last - first).days, -1) + 1)]
    found = [d for d in days if d.day == read.day]
    return found[0] if len(found) == 1 else None
