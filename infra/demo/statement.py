"""Bank statement model and the figures the truth contract defines, computed from the transactions.

Pure: no rendering, no randomness. `statement_figures` follows samples/README.md exactly:
deposits over all credits, withdrawals over all debits, NSF count over NSF/returned-item fee lines,
negative days and the average daily balance over every calendar day (quiet days carry the balance).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal | int | float | str) -> Decimal:
    """Round to cents, half up (the way banks print)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Transaction:
    """One posted line: positive amount is a credit, negative a debit; `kind` is the generator's category."""

    day: dt.date
    description: str
    amount: Decimal
    kind: str

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


@dataclass(frozen=True)
class McaPosition:
    """An existing advance repaid by fixed ACH debits: `lender` is the descriptor text as printed."""

    lender: str
    frequency: str  # "daily" (every business day) or "weekly"
    amount: Decimal
    descriptor: str  # format with {lender}, {ref} and {trace}
    ref: str
    weekday: int = 0  # weekly debits: Monday=0


@dataclass(frozen=True)
class StatementFigures:
    """The scored figures of one statement period."""

    beginning_balance: Decimal
    ending_balance: Decimal
    total_deposits: Decimal
    deposit_count: int
    total_withdrawals: Decimal
    withdrawal_count: int
    nsf_count: int
    negative_days: int
    average_daily_balance: Decimal
    daily_balances: tuple[tuple[dt.date, Decimal], ...]


@dataclass(frozen=True)
class Statement:
    """One monthly statement of a business checking account.

    `printed_ending` differs from the computed ending balance only when the generator misprints the
    summary on purpose (a statement that does not reconcile).
    """

    bank_name: str
    service_phone: str
    account_number: str
    holder_name: str
    holder_address: tuple[str, str]
    period_start: dt.date
    period_end: dt.date
    beginning_balance: Decimal
    transactions: tuple[Transaction, ...]
    positions: tuple[McaPosition, ...] = ()
    printed_ending: Decimal | None = None
    figures: StatementFigures = field(init=False)

    def __post_init__(self) -> None:
        figures = statement_figures(
            self.beginning_balance, self.transactions, self.period_start, self.period_end
        )
        object.__setattr__(self, "figures", figures)

    @property
    def account_last4(self) -> str:
        return self.account_number[-4:]

    @property
    def shown_ending(self) -> Decimal:
        """The ending balance the document prints in its summary."""
        return self.printed_ending if self.printed_ending is not None else self.figures.ending_balance

    @property
    def reconciles(self) -> bool:
        return reconciles(self.beginning_balance, self.transactions, self.shown_ending)


def statement_figures(
    beginning: Decimal,
    transactions: tuple[Transaction, ...] | list[Transaction],
    start: dt.date,
    end: dt.date,
) -> StatementFigures:
    """Figures of the period [start, end] from its transactions (which must lie inside the period)."""
    if any(not start <= t.day <= end for t in transactions):
        raise ValueError("a transaction lies outside the statement period")
    credits = [t.amount for t in transactions if t.amount > 0]
    debits = [-t.amount for t in transactions if t.amount < 0]
    by_day: dict[dt.date, Decimal] = {}
    for t in transactions:
        by_day[t.day] = by_day.get(t.day, Decimal(0)) + t.amount
    balance = beginning
    daily: list[tuple[dt.date, Decimal]] = []
    day = start
    while day <= end:
        balance += by_day.get(day, Decimal(0))
        daily.append((day, balance))
        day += dt.timedelta(days=1)
    return StatementFigures(
        beginning_balance=money(beginning),
        ending_balance=money(balance),
        total_deposits=money(sum(credits, Decimal(0))),
        deposit_count=len(credits),
        total_withdrawals=money(sum(debits, Decimal(0))),
        withdrawal_count=len(debits),
        nsf_count=sum(1 for t in transactions if t.kind == "nsf"),
        negative_days=sum(1 for _, b in daily if b < 0),
        average_daily_balance=money(sum((b for _, b in daily), Decimal(0)) / len(daily)),
        daily_balances=tuple(daily),
    )


def reconciles(
    beginning: Decimal, transactions: tuple[Transaction, ...] | list[Transaction], ending: Decimal
) -> bool:
    """True when beginning + credits - debits equals `ending` to the cent."""
    return money(beginning + sum((t.amount for t in transactions), Decimal(0))) == money(ending)


def running_balances(beginning: Decimal, transactions: tuple[Transaction, ...]) -> list[Decimal]:
    """The balance after each transaction, in posting order."""
    out, balance = [], beginning
    for t in transactions:
        balance += t.amount
        out.append(balance)
    return out
