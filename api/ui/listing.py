"""The applications table of the UI: filters, a search box (merchant name or EIN), sorting by any
column and keyset (cursor) pagination over (sort value, application id), both directions.

The API's list (api/services/applications.py) pages newest first only; the table also sorts by
merchant, amount, monthly true revenue, positions, status and ISO broker, so it has its own query
built from the same filter helpers. Nullable sort columns compare through a sentinel, so a keyset
cursor stays exact across rows without a value.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from api.services.applications import like_pattern, normalize_ein
from schemas.db.base import Money
from schemas.db.projection import Application, FundingRequest, McaPosition, Merchant

STATUSES = ("processed", "review_required", "rejected", "duplicate", "failed")
SORT_KINDS = {
    "received": "datetime",
    "merchant": "text",
    "amount": "money",
    "revenue": "money",
    "positions": "int",
    "status": "text",
    "iso": "text",
}
_EIN_LIKE = re.compile(r"^[\d\s-]+$")


class InvalidListCursorError(ValueError):
    """A cursor this table did not make, or made for another sort."""


@dataclass(frozen=True)
class ListQuery:
    """What the table shows: filters (None: any), the search text, and the sort."""

    status: str | None = None
    received_from: date | None = None
    received_to: date | None = None  # inclusive
    iso_broker: str | None = None
    search: str | None = None
    sort: str = "received"
    descending: bool = True


@dataclass(frozen=True)
class ListRow:
    """One row of the table."""

    application_id: str
    version: int
    status: str
    iso_broker: str
    merchant_name: str | None
    dba_name: str | None
    ein: str | None
    amount_requested: Decimal | None
    monthly_true_revenue: Decimal | None
    positions: int
    received_at: datetime
    review_reasons: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ListPage:
    """A page of rows and the cursor of the next one (None at the end)."""

    rows: list[ListRow]
    next_cursor: str | None


def search_terms(text: str | None) -> tuple[str | None, str | None]:
    """(merchant, ein) of a search box: nine digits (with dashes or spaces) search the EIN, anything
    else the legal or DBA name (pure)."""
    if not text or not text.strip():
        return None, None
    digits = re.sub(r"\D", "", text)
    if _EIN_LIKE.match(text.strip()) and len(digits) == 9:
        return None, normalize_ein(digits)
    return text.strip(), None


def day_start(value: date) -> datetime:
    """Midnight UTC at the start of `value`."""
    return datetime.combine(value, time(0), tzinfo=UTC)


def _positions() -> Any:
    return (
        select(func.count())
        .where(McaPosition.application_id == Application.application_id)
        .correlate(Application)
        .scalar_subquery()
    )


def _sort_expression(sort: str) -> Any:
    if sort == "merchant":
        return func.coalesce(func.lower(Merchant.legal_name), "")
    if sort == "amount":
        return func.coalesce(FundingRequest.amount_requested, literal(-1, Money))
    if sort == "revenue":
        return func.coalesce(Application.bank_average_monthly_true_revenue, literal(-1, Money))
    if sort == "positions":
        return _positions()
    if sort == "status":
        return Application.status
    if sort == "iso":
        return func.lower(Application.iso_broker)
    return Application.received_at


def filtered(query: Select[Any], list_query: ListQuery) -> Select[Any]:
    """`query` (which joins merchants) narrowed to the list query's filters."""
    if list_query.status:
        query = query.where(Application.status == list_query.status)
    if list_query.received_from:
        query = query.where(Application.received_at >= day_start(list_query.received_from))
    if list_query.received_to:
        query = query.where(Application.received_at < day_start(list_query.received_to + timedelta(days=1)))
    if list_query.iso_broker and list_query.iso_broker.strip():
        query = query.where(func.lower(Application.iso_broker) == list_query.iso_broker.strip().lower())
    merchant, ein = search_terms(list_query.search)
    if merchant:
        pattern = like_pattern(merchant)
        query = query.where(
            or_(
                func.lower(Merchant.legal_name).like(pattern, escape="\\"),
                func.lower(Merchant.dba_name).like(pattern, escape="\\"),
            )
        )
    if ein:
        query = query.where(Merchant.ein == ein)
    return query


def encode_list_cursor(sort: str, descending: bool, value: Any, application_id: str) -> str:
    """The opaque cursor after a row whose sort value is `value` (pure)."""
    text = value.isoformat() if isinstance(value, datetime) else None if value is None else str(value)
    payload = json.dumps([sort, descending, text, application_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_list_cursor(cursor: str, *, sort: str, descending: bool) -> tuple[Any, str]:
    """(sort value, application id) of a cursor made for this sort; raises InvalidListCursorError."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_sort, made_descending, text, application_id = json.loads(raw.decode())
        kind = SORT_KINDS[sort]
        value: Any
        if kind == "datetime":
            value = datetime.fromisoformat(text).astimezone(UTC)
        elif kind == "money":
            value = Decimal(text)
        elif kind == "int":
            value = int(text)
        else:
            value = str(text)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError, InvalidOperation) as exc:
        raise InvalidListCursorError("malformed cursor") from exc
    if made_sort != sort or made_descending != descending or not isinstance(application_id, str):
        raise InvalidListCursorError("cursor of another sort")
    return value, application_id


def _select(list_query: ListQuery) -> tuple[Select[Any], ColumnElement[Any]]:
    sort_value = _sort_expression(list_query.sort).label("sort_value")
    query = (
        select(
            Application.application_id,
            Application.version,
            Application.status,
            Application.iso_broker,
            Application.review_reasons,
            Application.received_at,
            Application.bank_average_monthly_true_revenue.label("monthly_true_revenue"),
            Merchant.legal_name.label("merchant_name"),
            Merchant.dba_name,
            Merchant.ein,
            FundingRequest.amount_requested,
            _positions().label("positions"),
            sort_value,
        )
        .outerjoin(Merchant, Merchant.application_id == Application.application_id)
        .outerjoin(FundingRequest, FundingRequest.application_id == Application.application_id)
    )
    return filtered(query, list_query), _sort_expression(list_query.sort)


def _rows(records: Sequence[Any]) -> list[ListRow]:
    return [
        ListRow(
            application_id=r["application_id"],
            version=r["version"],
            status=r["status"],
            iso_broker=r["iso_broker"],
            merchant_name=r["merchant_name"],
            dba_name=r["dba_name"],
            ein=r["ein"],
            amount_requested=r["amount_requested"],
            monthly_true_revenue=r["monthly_true_revenue"],
            positions=int(r["positions"] or 0),
            received_at=r["received_at"],
            review_reasons=list(r["review_reasons"] or ()),
        )
        for r in records
    ]


def list_page(session: Session, list_query: ListQuery, *, cursor: str | None, limit: int) -> ListPage:
    """One page of at most `limit` rows after `cursor` (raises InvalidListCursorError)."""
    query, expression = _select(list_query)
    if cursor:
        value, after_id = decode_list_cursor(cursor, sort=list_query.sort, descending=list_query.descending)
        if list_query.descending:
            query = query.where(
                or_(expression < value, and_(expression == value, Application.application_id < after_id))
            )
        else:
            query = query.where(
                or_(expression > value, and_(expression == value, Application.application_id > after_id))
            )
    if list_query.descending:
        query = query.order_by(expression.desc(), Application.application_id.desc())
    else:
        query = query.order_by(expression.asc(), Application.application_id.asc())
    records = session.execute(query.limit(limit + 1)).mappings().all()
    rows = _rows(records[:limit])
    next_cursor = None
    if len(records) > limit:
        last = records[limit - 1]
        next_cursor = encode_list_cursor(
            list_query.sort, list_query.descending, last["sort_value"], last["application_id"]
        )
    return ListPage(rows, next_cursor)


def iso_brokers(session: Session, *, limit: int = 200) -> list[str]:
    """The ISO brokers seen, alphabetically (for the filter's choices)."""
    query = select(Application.iso_broker).distinct().order_by(Application.iso_broker).limit(limit)
    return [str(name) for name in session.scalars(query)]
