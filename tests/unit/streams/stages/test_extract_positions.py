"""MCA positions: recurring fixed debits to one counterparty, daily or weekly, lender as printed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from streams.stages.extract.positions import counterparty, detect_positions
from streams.stages.extract.transactions import Transaction


def debit(day: dt.date, description: str, amount: str) -> Transaction:
    return Transaction(day, description, -Decimal(amount), None, 1, None, 1.0)


def business_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5]


NOVEMBER = business_days(dt.date(2024, 11, 1), dt.date(2024, 11, 29))


def test_counterparty_drops_channel_words_and_reference_numbers():
    assert counterparty("ACH DEBIT RAPIDADV CAP 303328") == "RAPIDADV CAP"
    assert counterparty("ACH WD KAPITUS SERV 99812 CCD") == "KAPITUS SERV"
    assert counterparty("PREAUTHORIZED DEBIT EVEREST BUS FUND ID#4421") == "EVEREST BUS FUND"


def test_daily_position_from_an_abbreviated_descriptor():
    rows = [debit(d, f"ACH DEBIT RAPIDADV CAP {303300 + i}", "410.99") for i, d in enumerate(NOVEMBER)]
    (position,) = detect_positions(rows)
    assert (position.lender, position.frequency, position.amount) == (
        "RAPIDADV CAP",
        "daily",
        Decimal("410.99"),
    )
    assert position.occurrences == len(NOVEMBER)


def test_daily_position_survives_a_few_missed_days():
    days = [d for i, d in enumerate(NOVEMBER) if i % 7 != 3]
    (position,) = detect_positions([debit(d, "ACH DEBIT GREENBOX CAP 560051", "361.50") for d in days])
    assert position.frequency == "daily"


def test_weekly_position():
    mondays = [dt.date(2024, 11, 4) + dt.timedelta(weeks=i) for i in range(4)]
    (position,) = detect_positions([debit(d, "ACH DEBIT FORA FIN 378276", "3579.00") for d in mondays])
    assert (position.lender, position.frequency, position.amount) == (
        "FORA FIN",
        "weekly",
        Decimal("3579.00"),
    )


def test_two_positions_with_other_debits_between():
    rows = [debit(d, "ACH DEBIT CFG MERCHANT SOL 151611", "528.00") for d in NOVEMBER]
    rows += [debit(d, "ACH DEBIT EBF HOLDINGS 509626", "323.00") for d in NOVEMBER[::1]]
    rows += [debit(d, "HOME DEPOT 7682", str(100 + i)) for i, d in enumerate(NOVEMBER)]
    lenders = {(p.lender, p.frequency) for p in detect_positions(rows)}
    assert lenders == {("CFG MERCHANT SOL", "daily"), ("EBF HOLDINGS", "daily")}


def test_recurring_payroll_rent_and_fees_are_not_positions():
    fridays = [dt.date(2024, 11, 1) + dt.timedelta(weeks=i) for i in range(5)]
    rows = [debit(d, "GUSTO PAYROLL 8812", "2500.00") for d in fridays]
    rows += [debit(d, "RETURNED ITEM CHARGE", "34.00") for d in fridays]
    rows += [debit(d, "ONLINE TRANSFER TO SAV XXXX1234", "1000.00") for d in fridays]
    assert detect_positions(rows) == []


def test_varying_amounts_are_not_a_position():
    rows = [debit(d, "ACH DEBIT SYSCO FOODS", str(500 + i)) for i, d in enumerate(NOVEMBER)]
    assert detect_positions(rows) == []
