"""Users and API keys in the system-of-record tables, shared by the API routes and `mca users`.

Functions add rows to the caller's session; the caller audits and commits, so a change and its
audit record commit together. Passwords are stored as Argon2id hashes and API keys as SHA-256
hashes; the clear password or key is returned once, to be shown once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.security import hash_password, new_api_key, one_time_password, verify_password
from schemas.db.records import ROLES, ApiKey, User


class DuplicateError(ValueError):
    """A user with that email exists already (409)."""


class UnknownRecordError(LookupError):
    """No user or API key with that id (404)."""


@dataclass(frozen=True)
class CreatedUser:
    """A new user row and, when none was given, the one-time password to show once."""

    user: User
    one_time_password: str | None


@dataclass(frozen=True)
class CreatedKey:
    """A new API key row and the key itself, to show once."""

    row: ApiKey
    key: str


def create_user(
    session: Session, *, email: str, role: str, full_name: str | None = None, password: str | None = None
) -> CreatedUser:
    """Add a user (email lower-cased); raises DuplicateError when the email is taken, ValueError for an
    unknown role."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    address = email.strip().lower()
    if session.scalars(select(User.id).where(func.lower(User.email) == address)).first() is not None:
        raise DuplicateError(f"a user with email {address} exists")
    generated = None if password else one_time_password()
    now = datetime.now(UTC)
    user = User(
        email=address,
        full_name=full_name,
        password_hash=hash_password(password or generated or ""),
        role=role,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return CreatedUser(user, generated)


def find_user(session: Session, *, user_id: str | None = None, email: str | None = None) -> User | None:
    """A user by id or by email (case-insensitive)."""
    if user_id is not None:
        return session.get(User, user_id)
    if email is not None:
        return session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    return None


@cache
def _decoy_hash() -> str:
    """A hash no password matches, verified for unknown emails so they cost what a real check does."""
    return hash_password(one_time_password())


def credentials_match(user: User | None, password: str) -> bool:
    """Whether `user` exists, is active and has `password`; one Argon2 verification in every case, so
    the time taken tells nothing about whether the account exists or is active."""
    matched = verify_password(user.password_hash if user is not None else _decoy_hash(), password)
    return matched and user is not None and user.is_active


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this email and password (recording the login), else None (unthrottled:
    sign-in routes go through api.services.sign_in)."""
    user = find_user(session, email=email)
    matched = credentials_match(user, password)
    if user is None or not matched:
        return None
    user.last_login_at = datetime.now(UTC)
    return user


def update_user(
    session: Session,
    *,
    user_id: str,
    full_name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> tuple[User, list[str]]:
    """Apply the given changes; returns the user and the names of the fields changed."""
    user = session.get(User, user_id)
    if user is None:
        raise UnknownRecordError("no such user")
    changed = []
    for name, value in (("full_name", full_name), ("role", role), ("is_active", is_active)):
        if value is not None and getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if password is not None:
        user.password_hash = hash_password(password)
        changed.append("password")
    if changed:
        user.updated_at = datetime.now(UTC)
    return user, changed


def create_api_key(
    session: Session,
    *,
    name: str,
    role: str | None = None,
    user_id: str | None = None,
    expires_at: datetime | None = None,
) -> CreatedKey:
    """Add an API key; the role defaults to its user's role, or partner without a user."""
    owner = None
    if user_id is not None:
        owner = session.get(User, user_id)
        if owner is None:
            raise UnknownRecordError("no such user")
    chosen = role or (owner.role if owner else "partner")
    if chosen not in ROLES:
        raise ValueError(f"unknown role {chosen!r}")
    made = new_api_key()
    row = ApiKey(
        name=name,
        prefix=made.prefix,
        key_hash=made.key_hash,
        role=chosen,
        user_id=user_id,
        created_at=datetime.now(UTC),
        expires_at=_utc(expires_at),
    )
    session.add(row)
    session.flush()
    return CreatedKey(row, made.key)


def revoke_api_key(session: Session, *, key_id: str) -> ApiKey:
    """Mark a key revoked (idempotent); raises UnknownRecordError."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise UnknownRecordError("no such API key")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    return row


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
