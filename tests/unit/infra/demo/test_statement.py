"""Statement figures exactly as samples/README.md defines them, and balances that carry month to month."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from infra.demo.business_days import federal_holidays, is_business_day
from infra.demo.ledger import AccountHolder, build_statements, misprinted_ending
from infra.demo.statement import Statement, Transaction, reconciles, statement_figures
from infra.demo.transactions import make_positions, mca_debit_days

D = Decimal
FEE_LINE = re.compile(r"\bNSF\b|RETURNED ITEM|INSUFFICIENT FUNDS")  # word-bounded: "TRANSFER" holds "NSF"
START, END = dt.date(2025, 2, 1), dt.date(2025, 2, 28)


def txn(day: int, amount: str, kind: str = "other") -> Transaction:
    return Transaction(dt.date(2025, 2, day), f"LINE {day}", D(amount), kind)


def test_figures_count_every_credit_and_debit_and_carry_balances_over_quiet_days() -> None:
    lines = [
        txn(3, "500.00", "card"),
        txn(3, "-700.00"),
        txn(3, "-35.00", "nsf"),
        txn(10, "1000.00", "transfer"),
        txn(20, "-64.50", "mca"),
    ]
    f = statement_figures(D("100.00"), lines, START, END)
    assert (f.total_deposits, f.deposit_count) == (D("1500.00"), 2)
    assert (f.total_withdrawals, f.withdrawal_count) == (D("799.50"), 3)
    assert f.ending_balance == D("800.50")
    assert f.nsf_count == 1
    # end-of-day balances: 100 on days 1-2, -135 on days 3-9, 865 on days 10-19, 800.50 on days 20-28
    assert f.negative_days == 7
    expected = (2 * D(100) + 7 * D(-135) + 10 * D(865) + 9 * D("800.50")) / 28
    assert f.average_daily_balance == expected.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert len(f.daily_balances) == 28


def test_a_period_without_transactions_keeps_its_opening_balance() -> None:
    f = statement_figures(D("-42.10"), [], START, END)
    assert (f.ending_balance, f.negative_days, f.average_daily_balance) == (D("-42.10"), 28, D("-42.10"))


def test_reconciliation_catches_a_misprinted_ending_balance() -> None:
    lines = [txn(5, "10.00"), txn(6, "-3.00")]
    assert reconciles(D("1.00"), lines, D("8.00"))
    assert not reconciles(D("1.00"), lines, D("8.10"))


def _holder() -> AccountHolder:
    return AccountHolder(
        "Test Bank", "1-800-555-0100", "123456789012", "ACME LLC", ("1 Main St", "Chicago, IL")
    )


def test_generated_months_reconcile_and_each_begins_where_the_last_ended() -> None:
    for seed in range(8):
        months = build_statements(
            random.Random(seed), _holder(), D("600000"), [(2024, 11), (2024, 12), (2025, 1)]
        )
        assert all(s.reconciles for s in months)
        for before, after in zip(months, months[1:], strict=False):
            assert after.beginning_balance == before.figures.ending_balance
            assert after.period_start == before.period_end + dt.timedelta(days=1)
        for s in months:
            nsf_lines = sum(1 for t in s.transactions if FEE_LINE.search(t.description))
            assert s.figures.nsf_count == nsf_lines


def test_a_misprinted_statement_no_longer_reconciles_but_keeps_its_transactions() -> None:
    rng = random.Random(3)
    s: Statement = build_statements(rng, _holder(), D("300000"), [(2025, 3)])[0]
    bad = replace(s, printed_ending=misprinted_ending(rng, s))
    assert not bad.reconciles
    assert bad.figures == s.figures
    assert abs(bad.shown_ending - s.figures.ending_balance) >= D("1.00")


def test_mca_positions_debit_every_business_day_or_once_a_week() -> None:
    days = [dt.date(2024, 11, d) for d in range(1, 31)]
    daily, weekly = make_positions(random.Random(1), D("50000"), 2)
    daily, weekly = replace(daily, frequency="daily"), replace(weekly, frequency="weekly", weekday=0)
    assert mca_debit_days(daily, days) == [d for d in days if is_business_day(d)]
    assert dt.date(2024, 11, 11) not in mca_debit_days(daily, days)  # Veterans Day
    assert dt.date(2024, 11, 28) not in mca_debit_days(daily, days)  # Thanksgiving
    assert mca_debit_days(weekly, days) == [
        dt.date(2024, 11, 4),
        dt.date(2024, 11, 12),
        dt.date(2024, 11, 18),
        dt.date(2024, 11, 25),
    ]


def test_sunday_holidays_are_observed_on_monday() -> None:
    assert dt.date(2022, 12, 26) in federal_holidays(2022)
    assert dt.date(2022, 12, 25) not in federal_holidays(2022)
