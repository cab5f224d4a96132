"""Dates at the start of statement rows ("05/14", "05/14/24", "May 14", "14 May") and their year."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from streams.stages.extract.lines import norm_token
from streams.stages.extract.validators import ocr_digits
from streams.stages.text import Word

_DATE_WORD = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})(?:[/\-.](\d{2}|\d{4}))?$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


def row_date(words: Sequence[Word], year_for) -> tuple[dt.date | None, int]:
    """The date a row starts with and how many words it took (punctuation OCR put after a date,
    "01/01/25.", is no part of it)."""
    if not words:
        return None, 0
    match = _DATE_WORD.match(ocr_digits(words[0].text.strip().rstrip(".,")))
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
