"""US banking days: weekends and Federal Reserve holidays carry no ACH settlements."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    days = [
        d
        for d in calendar.Calendar().itermonthdates(year, month)
        if d.month == month and d.weekday() == weekday
    ]
    return days[n] if n >= 0 else days[n]


@lru_cache(maxsize=32)
def federal_holidays(year: int) -> frozenset[dt.date]:
    """Federal Reserve holidays of `year`; a Sunday holiday moves to Monday, a Saturday one is not moved."""
    fixed = [
        dt.date(year, 1, 1),
        dt.date(year, 6, 19),
        dt.date(year, 7, 4),
        dt.date(year, 11, 11),
        dt.date(year, 12, 25),
    ]
    observed = {d + dt.timedelta(days=1) if d.weekday() == 6 else d for d in fixed}
    observed |= {
        _nth_weekday(year, 1, 0, 2),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 2),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 0),  # Labor Day
        _nth_weekday(year, 10, 0, 1),  # Columbus Day
        _nth_weekday(year, 11, 3, 3),  # Thanksgiving
    }
    return frozenset(d for d in observed if d.weekday() < 5)


def is_business_day(day: dt.date) -> bool:
    """True on weekdays that are not Federal Reserve holidays."""
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def month_days(year: int, month: int) -> list[dt.date]:
    """Every calendar day of the month, in order."""
    last = calendar.monthrange(year, month)[1]
    return [dt.date(year, month, d) for d in range(1, last + 1)]


def next_business_day(day: dt.date) -> dt.date:
    """`day` itself when it is a business day, else the next one."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day
