"""The review queue's cards: each application in `review_required` with its reasons, the current
value of each field a reason names, and the paths a reviewer may correct (blocking reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from api.audit import RequestInfo
from api.models.applications import ApplicationDetail
from api.security import Principal
from api.services.detail import present_application
from api.services.loading import load_application
from api.ui.fields import correction_path, value_at
from infra.crypto import KeyRing


@dataclass(frozen=True)
class ReasonView:
    """A review reason and, when it names a correctable field, that field and its current value."""

    code: str
    message: str
    path: str | None
    value: Any


@dataclass(frozen=True)
class Card:
    """One application of the queue as a card."""

    detail: ApplicationDetail
    reasons: list[ReasonView] = field(default_factory=list)
    correctable: list[str] = field(default_factory=list)


def card_of(detail: ApplicationDetail) -> Card:
    """The card of an application's detail (pure)."""
    reasons = []
    for finding in detail.review_reasons:
        path = correction_path(finding.field)
        reasons.append(
            ReasonView(finding.code, finding.message, path, value_at(detail, path) if path else None)
        )
    paths = {correction_path(item.path) for item in detail.fields}
    return Card(detail, reasons, sorted(path for path in paths if path))


def read_card(
    session: Session, *, application_id: str, principal: Principal, request: RequestInfo, ring: KeyRing
) -> Card | None:
    """The card of one application (PII masked: the queue reveals none), or None when unknown."""
    rows = load_application(session, application_id=application_id)
    if rows is None:
        return None
    detail = present_application(
        session, rows=rows, principal=principal, request=request, ring=ring, reveal=False
    )
    return card_of(detail)
