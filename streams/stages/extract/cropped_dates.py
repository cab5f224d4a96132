"""Row dates OCR garbled: the slash lost ("0115", "011s" for 01/15), or the first characters cut
off at a skewed scan's page edge ("09/16" read as "16", "09/14" as "v4").

Rows are printed in date order, so a row's date lies between the dates of the nearest dated rows
above and below it. A word that reads as such a date once its look-alike letters are digits and
its slash is put back is the row's date; else, among those days, the one whose day of the month
ends in the digits OCR kept, when no other does. The word must end where the dates above it end
(the date column), so a check number or a stray digit elsewhere is never read as a date. Lines
from a text layer come back as they are.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from streams.stages.extract.lines import Line
from streams.stages.extract.row_dates import row_date, year_resolver
from streams.stages.extract.statement_repair import DIGIT_LOOKALIKES
from streams.stages.extract.transaction_row import money_text
from streams.stages.text import Box, Word

logger = logging.getLogger(__name__)

_FRAGMENT = re.compile(r"^[^\d]{0,2}/?(\d{1,2})$")
_NO_SLASH = re.compile(r"^(\d{2})(\d{2})((?:/\d{2}|/\d{4})?)[.,]?$")
COLUMN_TOLERANCE = 0.02  # page widths: how far the fragment's right edge may sit from the dates'
MAX_GAP_DAYS = 10
RESTORED = 0.9  # confidence factor of a restored date


def restore_cropped_dates(lines: Sequence[Line], period: tuple[dt.date, dt.date] | None) -> list[Line]:
    """`lines` with each OCR'd row whose date OCR garbled given the one date that fits (module
    doc); other lines as they are."""
    year_for = year_resolver(period)
    dates = [row_date(line.words, year_for)[0] for line in lines]
    fixed = list(lines)
    for index, line in enumerate(lines):
        if dates[index] is not None or not _fragment_row(line):
            continue
        before = next((i for i in range(index - 1, -1, -1) if dates[i] is not None), None)
        after = next((i for i in range(index + 1, len(lines)) if dates[i] is not None), None)
        if before is None or after is None:
            continue
        first, last = dates[before], dates[after]
        assert first is not None and last is not None
        if not 0 <= (last - first).days <= MAX_GAP_DAYS:
            continue
        if abs(line.words[0].box.x1 - lines[before].words[0].box.x1) > COLUMN_TOLERANCE:
            continue
        text = line.words[0].text
        day = _unslashed(text, first, last, year_for) or _only_day(first, last, text)
        if day is not None:
            cut = line.words[0]
            word = replace(cut, text=f"{day.month:02d}/{day.day:02d}", confidence=RESTORED * cut.confidence)
            fixed[index] = replace(line, words=(word, *line.words[1:]))
            logger.info("row date %r garbled by OCR: %s", cut.text, day.isoformat())
    return fixed


def _fragment_row(line: Line) -> bool:
    """An OCR'd row (it has an amount) whose first word may be a garbled date."""
    if len(line.words) < 3 or all(w.confidence >= 1.0 for w in line.words):
        return False
    first = line.words[0].text
    garbled = _FRAGMENT.match(first) or _NO_SLASH.match(first.translate(DIGIT_LOOKALIKES))
    return garbled is not None and any(money_text(w) for w in line.words[1:])


def _unslashed(text: str, first: dt.date, last: dt.date, year_for) -> dt.date | None:
    """The date `text` is with its slash put back and look-alike letters read as digits, if it lies
    between `first` and `last`."""
    match = _NO_SLASH.match(text.translate(DIGIT_LOOKALIKES))
    if match is None:
        return None
    fake = Word(f"{match.group(1)}/{match.group(2)}{match.group(3)}", Box(0, 0, 0, 0), 0.0)
    day = row_date((fake,), year_for)[0]
    return day if day is not None and first <= day <= last else None


def _only_day(first: dt.date, last: dt.date, fragment: str) -> dt.date | None:
    match = _FRAGMENT.match(fragment)
    if match is None:
        return None
    digits = match.group(1)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    fits = [d for d in days if f"{d.day:02d}".endswith(digits) or str(d.day) == digits]
    return fits[0] if len(fits) == 1 else None
