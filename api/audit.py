"""Audit and access records: who did what, and who read what.

Every change (correction, review, reprocess, webhook and user changes) and every read of PII adds
an `audit_log` row; every document access an `access_log` row. The rows are added to the caller's
session and committed with the caller's own work, so a change and its audit record stand or fall
together; for a PII read the record is committed before the PII is answered. Details name fields
and ids, never values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from api.security import Principal
from schemas.db.records import AccessRecord, AuditRecord


@dataclass(frozen=True)
class RequestInfo:
    """What the logs say about the request itself."""

    request_id: str | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    method: str = "GET"
    path: str = ""


def audit(
    session: Session,
    *,
    principal: Principal,
    action: str,
    target_type: str,
    target_id: str | None,
    request: RequestInfo,
    detail: dict[str, Any] | None = None,
) -> AuditRecord:
    """Add an audit record to `session` (committed with the caller's work)."""
    record = AuditRecord(
        at=datetime.now(UTC),
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        request_id=request.request_id,
        client_ip=request.client_ip,
    )
    session.add(record)
    return record


def commit_with_audit(
    session: Session,
    *,
    principal: Principal,
    request: RequestInfo,
    action: str,
    target: tuple[str, str | None],
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit a change (target = (type, id)) and commit it together with the change itself."""
    audit(session, principal=principal, action=action, target_type=target[0], target_id=target[1],
          request=request, detail=detail)
    session.commit()


def access(
    session: Session,
    *,
    principal: Principal | None,
    request: RequestInfo,
    status_code: int,
    resource_type: str,
    resource_id: str | None,
    latency_ms: int | None = None,
) -> AccessRecord:
    """Add an access record to `session` (committed with the caller's work)."""
    record = AccessRecord(
        at=datetime.now(UTC),
        actor=principal.actor if principal else None,
        method=request.method,
        path=request.path[:2048],
        status_code=status_code,
        resource_type=resource_type,
        resource_id=resource_id,
        latency_ms=latency_ms,
        client_ip=request.client_ip,
        user_agent=(request.user_agent or "")[:512] or None,
        request_id=request.request_id,
    )
    session.add(record)
    return record
