"""Consecutive monthly statements of one account: positions, carried balances, optional misprint."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from infra.demo.business_days import month_days
from infra.demo.statement import Statement, money
from infra.demo.transactions import build_profile, make_positions, month_transactions

POSITION_COUNT_WEIGHTS = (40, 30, 20, 10)  # 0, 1, 2 or 3 existing positions


@dataclass(frozen=True)
class AccountHolder:
    """What a statement prints about the account and its owner."""

    bank_name: str
    service_phone: str
    account_number: str
    holder_name: str
    holder_address: tuple[str, str]


def build_statements(
    rng: random.Random, holder: AccountHolder, annual_revenue: Decimal, months: list[tuple[int, int]]
) -> list[Statement]:
    """One statement per (year, month) in `months` (consecutive), each beginning where the last ended.

    0-3 MCA positions: most run through every month; a later one arrives with its funding wire.
    """
    stressed = rng.random() < 0.35
    profile = build_profile(rng, annual_revenue, stressed)
    count = rng.choices(range(4), weights=POSITION_COUNT_WEIGHTS)[0]
    positions = make_positions(rng, profile.monthly_revenue, count)
    starts = [
        0 if len(months) == 1 or rng.random() < 0.75 else rng.randrange(1, len(months)) for _ in positions
    ]
    revenue = float(profile.monthly_revenue)
    beginning = money(revenue * (rng.uniform(-0.02, 0.08) if stressed else rng.uniform(0.1, 0.7)))
    out = []
    for i, (year, month) in enumerate(months):
        active = [p for p, s in zip(positions, starts, strict=True) if s <= i]
        funded = tuple(p for p, s in zip(positions, starts, strict=True) if s == i and i > 0)
        days = month_days(year, month)
        txns = month_transactions(rng, profile, year, month, beginning, active, funded)
        statement = Statement(
            bank_name=holder.bank_name,
            service_phone=holder.service_phone,
            account_number=holder.account_number,
            holder_name=holder.holder_name,
            holder_address=holder.holder_address,
            period_start=days[0],
            period_end=days[-1],
            beginning_balance=beginning,
            transactions=tuple(txns),
            positions=tuple(active),
        )
        out.append(statement)
        beginning = statement.figures.ending_balance
    return out


def misprinted_ending(rng: random.Random, statement: Statement) -> Decimal:
    """An ending balance that a summary box might misprint: digits transposed or off by a round amount."""
    true = statement.figures.ending_balance
    text = f"{abs(true):.2f}"
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    for _ in range(10):
        i = rng.choice(digits[:-1])
        j = digits[digits.index(i) + 1]
        swapped = list(text)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        candidate = Decimal("".join(swapped)) * (1 if true >= 0 else -1)
        if abs(candidate - true) >= Decimal("5.00"):
            return candidate
    return true + money(rng.choice((100, 250, 1000, -500)))
