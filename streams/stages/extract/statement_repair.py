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
- an amount OCR lost altogether (cut off at a skewed page edge, or unreadable): taken from the
  statement's own figures where they leave no doubt (`fill_unread`): the change between two
  printed balances (daily ending balance table, or running balance column) when the row is the
  only unread one between them, else the printed total of its side (deposits / withdrawals) less
  the side's read rows when it is the side's only unread row. Never a guess between two rows.
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
FILLED_CONFIDENCE = 0.8  # factor on a row's confidence when its amount comes from other figures
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
    """OCR'd rows dated outside `period` take the date of the row before them (or of the first
    row inside the period, for leading ones); text-layer rows and rows without a period stay."""
    if period is None:
        return rows
    start, end = period
    inside = [r.date for r in rows if start <= r.date <= end]
    if not inside:
        return rows
    fixed: list[Transaction] = []
    previous = inside[0]
    for row in rows:
        if row.confidence < 1.0 and not start <= row.date <= end:
            row = replace(row, date=previous, confidence=row.confidence * 0.9)
        fixed.append(row)
        previous = row.date if start <= row.date <= end else previous
    return fixed


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
