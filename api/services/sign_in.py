"""Password sign-in with throttling: the I/O around api/sign_in_policy.py, for every sign-in route.

The attempt's rows in `sign_in_failures` (its account and its client address) are created if
missing and locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write lock does the same) for the
whole attempt, password check included, and committed before the answer: concurrent guesses at one
account or from one address, through any number of API processes, are taken one at a time, so no
more than `max_failures` of them are ever checked before the lockout. Every refusal (wrong
credentials, or throttled) and every lockout adds an audit record, committed with the state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Delete, delete, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.audit import RequestInfo, audit
from api.security import Principal
from api.services.users import credentials_match, find_user
from api.sign_in_policy import (
    ACCOUNT,
    FRESH,
    FailureState,
    SignInPolicy,
    after_failure,
    check,
    newly_locked,
    throttle_keys,
)
from schemas.db.records import SignInFailures, User

logger = logging.getLogger(__name__)

# Who the audit log names for an attempt that did not sign in.
ANONYMOUS = Principal(actor="anonymous", role="anonymous")


@dataclass(frozen=True)
class SignedIn:
    """The credentials were right: the user (their last login recorded and committed)."""

    user: User


@dataclass(frozen=True)
class WrongCredentials:
    """No active user has this email and password (unknown email, wrong password or inactive user)."""


@dataclass(frozen=True)
class Throttled:
    """Too many failures for the account or the address: retry after `retry_after` seconds."""

    retry_at: datetime
    retry_after: int


SignInOutcome = SignedIn | WrongCredentials | Throttled


def sign_in(
    session: Session,
    *,
    email: str,
    password: str,
    request: RequestInfo,
    policy: SignInPolicy,
    now: datetime | None = None,
) -> SignInOutcome:
    """Check a password sign-in against the throttle, then the credentials; commits `session`.

    A wrong password that brings its account or address to the limit answers Throttled at once.
    """
    at = now or datetime.now(UTC)
    rows = _locked_rows(session, throttle_keys(email, request.client_ip))
    before = {scope: _state(row) for scope, row in rows.items()}
    user = find_user(session, email=email)
    verdict = check(before, at)
    if verdict.retry_at is not None:
        detail = {"locked": list(verdict.locked_scopes), "retry_at": verdict.retry_at.isoformat()}
        _audit(session, "sign_in.throttled", user, request, detail)
        _drop_unused(session, rows)
        session.commit()
        return Throttled(verdict.retry_at, verdict.retry_after_seconds(at))
    if credentials_match(user, password) and user is not None:
        user.last_login_at = at
        rows[ACCOUNT].failures = 0  # a success clears the account, never the address
        _drop_unused(session, rows)
        session.commit()
        return SignedIn(user)
    after = _record_failure(session, rows, before, user, request, policy, at)
    session.execute(_forget_stale(session, policy, at))
    session.commit()
    locked = check(after, at)
    if locked.retry_at is not None:
        return Throttled(locked.retry_at, locked.retry_after_seconds(at))
    return WrongCredentials()


def _record_failure(
    session: Session,
    rows: dict[str, SignInFailures],
    before: dict[str, FailureState],
    user: User | None,
    request: RequestInfo,
    policy: SignInPolicy,
    at: datetime,
) -> dict[str, FailureState]:
    """Count a failure in each scope's row and audit it, and any lockout it starts; the new states."""
    after = {scope: after_failure(state, at, policy.of(scope)) for scope, state in before.items()}
    for scope, row in rows.items():
        row.failures = after[scope].failures
        row.last_failure_at = after[scope].last_failure_at
        row.locked_until = after[scope].locked_until
    counts = {f"{scope}_failures": state.failures for scope, state in after.items()}
    _audit(session, "sign_in.failed", user, request, counts)
    for scope in (scope for scope in after if newly_locked(before[scope], after[scope], at)):
        until = after[scope].locked_until
        detail = {"scope": scope, "failures": after[scope].failures, "until": until and until.isoformat()}
        _audit(session, "sign_in.locked", user, request, detail)
        logger.warning("sign-in %s locked until %s after %d failures", scope, until, after[scope].failures)
    return after


def _locked_rows(session: Session, keys: dict[str, str]) -> dict[str, SignInFailures]:
    """The rows of `keys` (scope -> key), inserted when missing, locked until the commit."""
    values = [{"scope": scope, "key": key, "failures": 0} for scope, key in sorted(keys.items())]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(SignInFailures).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(SignInFailures).values(values).on_conflict_do_nothing())
    else:
        raise NotImplementedError(f"sign-in throttling needs PostgreSQL or SQLite, not {dialect}")
    wanted = tuple_(SignInFailures.scope, SignInFailures.key).in_(list(keys.items()))
    query = (
        select(SignInFailures)
        .where(wanted)
        .order_by(SignInFailures.scope, SignInFailures.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.scope: row for row in session.scalars(query)}


def _state(row: SignInFailures) -> FailureState:
    if row.failures == 0 or row.last_failure_at is None:
        return FRESH
    return FailureState(row.failures, row.last_failure_at, row.locked_until)


def _drop_unused(session: Session, rows: dict[str, SignInFailures]) -> None:
    """Delete the rows that only this attempt made (no failure recorded in them)."""
    for row in rows.values():
        if row.failures == 0 and row in session:
            session.delete(row)


def _forget_stale(session: Session, policy: SignInPolicy, now: datetime) -> Delete:
    """Delete rows past remembering in every scope, so the table holds only recent failures. Rows
    another attempt holds are skipped (PostgreSQL): waiting for them could deadlock with it."""
    stale = select(SignInFailures.scope, SignInFailures.key).where(
        SignInFailures.last_failure_at < policy.forget_before(now),
        or_(SignInFailures.locked_until.is_(None), SignInFailures.locked_until < now),
    )
    if session.get_bind().dialect.name == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    return delete(SignInFailures).where(tuple_(SignInFailures.scope, SignInFailures.key).in_(stale))


def _audit(
    session: Session, action: str, user: User | None, request: RequestInfo, detail: dict[str, Any]
) -> None:
    """An audit record of a refused attempt; the target is the user the email names, if any."""
    audit(session, principal=ANONYMOUS, action=action, target_type="user",
          target_id=user.id if user is not None else None, request=request, detail=detail)
