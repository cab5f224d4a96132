"""Listing applications: filters and keyset pagination over (received_at, application_id), newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from api.cursor import Cursor, encode_cursor
from api.models.applications import ApplicationPage, ApplicationSummary
from schemas.db.projection import Application, FundingRequest, Merchant

_EIN_DIGITS = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class ApplicationFilters:
    """What a list is narrowed to; None means no restriction. `received_to` is exclusive."""

    status: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    iso_broker: str | None = None
    merchant: str | None = None
    ein: str | None = None


def normalize_ein(value: str) -> str:
    """An EIN as stored (NN-NNNNNNN) when `value` has exactly nine digits, else `value` trimmed (pure)."""
    digits = re.sub(r"\D", "", value)
    return f"{digits[:2]}-{digits[2:]}" if _EIN_DIGITS.match(digits) else value.strip()


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern matching `text` anywhere, its own % and _ escaped with \\ (pure)."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query: Select, filters: ApplicationFilters) -> Select:
    if filters.status:
        query = query.where(Application.status == filters.status)
    if filters.received_from:
        query = query.where(Application.received_at >= filters.received_from)
    if filters.received_to:
        query = query.where(Application.received_at < filters.received_to)
    if filters.iso_broker:
        query = query.where(func.lower(Application.iso_broker) == filters.iso_broker.strip().lower())
    if filters.merchant:
        pattern = like_pattern(filters.merchant)
        query = query.where(
            or_(
                func.lower(Merchant.legal_name).like(pattern, escape="\\"),
                func.lower(Merchant.dba_name).like(pattern, escape="\\"),
            )
        )
    if filters.ein:
        query = query.where(Merchant.ein == normalize_ein(filters.ein))
    return query


def list_applications(
    session: Session, *, filters: ApplicationFilters, cursor: Cursor | None, limit: int
) -> ApplicationPage:
    """One page of at most `limit` applications after `cursor`, newest first."""
    # Named columns, not ORM entities: a page is read-only and goes straight into response models.
    query = (
        select(
            Application.application_id,
            Application.version,
            Application.status,
            Application.submission_id,
            Application.iso_broker,
            Application.review_reasons,
            Application.received_at,
            Application.updated_at,
            Merchant.legal_name.label("merchant_name"),
            Merchant.ein,
            FundingRequest.amount_requested,
        )
        .outerjoin(Merchant, Merchant.application_id == Application.application_id)
        .outerjoin(FundingRequest, FundingRequest.application_id == Application.application_id)
    )
    query = _filtered(query, filters)
    if cursor is not None:
        query = query.where(
            or_(
                Application.received_at < cursor.received_at,
                and_(
                    Application.received_at == cursor.received_at, Application.application_id < cursor.item_id
                ),
            )
        )
    query = query.order_by(Application.received_at.desc(), Application.application_id.desc()).limit(limit + 1)
    rows = session.execute(query).mappings().all()
    items = [
        ApplicationSummary(
            **{**row, "review_reasons": [str(reason.get("code")) for reason in row["review_reasons"] or ()]}
        )
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(Cursor(received_at=last.received_at, item_id=last.application_id))
    return ApplicationPage(items=items, next_cursor=next_cursor)
