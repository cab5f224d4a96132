"""How values read in the UI, pure: money, dates, times, percentages, confidences and durations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

DASH = "—"


def money(value: Decimal | float | int | str | None) -> str:
    """`$12,345.67` (negative as `-$12.00`); a dash for None."""
    if value is None or value == "":
        return DASH
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def when(value: datetime | None) -> str:
    """`2025-03-04 14:05 UTC`; a dash for None."""
    if value is None:
        return DASH
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(value: date | datetime | None) -> str:
    """`2025-03-04`; a dash for None."""
    if value is None:
        return DASH
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def percent(value: float | Decimal | None, *, fraction: bool = False) -> str:
    """`85%` of a percentage, or of a fraction (0..1) with `fraction`; a dash for None."""
    if value is None:
        return DASH
    number = float(value) * (100 if fraction else 1)
    return f"{number:.0f}%" if number == round(number) else f"{number:.1f}%"


def duration(seconds: float | None) -> str:
    """`850 ms`, `12.5 s`, `3 min 20 s`, `2 h 5 min`; a dash for None."""
    if seconds is None:
        return DASH
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest} s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours} h {rest // 60} min"


def plain(value: Any) -> str:
    """Any field value as text: money-like decimals with two places, booleans as yes/no, None a dash."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(plain(item) for item in value) or DASH
    return str(value)


def label(code: str | None) -> str:
    """A snake_case code as words: `review_required` -> `Review required`."""
    if not code:
        return DASH
    words = code.replace("_", " ").replace(".", " ").strip()
    return words[:1].upper() + words[1:]
