"""Existing MCA positions: recurring fixed-amount debits to one counterparty.

The counterparty is the descriptor as printed, without its channel words ("ACH DEBIT") and the
reference numbers after the name, so `ACH DEBIT RAPIDADV CAP 303328` is lender `RAPIDADV CAP`.
A position is `daily` when the same amount goes to the same counterparty on (nearly) every
business day, `weekly` when it goes about every seven days. Debits that recur for other reasons
(payroll, rent, insurance, transfers: labels.json "positions.non_lender_words") are not positions.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal

from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import norm_token
from streams.stages.extract.transactions import Transaction
from streams.stages.text import Box

MIN_DAILY = 5
MIN_WEEKLY = 3
DAILY_COVERAGE = 0.6


@dataclass(frozen=True)
class McaPosition:
    """One detected position: lender as printed, frequency, the fixed amount and its evidence."""

    lender: str
    frequency: Literal["daily", "weekly"]
    amount: Decimal
    occurrences: int
    first_date: dt.date
    last_date: dt.date
    confidence: float
    page: int | None = None
    box: Box | None = None


@cache
def _vocab() -> tuple[tuple[tuple[str, ...], ...], frozenset[str], frozenset[str]]:
    data = label_data()["positions"]
    prefixes = tuple(
        sorted(
            (tuple(norm_token(t) for t in p.split()) for p in data["descriptor_prefixes"]),
            key=len,
            reverse=True,
        )
    )
    return (
        prefixes,
        frozenset(norm_token(w) for w in data["non_lender_words"]),
        frozenset(norm_token(w) for w in data["lender_words"]),
    )


def counterparty(description: str) -> str:
    """The payee name inside a descriptor: channel words before it and reference ids after it cut."""
    words = description.replace(":", " ").split()
    prefixes, _, _ = _vocab()
    changed = True
    while changed and words:
        changed = False
        tokens = [norm_token(w) for w in words]
        for prefix in prefixes:
            if prefix and tuple(tokens[: len(prefix)]) == prefix and len(words) > len(prefix):
                words = words[len(prefix) :]
                changed = True
                break
        while words and not norm_token(words[0]):
            words, changed = words[1:], True
    name: list[str] = []
    stops = _stops()
    for word in words:
        if any(c.isdigit() for c in word) or word.startswith("#") or (name and norm_token(word) in stops):
            break
        name.append(word)
    return " ".join(name).strip(" -*/") or " ".join(words)


@cache
def _stops() -> frozenset[str]:
    """Words after which a descriptor carries codes, not the name ("DES:", "ID:", "CCD")."""
    return frozenset(label_data()["positions"]["descriptor_stops"])


def _excluded(name: str) -> bool:
    _, non_lender, _ = _vocab()
    tokens = {norm_token(w) for w in name.split()}
    return bool(tokens & non_lender)


def _business_days(start: dt.date, end: dt.date) -> int:
    days = (end - start).days + 1
    return sum(1 for i in range(days) if (start + dt.timedelta(days=i)).weekday() < 5)


def _frequency(dates: Sequence[dt.date]) -> Literal["daily", "weekly"] | None:
    if len(dates) < 2:
        return None
    gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
    median_gap = statistics.median(gaps)
    coverage = len(dates) / max(_business_days(dates[0], dates[-1]), 1)
    if len(dates) >= MIN_DAILY and median_gap <= 3 and coverage >= DAILY_COVERAGE:
        return "daily"
    weekly_gaps = all(4 <= g <= 10 for g in gaps) or (
        len(gaps) >= 3 and sum(4 <= g <= 10 for g in gaps) >= len(gaps) - 1
    )
    if 6 <= median_gap <= 8 and weekly_gaps and (len(dates) >= MIN_WEEKLY or gaps == [7]):
        return "weekly"
    return None


def detect_positions(rows: Sequence[Transaction]) -> list[McaPosition]:
    """Positions seen in one statement's rows, largest daily burden first."""
    groups: dict[tuple[str, Decimal], list[Transaction]] = defaultdict(list)
    for row in rows:
        if row.amount < 0:
            name = counterparty(row.description)
            if name and not _excluded(name):
                groups[(name.upper(), -row.amount)].append(row)
    _, _, lender_words = _vocab()
    positions = []
    for (_, amount), hits in groups.items():
        dates = sorted({r.date for r in hits})
        frequency = _frequency(dates)
        if frequency is None:
            continue
        printed = counterparty(hits[0].description)
        looks_like_lender = bool({norm_token(w) for w in printed.split()} & lender_words)
        confidence = min(r.confidence for r in hits) * (1.0 if looks_like_lender else 0.85)
        positions.append(
            McaPosition(
                lender=printed,
                frequency=frequency,
                amount=amount,
                occurrences=len(hits),
                first_date=dates[0],
                last_date=dates[-1],
                confidence=round(confidence, 4),
                page=hits[0].page,
                box=hits[0].box,
            )
        )
    weight = {"daily": 5, "weekly": 1}
    return sorted(positions, key=lambda p: -(p.amount * weight[p.frequency]))


def monthly_burden(position: McaPosition) -> Decimal:
    """About what a position takes per month: 21 business days or 4.33 weeks of payments."""
    return position.amount * (Decimal(21) if position.frequency == "daily" else Decimal("4.33"))
