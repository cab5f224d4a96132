"""Seeded day-by-day transactions of a small business checking account.

Credits: card settlements, cash and mobile deposits, transfers from the owner's savings, now and then
loan or advance proceeds. Debits: vendors, payroll and its taxes, rent, utilities, card purchases,
bank fees, existing MCA positions as fixed ACH debits, and an NSF fee after a debit that overdraws.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from infra.demo.business_days import is_business_day, month_days, next_business_day
from infra.demo.statement import McaPosition, Transaction, money
from infra.demo.vocabulary import LENDERS, NAME_STEMS

PROCESSORS = (
    "BANKCARD DEP {mid}",
    "MERCH SETTLEMENT {mid}",
    "CARD SVCS DEPOSIT {mid}",
    "POS BATCH CREDIT {mid}",
    "PAYMENTECH DEP {mid}",
    "ELECTRONIC DEP MERCH {mid}",
)
SECOND_PROCESSORS = ("AMEX SETTLEMENT {mid}", "ONLINE PMTS PAYOUT {mid}", "DELIVERY APP PAYOUT {mid}")
CASH_DEPOSITS = (
    "BRANCH DEPOSIT",
    "ATM CASH DEPOSIT",
    "COUNTER DEPOSIT",
    "MOBILE CHECK DEPOSIT",
    "REMOTE DEPOSIT CAPTURE",
)
PAYROLL = (
    "PAYROLL DIRECT DEP {ref}",
    "EMPLOYEE NET PAY {ref}",
    "PAYROLL SVC NET {ref}",
    "WAGE PMT PPD {ref}",
)
VENDOR_FORMS = ("ACH PMT {name}", "{name} ACH PPD", "BILL PAY {name}", "ONLINE PMT TO {name}")
VENDOR_WORDS = ("SUPPLY", "DISTRIBUTORS", "WHOLESALE", "FOODS", "PARTS", "MATERIALS", "PRODUCE", "SALES")
CARD_SHOPS = (
    "QUIKFUEL #2231",
    "BIGBOX HARDWARE",
    "OFFICEPRO SUPPLY",
    "CLOUDHOST SVCS",
    "METRO PARKING",
    "FASTSHIP POSTAGE",
    "SUPERSTORE #1182",
    "WEBADS MKTG",
    "CITY SIGN SHOP",
    "PARTS EXPRESS",
)
UTILITIES = (
    "CITY POWER & LIGHT UTIL",
    "METRO WATER DEPT",
    "TELECOM BUSINESS SVC",
    "GAS UTILITY CO",
    "WASTE MGMT SVCS",
)
NSF_FEES = (
    "NSF FEE",
    "RETURNED ITEM FEE",
    "INSUFFICIENT FUNDS FEE",
    "NSF RETURN ITEM CHARGE",
    "RETURNED ITEM CHARGEBACK FEE",
)
MCA_FORMS = (
    "ACH DEBIT {lender} {ref}",
    "ACH WITHDRAWAL {lender} ID{ref}",
    "PREAUTHORIZED DEBIT {lender} {ref}",
    "ELECTRONIC PMT {lender} {ref}",
    "{lender} DES:DEBIT ID:{ref} CCD",
    "ACH DEBIT {lender} {ref} TRN {trace}",
)


@dataclass(frozen=True)
class LedgerProfile:
    """How one merchant's account behaves month after month."""

    monthly_revenue: Decimal
    processor: str
    second_processor: str | None
    weekend_sales: bool
    payroll: str
    payroll_weekday: int
    payroll_share: float
    rent: Decimal
    rent_day: int
    landlord: str
    vendors: tuple[str, ...]
    utilities: tuple[str, ...]
    spend_ratio: float
    savings_last4: str
    stressed: bool


def build_profile(rng: random.Random, annual_revenue: Decimal, stressed: bool) -> LedgerProfile:
    """A ledger profile for a merchant with `annual_revenue`; `stressed` accounts run near or below zero."""
    monthly = money(annual_revenue / 12 * Decimal(str(rng.uniform(0.85, 1.1))))
    mid = str(rng.randrange(10**9, 10**10))
    vendors = tuple(
        rng.choice(VENDOR_FORMS).format(name=f"{rng.choice(NAME_STEMS).upper()} {rng.choice(VENDOR_WORDS)}")
        for _ in range(rng.randint(3, 6))
    )
    return LedgerProfile(
        monthly_revenue=monthly,
        processor=rng.choice(PROCESSORS).format(mid=mid[:8]),
        second_processor=rng.choice(SECOND_PROCESSORS).format(mid=mid[-6:]) if rng.random() < 0.5 else None,
        weekend_sales=rng.random() < 0.6,
        payroll=rng.choice(PAYROLL).format(ref=rng.randrange(10**5, 10**6)),
        payroll_weekday=rng.choice((3, 4)),
        payroll_share=rng.uniform(0.18, 0.32),
        rent=money(round(float(monthly) * rng.uniform(0.05, 0.11), -1)),
        rent_day=rng.randint(1, 5),
        landlord=f"RENT {rng.choice(NAME_STEMS).upper()} PROPERTIES",
        vendors=vendors,
        utilities=tuple(rng.sample(UTILITIES, rng.randint(2, 3))),
        spend_ratio=rng.uniform(1.0, 1.1) if stressed else rng.uniform(0.88, 1.0),
        savings_last4=f"{rng.randrange(10**4):04d}",
        stressed=stressed,
    )


def make_positions(rng: random.Random, monthly_revenue: Decimal, count: int) -> list[McaPosition]:
    """`count` existing MCA positions with distinct lenders, together at most ~30% of revenue."""
    out = []
    for lender in rng.sample(LENDERS, count):
        share = rng.uniform(0.04, 0.30 / max(count, 1))
        daily = rng.random() < 0.7
        per_month = float(monthly_revenue) * share
        amount = per_month / 21 if daily else per_month / 4.3
        cents = rng.choice((0.0, 0.0, 0.5, 0.99, 0.25, rng.randrange(100) / 100))
        out.append(
            McaPosition(
                lender=lender,
                frequency="daily" if daily else "weekly",
                amount=money(int(amount) + cents),
                descriptor=rng.choice(MCA_FORMS),
                ref=str(rng.randrange(10**5, 10**9)),
                weekday=rng.randint(0, 4),
            )
        )
    return out


def mca_debit_days(position: McaPosition, days: list[dt.date]) -> list[dt.date]:
    """Days of `days` on which `position` debits: every business day, or its weekday (next business day)."""
    if position.frequency == "daily":
        return [d for d in days if is_business_day(d)]
    hits = {next_business_day(d) for d in days if d.weekday() == position.weekday}
    return sorted(d for d in hits if d in days)


def _scaled(rng: random.Random, base: float, spread: float = 0.3) -> Decimal:
    return money(max(5.0, base * rng.lognormvariate(0, spread)))


def _planned(
    rng: random.Random, p: LedgerProfile, days: list[dt.date], positions: list[McaPosition]
) -> dict[dt.date, list[Transaction]]:
    """Every transaction of the month except savings transfers and NSF fees, by day."""
    plan: dict[dt.date, list[Transaction]] = {d: [] for d in days}
    revenue = float(p.monthly_revenue)
    bdays = [d for d in days if is_business_day(d)]

    def add(day: dt.date, text: str, amount: Decimal, kind: str) -> None:
        plan[day].append(Transaction(day, text, amount, kind))

    daily_rev = revenue / max(len(bdays), 1)
    for d in bdays:
        weight = 1.9 if p.weekend_sales and d.weekday() == 0 else 1.0
        add(d, p.processor, _scaled(rng, daily_rev * 0.62 * weight), "card")
        if p.second_processor and rng.random() < 0.45:
            add(d, p.second_processor, _scaled(rng, daily_rev * 0.25), "card")
    for _ in range(rng.randint(3, 7)):
        add(rng.choice(bdays), rng.choice(CASH_DEPOSITS), _scaled(rng, daily_rev * 0.6, 0.5), "cash")
    if rng.random() < 0.07:
        add(
            rng.choice(bdays),
            rng.choice(("SBA LOAN PROCEEDS", "LOAN PROCEEDS CREDIT", "LINE OF CREDIT ADVANCE")),
            money(round(revenue * rng.uniform(0.2, 0.5), -2)),
            "loan",
        )

    spent = 0.0
    runs = [d for d in bdays if d.weekday() == p.payroll_weekday][::2] or bdays[-1:]
    for d in runs:
        gross = revenue * p.payroll_share / len(runs)
        add(d, p.payroll, _scaled(rng, gross * 0.8, 0.05), "payroll")
        add(
            d, "EFTPS FED TAX PMT " + str(rng.randrange(10**6, 10**7)), _scaled(rng, gross * 0.2, 0.05), "tax"
        )
        spent += gross
    add(next_business_day(days[p.rent_day - 1]), p.landlord, p.rent, "rent")
    spent += float(p.rent)
    for utility in p.utilities:
        amount = _scaled(rng, revenue * 0.012, 0.25)
        add(rng.choice(bdays), utility, amount, "utility")
        spent += float(amount)
    for _ in range(rng.randint(6, 18)):
        amount = _scaled(rng, 90, 0.8)
        add(rng.choice(days), f"DEBIT CARD PURCHASE {rng.choice(CARD_SHOPS)}", amount, "purchase")
        spent += float(amount)
    for position in positions:
        for d in mca_debit_days(position, days):
            text = position.descriptor.format(
                lender=position.lender, ref=position.ref, trace=rng.randrange(10**6, 10**7)
            )
            add(d, text, position.amount, "mca")
            spent += float(position.amount)
    add(
        days[-1],
        rng.choice(("MONTHLY MAINTENANCE FEE", "ACCOUNT ANALYSIS FEE", "SERVICE CHARGE")),
        money(rng.choice((12, 15, 25, 30, 35))),
        "fee",
    )
    budget = max(revenue * p.spend_ratio - spent, revenue * 0.08)
    n_vendor = rng.randint(6, 14)
    for _ in range(n_vendor):
        name = rng.choice(p.vendors) if rng.random() < 0.75 else f"CHECK #{rng.randint(1001, 4999)}"
        add(rng.choice(bdays), name, _scaled(rng, budget / n_vendor, 0.35), "vendor")
    return {
        d: [
            Transaction(
                t.day, t.description, t.amount if t.kind in ("card", "cash", "loan") else -t.amount, t.kind
            )
            for t in items
        ]
        for d, items in plan.items()
    }


def month_transactions(
    rng: random.Random,
    profile: LedgerProfile,
    year: int,
    month: int,
    beginning: Decimal,
    positions: list[McaPosition],
    funded: tuple[McaPosition, ...] = (),
) -> list[Transaction]:
    """One calendar month of posted transactions starting from `beginning`, in posting order.

    `positions` debit through the month; `funded` are advances whose proceeds arrive by wire this month.
    """
    days = month_days(year, month)
    plan = _planned(rng, profile, days, positions)
    first = next_business_day(days[0])
    for position in funded:
        proceeds = money(
            round(
                float(position.amount)
                * (rng.randint(110, 160) if position.frequency == "daily" else rng.randint(22, 35)),
                -2,
            )
        )
        plan[first].append(
            Transaction(first, f"INCOMING WIRE {position.lender} FUNDING", proceeds, "advance")
        )
    revenue = float(profile.monthly_revenue)
    out: list[Transaction] = []
    balance = beginning
    for day in days:
        items = plan[day]
        rng.shuffle(items)
        items.sort(key=lambda t: t.amount < 0)  # banks post the day's credits before its debits
        if is_business_day(day) and balance < Decimal(revenue * 0.02) and rng.random() < 0.3:
            amount = money(round(revenue * rng.uniform(0.03, 0.1), -2))
            items.insert(
                0,
                Transaction(
                    day, f"ONLINE TRANSFER FROM SAV XXXXXX{profile.savings_last4}", amount, "transfer"
                ),
            )
        elif is_business_day(day) and balance > Decimal(revenue * 0.9) and rng.random() < 0.3:
            amount = money(round(revenue * rng.uniform(0.1, 0.25), -2))
            items.append(
                Transaction(day, f"ONLINE TRANSFER TO SAV XXXXXX{profile.savings_last4}", -amount, "transfer")
            )
        fees_today = 0
        for t in items:
            out.append(t)
            balance += t.amount
            if t.amount < 0 and balance < 0 and fees_today < 2 and rng.random() < 0.45:
                fee = Transaction(day, rng.choice(NSF_FEES), -money(rng.choice((30, 34, 35, 36))), "nsf")
                out.append(fee)
                balance += fee.amount
                fees_today += 1
    return out
