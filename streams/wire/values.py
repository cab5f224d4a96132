"""Field values on the wire: typed as the Avro contracts say (money as decimal, dates as date, PII as
an EncryptedValue) and back to the pipeline's own normalised text ('150000.00', '2024-11-01').

A value is typed only when the trip back restores it exactly; anything else travels as text, so a
value an extractor kept as read (an invalid one) is never altered on the way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from infra.crypto import KeyRing
from schemas.pii import decrypt_field, encrypt_field, is_encrypted_value
from streams.stages.extract.validators import format_money

PII_LEAVES = frozenset({"ssn", "date_of_birth", "account_number", "routing_number"})
MONEY_LEAVES = frozenset(
    {
        "annual_revenue",
        "amount_requested",
        "ownership_pct",
        "beginning_balance",
        "ending_balance",
        "total_deposits",
        "total_withdrawals",
        "average_daily_balance",
        "amount",
        "true_revenue",
    }
)
DATE_LEAVES = frozenset({"business_start_date", "period_start", "period_end", "first_date", "last_date"})
CENT = Decimal("0.01")


def leaf(path: str) -> str:
    """The last name of a field path ('owners[0].address.zip' -> 'zip')."""
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def as_money(value: Any) -> Decimal | None:
    """`value` as a 2-place Decimal, or None when it is not an exact money amount."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            return None
        if format_money(amount) != value:
            return None
    else:
        return None
    if not amount.is_finite() or amount.quantize(CENT) != amount:
        return None
    return amount.quantize(CENT)


def as_date(value: Any) -> dt.date | None:
    """`value` as a date, or None when it is not an ISO date that converts back unchanged."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            return None
        return date if date.isoformat() == value else None
    return None


def typed(path: str, value: Any) -> Any:
    """The value as the Avro contracts type it (money Decimal, date), or as it is when it is not one."""
    name = leaf(path)
    if name in MONEY_LEAVES or isinstance(value, Decimal):
        money = as_money(value)
        if money is not None:
            return money
        return str(value) if isinstance(value, Decimal) else value
    if name in DATE_LEAVES:
        date = as_date(value)
        return value if date is None else date
    return value


def to_wire(path: str, value: Any, ring: KeyRing) -> Any:
    """A field value ready for an event: PII encrypted for its field, money and dates typed."""
    if value is None:
        return None
    if leaf(path) in PII_LEAVES:
        return encrypt_field(ring, str(value), field=leaf(path))
    return typed(path, value)


def from_wire(path: str, value: Any, ring: KeyRing, *, keep_types: bool = False) -> Any:
    """The pipeline's value for a wire value: PII decrypted; with `keep_types` False (Field values)
    money and dates go back to the extractors' normalised text."""
    if value is None:
        return None
    if is_encrypted_value(value):
        return decrypt_field(ring, value, field=leaf(path))
    if keep_types:
        return value
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value
