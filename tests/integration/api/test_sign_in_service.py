"""api.services.sign_in on real PostgreSQL and SQLite, at chosen times: failures older than a quiet
window start the count again, and rows past remembering are deleted by the next failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.audit import RequestInfo
from api.services.sign_in import SignedIn, Throttled, WrongCredentials, sign_in
from api.services.users import create_user
from api.sign_in_policy import ADDRESS, SignInPolicy, ThrottlePolicy
from infra.database import make_engine
from schemas.db.records import SignInFailures
from tests.integration.consumers.postgres_sink_support import fresh_database

T0 = datetime(2026, 11, 29, 12, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
THROTTLE = ThrottlePolicy(max_failures=2, window=10 * MINUTE, lockout=MINUTE, max_lockout=5 * MINUTE)
POLICY = SignInPolicy(account=THROTTLE, address=ThrottlePolicy(50, 10 * MINUTE, MINUTE, 5 * MINUTE))
EMAIL, PASSWORD = "someone@example.test", "a long test password"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    with fresh_database(request.param, lambda: request.getfixturevalue("postgres_url"), tmp_path) as url:
        engine = make_engine(url, poolclass=NullPool)
        with Session(engine) as session:
            create_user(session, email=EMAIL, role="analyst", password=PASSWORD)
            session.commit()
        yield engine
        engine.dispose()


def attempt(engine, password: str, at: datetime, address: str = "203.0.113.5", email: str = EMAIL):
    with Session(engine, expire_on_commit=False) as session:
        request = RequestInfo(client_ip=address, method="POST", path="/ui/sign-in")
        return sign_in(session, email=email, password=password, request=request, policy=POLICY, now=at)


def rows(engine) -> list[SignInFailures]:
    with Session(engine) as session:
        return list(session.scalars(select(SignInFailures).order_by(SignInFailures.scope)))


def test_a_quiet_window_starts_the_count_again(engine):
    assert isinstance(attempt(engine, "wrong", T0), WrongCredentials)
    assert isinstance(attempt(engine, "wrong", T0 + 11 * MINUTE), WrongCredentials)  # first of a new count
    assert isinstance(attempt(engine, "wrong", T0 + 12 * MINUTE), Throttled)
    refused = attempt(engine, PASSWORD, T0 + 12 * MINUTE + timedelta(seconds=30))
    assert isinstance(refused, Throttled) and refused.retry_after == 30
    assert isinstance(attempt(engine, PASSWORD, T0 + 13 * MINUTE), SignedIn)
    assert [(row.scope, row.failures) for row in rows(engine)] == [(ADDRESS, 2)]  # its window passed too


def test_the_next_failure_deletes_rows_past_remembering(engine):
    attempt(engine, "wrong", T0, address="198.51.100.1", email="old@example.test")
    assert len(rows(engine)) == 2
    attempt(engine, "wrong", T0 + 16 * MINUTE, address="198.51.100.2", email="new@example.test")
    assert {row.key for row in rows(engine) if row.scope == ADDRESS} == {"198.51.100.2"}
    assert all(row.last_failure_at == T0 + 16 * MINUTE for row in rows(engine))
