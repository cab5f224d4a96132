"""Managing users and API keys as an admin, audited: what the API's /users and /api-keys routes and
the web UI's users page both do. Each change is committed together with its audit record
(`commit_with_audit`); details name roles and fields, never passwords or keys.

After a change to a user or key, the caller clears its principal cache so the change applies at
the next request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import RequestInfo, commit_with_audit
from api.security import Principal
from api.services import users as service
from schemas.db.records import ApiKey, User


def all_users(session: Session) -> list[User]:
    """Every user, by email."""
    return list(session.scalars(select(User).order_by(User.email)))


def all_api_keys(session: Session) -> list[ApiKey]:
    """Every API key, newest first (rows only: the keys themselves are never stored)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))


def add_user(
    session: Session,
    *,
    principal: Principal,
    request: RequestInfo,
    email: str,
    role: str,
    full_name: str | None = None,
    password: str | None = None,
) -> service.CreatedUser:
    """Create a user (a one-time password when none is given), audited `user.create`.

    Raises service.DuplicateError when the email is taken."""
    created = service.create_user(session, email=email, role=role, full_name=full_name, password=password)
    commit_with_audit(session, principal=principal, request=request, action="user.create",
                      target=("user", created.user.id), detail={"role": role})
    return created


def change_user(
    session: Session,
    *,
    principal: Principal,
    request: RequestInfo,
    user_id: str,
    full_name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Apply the given changes (None leaves a field as it is); audited `user.update` with the names
    of the fields changed when any did. Raises service.UnknownRecordError."""
    user, changed = service.update_user(
        session, user_id=user_id, full_name=full_name, role=role, is_active=is_active, password=password
    )
    if changed:
        commit_with_audit(session, principal=principal, request=request, action="user.update",
                          target=("user", user_id), detail={"fields": changed, "role": user.role})
    else:
        session.commit()
    return user


def add_api_key(
    session: Session,
    *,
    principal: Principal,
    request: RequestInfo,
    name: str,
    role: str | None = None,
    user_id: str | None = None,
    expires_at: datetime | None = None,
) -> service.CreatedKey:
    """Create an API key (the key is in the result, once; the role defaults to its user's, or partner),
    audited `api_key.create`. Raises service.UnknownRecordError for an unknown `user_id`."""
    created = service.create_api_key(session, name=name, role=role, user_id=user_id, expires_at=expires_at)
    commit_with_audit(session, principal=principal, request=request, action="api_key.create",
                      target=("api_key", created.row.id),
                      detail={"role": created.row.role, "user_id": user_id, "prefix": created.row.prefix})
    return created


def revoke_key(session: Session, *, principal: Principal, request: RequestInfo, key_id: str) -> ApiKey:
    """Revoke an API key at once (idempotent), audited `api_key.revoke`.

    Raises service.UnknownRecordError."""
    row = service.revoke_api_key(session, key_id=key_id)
    commit_with_audit(session, principal=principal, request=request, action="api_key.revoke",
                      target=("api_key", key_id))
    return row
