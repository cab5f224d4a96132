"""A bank statement's header: account, period and the printed summary, found by label
(labels.json "statement")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import cache

from streams.stages.extract.fields import Field, field_from_words
from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import LabelHit, LabelValue, Line, Vocabulary, find_labels, pair_values
from streams.stages.extract.statement_columns import header_columns
from streams.stages.extract.validators import format_money, parse_date, parse_money
from streams.stages.text import Word

_DATE_TEXT = re.compile(
    r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}-\d{1,2}-\d{2,4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}",
    re.IGNORECASE,
)
_MASKED_ACCOUNT = re.compile(r"^(?:[*xX\u2022#]{2,}-?)+(\d{4})$")
HEAD_LINES = 15  # a statement's header lines, where its masked account number is printed
MAX_PERIOD_DAYS = 92  # a statement covers at most a quarter
SUMMARY_KEYS = ("beginning_balance", "ending_balance", "total_deposits", "total_withdrawals")
SUMMARY_KEYS = ("beginning_balance", "ending_balance", "total_deposits", "total_withdrawals")


@cache
def _vocabulary() -> Vocabulary:
    data = label_data()["statement"]
    table = dict(data["summary"])
    table["account"] = data["account"]
    table["period"] = data["period"]
    table["statement_date"] = data["statement_date"]
    return Vocabulary.build(table)


def header_pairs(lines: Sequence[Line]) -> list[LabelValue]:
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


def statement_period(pairs: Sequence[LabelValue], lines: Sequence[Line]) -> tuple[Field, Field] | None:
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


def account_last4(pairs: Sequence[LabelValue], lines: Sequence[Line] = ()) -> Field | None:
    """The account's last four digits: from the value of its label, else from a masked account
    number ("****3742", "xxxx-xxxx-8150") among the first page's top lines, which a skewed scan may
    have put on another line than its label."""
    for pair in pairs:
        if pair.hit.key != "account":
            continue
        for word in pair.words:
            match = re.search(r"(\d{4})\W*$", word.text)
            if match and not _DATE_TEXT.fullmatch(word.text.strip(":")):
                return field_from_words(match.group(1), [word], page=pair.page, label=pair.hit.text)
    for line in lines[:HEAD_LINES]:
        for word in line.words:
            masked = _MASKED_ACCOUNT.match(word.text.strip(" :,."))
            if masked and line.page == lines[0].page:
                return field_from_words(masked.group(1), [word], page=line.page, label=None, fit=0.9)
    return None


def _amount_text(word: Word) -> str | None:
    """The word if it ends like an amount ("1,234.50", "(1,234.50)", "1,234.50-"); on an OCR'd word
    after dropping the punctuation OCR put behind it ("15,553.99,")."""
    text = word.text if word.confidence >= 1.0 else word.text.rstrip(",.")
    return text if re.search(r"\d\.\d{2}\)?-?$", text) else None


def printed_summary(
    pairs: Sequence[LabelValue], lines: Sequence[Line]
) -> dict[str, tuple[Decimal, Field, int | None]]:
    """Printed summary amounts (and the '(39)' item counts beside them), first occurrence wins."""
    found: dict[str, tuple[Decimal, Field, int | None]] = {}
    label_y = {i: (lines[i].y0, lines[i].y1) for i in range(len(lines))}
    for pair in pairs:
        key = pair.hit.key
        if key not in SUMMARY_KEYS or key in found or not pair.words:
            continue
        y0, y1 = label_y[pair.hit.line_index]
        same_line = all(y0 - 0.005 <= (w.box.y0 + w.box.y1) / 2 <= y1 + 0.005 for w in pair.words)
        if not same_line and _DATE_TEXT.match(pair.words[0].text):
            continue
        money = [(w, parse_money(_amount_text(w))) for w in pair.words]
        read = [(w, m) for w, m in money if m is not None]
        if not read:
            continue
        word, amount = read[-1]
        count_match = re.search(r"\((\d{1,4})\)", pair.text)
        field = field_from_words(format_money(amount), [word], page=pair.page, label=pair.hit.text)
        found[key] = (amount, field, int(count_match.group(1)) if count_match else None)
    return found
