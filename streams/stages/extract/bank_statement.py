"""Bank statements -> bank, account, period, summary, transactions, figures and MCA positions.

Header values are found by label (labels.json "statement"), the bank name by the line that
carries "Member FDIC" or else the statement's first line; the figures are computed from the
transactions (figures.py) and checked against the printed summary.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from streams.stages.extract.fields import Field, field_from_words
from streams.stages.extract.figures import TOLERANCE, Figures, compute_figures
from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import (
    LabelHit,
    LabelValue,
    Line,
    Vocabulary,
    document_lines,
    find_labels,
    has_content,
    norm_token,
    pair_values,
    segments,
)
from streams.stages.extract.positions import McaPosition, detect_positions
from streams.stages.extract.statement_repair import dates_within, repair_lines, repair_sign
from streams.stages.extract.transactions import (
    Transaction,
    header_columns,
    parse_transactions,
    printed_daily_balances,
    section_kind,
)
from streams.stages.extract.unread_amounts import fill_unread
from streams.stages.extract.validators import format_money, parse_date, parse_money
from streams.stages.text import DocumentText, Word

logger = logging.getLogger(__name__)

_DATE_TEXT = re.compile(
    r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}-\d{1,2}-\d{2,4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}",
    re.IGNORECASE,
)
MAX_PERIOD_DAYS = 92  # a statement covers at most a quarter
_SUMMARY_KEYS = ("beginning_balance", "ending_balance", "total_deposits", "total_withdrawals")


@dataclass(frozen=True)
class BankStatement:
    """One statement: README fields (as Fields), positions, rows, and whether balances reconcile."""

    fields: Mapping[str, Field]
    mca_positions: tuple[McaPosition, ...]
    transactions: tuple[Transaction, ...]
    reconciled: bool


@cache
def _vocabulary() -> Vocabulary:
    data = label_data()["statement"]
    table = dict(data["summary"])
    table["account"] = data["account"]
    table["period"] = data["period"]
    table["statement_date"] = data["statement_date"]
    return Vocabulary.build(table)


def _header_pairs(lines: Sequence[Line]) -> list[LabelValue]:
    hits: dict[int, list[LabelHit]] = {}
    for index, line in enumerate(lines):
        if header_columns(lines, index) is not None:
            continue
        found = find_labels(line, index, _vocabulary(), loose=True)
        if found:
            hits[index] = found
    return pair_values(lines, hits)


def _dates_in(text: str) -> list[dt.date]:
    found = [parse_date(m.group(0)) for m in _DATE_TEXT.finditer(text)]
    return [d for d in found if d is not None]


def _period(pairs: Sequence[LabelValue], lines: Sequence[Line]) -> tuple[Field, Field] | None:
    """Statement period from its label, else the first line holding 'date - date' / 'date through date',
    else a label whose end was cut off at the page edge ("07/01/2024 - 07,"): a period starting on the
    first of a month is that calendar month (at lower confidence)."""
    cut: tuple[LabelValue, dt.date] | None = None
    for pair in pairs:
        if pair.hit.key == "period":
            dates = _dates_in(pair.text)
            if len(dates) >= 2:
                dates = [dates[0], repaired_period_end(dates[0], dates[1])]
            if len(dates) >= 2 and dates[0] <= dates[1]:
                return _date_fields(pair, dates)
            if len(dates) == 1 and dates[0].day == 1 and cut is None:
                cut = (pair, dates[0])
    head = lines[:40]
    for span in (1, 2):  # "August 1, 2024 through" may end on the next line
        for i in range(len(head) - span + 1):
            words = [w for line in head[i : i + span] for w in line.words]
            dates = _dates_in(" ".join(w.text for w in words))
            if len(dates) >= 2:
                dates = [dates[0], repaired_period_end(dates[0], dates[1])]
            if len(dates) >= 2 and dates[0] < dates[1] and (dates[1] - dates[0]).days <= MAX_PERIOD_DAYS:
                pair = LabelValue(LabelHit(0, 0, 0, "period", "period"), head[i].page, words)
                return _date_fields(pair, dates)
    if cut is not None:
        pair, start = cut
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        first, last = _date_fields(pair, [start, end])
        return first, last.with_value(last.value, confidence_factor=0.8)
    return None


def repaired_period_end(start: dt.date, end: dt.date) -> dt.date:
    """The period's end with a misread year ("06/01/2024 to 06/30/2004") taken from its start, when
    that makes a period of at most MAX_PERIOD_DAYS; otherwise `end` as read."""
    if 0 <= (end - start).days <= MAX_PERIOD_DAYS:
        return end
    for year in (start.year, start.year + 1):
        try:
            candidate = end.replace(year=year)
        except ValueError:  # 29 February
            continue
        if 0 <= (candidate - start).days <= MAX_PERIOD_DAYS:
            return candidate
    return end


def _date_fields(pair: LabelValue, dates: list[dt.date]) -> tuple[Field, Field]:
    base = field_from_words(None, pair.words, page=pair.page, label=pair.hit.text)
    return base.with_value(dates[0].isoformat()), base.with_value(dates[1].isoformat())


def _account_last4(pairs: Sequence[LabelValue]) -> Field | None:
    for pair in pairs:
        if pair.hit.key != "account":
            continue
        for word in pair.words:
            match = re.search(r"(\d{4})\W*$", word.text)
            if match and not _DATE_TEXT.fullmatch(word.text.strip(":")):
                return field_from_words(match.group(1), [word], page=pair.page, label=pair.hit.text)
    return None


def _summary(
    pairs: Sequence[LabelValue], lines: Sequence[Line]
) -> dict[str, tuple[Decimal, Field, int | None]]:
    """Printed summary amounts (and the '(39)' item counts beside them), first occurrence wins."""
    found: dict[str, tuple[Decimal, Field, int | None]] = {}
    label_y = {i: (lines[i].y0, lines[i].y1) for i in range(len(lines))}
    for pair in pairs:
        key = pair.hit.key
        if key not in _SUMMARY_KEYS or key in found or not pair.words:
            continue
        y0, y1 = label_y[pair.hit.line_index]
        same_line = all(y0 - 0.005 <= (w.box.y0 + w.box.y1) / 2 <= y1 + 0.005 for w in pair.words)
        if not same_line and _DATE_TEXT.match(pair.words[0].text):
            continue
        money = [(w, parse_money(w.text)) for w in pair.words if re.search(r"\d\.\d{2}\)?-?$", w.text)]
        money = [(w, m) for w, m in money if m is not None]
        if not money:
            continue
        word, amount = money[-1]
        count_match = re.search(r"\((\d{1,4})\)", pair.text)
        field = field_from_words(format_money(amount), [word], page=pair.page, label=pair.hit.text)
        found[key] = (amount, field, int(count_match.group(1)) if count_match else None)
    return found


@cache
def _fdic_markers() -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(norm_token(t) for t in p.split()) for p in label_data()["statement"]["bank_name_markers"]
    )


def _bank_name(lines: Sequence[Line]) -> Field | None:
    """The top line naming a bank ("... Bank", "... Credit Union"), else the words before
    'Member FDIC', else the first run of words on the first line."""
    for line in lines[:8]:
        words = [w for w in line.words if has_content(w.text)]
        anchor = next((i for i, w in enumerate(words) if norm_token(w.text) in _BANK_TOKENS), None)
        if anchor is None:
            continue
        run = without_logo_marks(_name_run(line, words, anchor))
        return field_from_words(
            " ".join(w.text for w in run).strip(" .,"), run, page=line.page, label=None, fit=0.9
        )
    for line in lines:
        tokens = [norm_token(w.text) for w in line.words]
        for marker in _fdic_markers():
            for i in range(1, len(tokens) - len(marker) + 1):
                if tuple(tokens[i : i + len(marker)]) == marker:
                    words = [w for w in line.words[:i] if norm_token(w.text)]
                    text = " ".join(w.text for w in words)
                    if 0 < len(words) <= 6 and not re.search(r"[\d?]", text):
                        return field_from_words(
                            text.strip(" .,"), words, page=line.page, label="Member FDIC", fit=0.9
                        )
    for line in lines[:3]:
        start, end = segments(line)[0]
        words = list(line.words[start:end])
        text = " ".join(w.text for w in words)
        if words and not re.search(r"\d", text) and norm_token(words[0].text) not in ("page", "statement"):
            return field_from_words(text.strip(" .,"), words, page=line.page, label=None, fit=0.7)
    return None


def without_logo_marks(run: list[Word]) -> list[Word]:
    """A bank's name without what OCR made of the logo in front of it: a monogram of the name's
    initials ("GPB Granite Peak Bank"), a single letter, or a short word in lower case before a
    capitalised name ("aid Pacific Crest Bank"). Real short names ("BMO Harris Bank") stay."""
    words = list(run)
    while len(words) >= 3:
        mark, rest = words[0].text.strip(".,"), words[1:]
        initials = "".join(w.text[:1] for w in rest if w.text[:1].isalpha()).upper()
        monogram = len(mark) >= 2 and mark.isalpha() and mark.isupper() and initials.startswith(mark)
        stray = len(mark) == 1 or (
            len(mark) <= 3 and not mark.isupper() and not mark[:1].isupper() and rest[0].text[:1].isupper()
        )
        if not (monogram or stray):
            break
        words = rest
    return words


def _name_run(line: Line, words: list[Word], anchor: int) -> list[Word]:
    """The words around `anchor` set in the same type and close together: a bank's name on a logo
    line, whose letters are spaced too wide for column gaps to delimit it."""
    size = words[anchor].box.y1 - words[anchor].box.y0

    def same_type(w: Word) -> bool:
        height = w.box.y1 - w.box.y0  # OCR boxes vary with ascenders and descenders
        return (
            abs(height - size) <= 0.5 * size
            and not re.search(r"\d", w.text)
            and norm_token(w.text) not in ("statement", "page", "account")
        )

    def near(a: Word, b: Word) -> bool:
        return (b.box.x0 - a.box.x1) * line.width_pt <= 3 * size * line.height_pt

    first, last = anchor, anchor
    while first > 0 and same_type(words[first - 1]) and near(words[first - 1], words[first]):
        first -= 1
    while last + 1 < len(words) and same_type(words[last + 1]) and near(words[last], words[last + 1]):
        last += 1
    return words[first : last + 1]


_BANK_TOKENS = frozenset(
    {
        "bank",
        "bancorp",
        "banco",
        "union",
        "savings",
        "trust",
        "federal",
        "na",
        "fargo",
        "chase",
        "keybank",
        "citibank",
        "truist",
        "bancshares",
        "financial",
    }
)


def _close_to(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= TOLERANCE


def _lost_sign_before(rows: Sequence[Transaction], index: int, gap: Decimal) -> int | None:
    """The one OCR'd row without a printed balance, since the last row that prints one, whose sign
    turned over explains the gap between the running balance and the balance printed at `index`."""
    start = index
    while start > 0 and rows[start - 1].balance is None:
        start -= 1
    found = [
        j
        for j in range(start, index)
        if rows[j].amount_read and rows[j].confidence < 0.99 and _close_to(2 * rows[j].amount, gap)
    ]
    return found[0] if len(found) == 1 else None


def _repair_ocr_rows(rows: list[Transaction], beginning: Decimal | None) -> list[Transaction]:
    """Settle OCR misreads with the running balance: where a row's amount and printed balance
    disagree, the neighbouring row tells which of the two was misread (a balance that lost its
    minus or a digit, or an amount that did, or a row above it without a balance that lost its
    sign). Text-layer rows are never changed: there a
    disagreement is the statement's own and must show as unreconciled."""
    fixed = list(rows)
    previous = beginning
    for i, row in enumerate(fixed):
        if previous is None or row.balance is None or row.confidence >= 0.99:
            previous = (
                row.balance
                if row.balance is not None
                else (None if previous is None or not row.amount_read else previous + row.amount)
            )
            continue
        if not row.amount_read:
            fixed[i] = replace(row, amount=row.balance - previous, amount_read=True, sign_known=True)
            previous = row.balance
            continue
        expected = previous + row.amount
        if _close_to(expected, row.balance):
            previous = row.balance
            continue
        flipped = _lost_sign_before(fixed, i, expected - row.balance)
        if flipped is not None:
            fixed[flipped] = replace(
                fixed[flipped], amount=-fixed[flipped].amount, confidence=fixed[flipped].confidence * 0.9
            )
            previous = row.balance
            continue
        following = fixed[i + 1] if i + 1 < len(fixed) else None
        next_balance = following.balance if following is not None else None
        if _close_to(expected, -row.balance) or (
            following is not None and _close_to(expected + following.amount, next_balance)
        ):
            fixed[i] = replace(row, balance=expected, confidence=row.confidence * 0.9)
            previous = expected
        elif (
            following is not None
            and next_balance is not None
            and (
                _close_to(row.balance + following.amount, next_balance)
                or _close_to(row.balance + following.amount, -next_balance)
            )
        ):
            fixed[i] = replace(row, amount=row.balance - previous, confidence=row.confidence * 0.9)
            previous = row.balance
        else:
            fixed[i] = replace(row, balance=expected, confidence=row.confidence * 0.8)
            previous = expected
    return fixed


def extract_statement(document: DocumentText) -> BankStatement:
    """Read one bank statement document (any number of pages)."""
    lines = document_lines(document)
    pairs = _header_pairs(lines)
    fields: dict[str, Field] = {}
    bank = _bank_name(lines)
    if bank:
        fields["bank_name"] = bank
    account = _account_last4(pairs)
    if account:
        fields["account_last4"] = account
    period_fields = _period(pairs, lines)
    period = None
    if period_fields:
        fields["period_start"], fields["period_end"] = period_fields
        period = (
            dt.date.fromisoformat(period_fields[0].value),
            dt.date.fromisoformat(period_fields[1].value),
        )
    summary = _summary(pairs, lines)
    beginning = summary.get("beginning_balance", (None,))[0]
    ending = summary.get("ending_balance", (None,))[0]
    repaired = repair_lines(lines, section_kind)
    rows = parse_transactions(repaired, period, beginning, keep_unread=True)
    rows = dates_within(_repair_ocr_rows(rows, beginning), period)
    totals = [summary.get(k, (None,))[0] for k in ("total_deposits", "total_withdrawals")]
    rows = fill_unread(
        rows,
        beginning=beginning,
        ending=ending,
        daily=printed_daily_balances(repaired, period),
        printed_deposits=totals[0],
        printed_withdrawals=totals[1],
    )
    # an amount no figure tells is left out: the statement then shows as not reconciling
    rows = repair_sign([r for r in rows if r.amount_read], *totals)
    if period is None and rows and all(r.date for r in rows):
        period = (min(r.date for r in rows), max(r.date for r in rows))
    figures = compute_figures(rows, beginning=beginning, ending=ending, period=period)
    reconciled = figures.reconciled and _summary_consistent(summary, figures)
    fields.update(_figure_fields(figures, summary, rows))
    positions = tuple(detect_positions(rows))
    return BankStatement(fields, positions, tuple(rows), reconciled)


def _summary_consistent(summary: Mapping[str, tuple[Decimal, Field, int | None]], figures: Figures) -> bool:
    """The printed summary adds up, and agrees with the rows where it prints totals."""
    printed = {k: v[0] for k, v in summary.items()}
    if all(k in printed for k in _SUMMARY_KEYS):
        flow = printed["beginning_balance"] + printed["total_deposits"] - abs(printed["total_withdrawals"])
        if abs(flow - printed["ending_balance"]) > TOLERANCE:
            return False
    if "total_deposits" in printed and abs(printed["total_deposits"] - figures.total_deposits) > TOLERANCE:
        return False
    if "total_withdrawals" in printed:
        return abs(abs(printed["total_withdrawals"]) - figures.total_withdrawals) <= TOLERANCE
    return True


def _figure_fields(
    figures: Figures, summary: Mapping[str, tuple[Decimal, Field, int | None]], rows: Sequence[Transaction]
) -> dict[str, Field]:
    confidence = min((r.confidence for r in rows), default=0.5)
    page = rows[0].page if rows else None

    def computed(value: object) -> Field:
        return Field(value, round(confidence, 4), page, None, "computed from transactions")

    out: dict[str, Field] = {}
    for key in ("beginning_balance", "ending_balance"):
        printed = summary.get(key)
        value = getattr(figures, key)
        if printed is not None and value is not None and abs(printed[0] - value) <= TOLERANCE:
            out[key] = printed[1]
        elif value is not None:
            out[key] = computed(format_money(value))
    if rows:
        out["total_deposits"] = computed(format_money(figures.total_deposits))
        out["deposit_count"] = computed(figures.deposit_count)
        out["total_withdrawals"] = computed(format_money(figures.total_withdrawals))
        out["nsf_count"] = computed(figures.nsf_count)
    else:
        for key in ("total_deposits", "total_withdrawals"):
            if key in summary:
                amount, field, count = summary[key]
                out[key] = field.with_value(format_money(abs(amount)))
                if key == "total_deposits" and count is not None:
                    out["deposit_count"] = field.with_value(count)
    if figures.negative_days is not None:
        out["negative_days"] = computed(figures.negative_days)
    if figures.average_daily_balance is not None:
        out["average_daily_balance"] = computed(format_money(figures.average_daily_balance))
    return out
