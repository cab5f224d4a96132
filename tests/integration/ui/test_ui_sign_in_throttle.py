"""Failed sign-ins through the web UI are throttled per account and per client address, on SQLite and
PostgreSQL, with the real app: a lockout answers 429 with Retry-After and says so on the page, an
unknown email is answered and locked exactly like a known one, a success clears the account's
failures, two API processes on one database count together, and every refusal and lockout is audited.

Client addresses are set the way a reverse proxy on loopback does (X-Forwarded-For, which uvicorn
trusts from 127.0.0.1), so each test guesses from an address of its own.
"""

from __future__ import annotations

import itertools
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.services.users import create_user
from api.sign_in_policy import account_key
from infra.crypto import new_key_spec
from infra.database import make_engine
from schemas.db.records import AuditRecord, SignInFailures
from tests.integration.api.api_support import PASSWORD, api_settings, serving
from tests.integration.consumers.postgres_sink_support import fresh_database
from tests.integration.ui.ui_support import UI, csrf_of

ACCOUNT_LIMIT = 3
ADDRESS_LIMIT = 6
LOCKED = "Too many failed sign-in attempts"
WRONG = "wrong password"
_addresses = (f"198.51.100.{last}" for last in itertools.count(1))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory) -> Iterator[dict]:
    """Two API processes' worth of app (own engines, own caches) on one fresh database, and a user."""
    tmp = tmp_path_factory.mktemp(f"throttle-{request.param}")
    with fresh_database(request.param, lambda: request.getfixturevalue("postgres_url"), tmp) as url:
        settings = api_settings(
            url,
            tmp / "home",
            new_key_spec(),
            signin_max_failures=ACCOUNT_LIMIT,
            signin_address_max_failures=ADDRESS_LIMIT,
        )
        email = f"known-{uuid.uuid4().hex[:8]}@example.test"
        add_user(url, email)
        with ExitStack() as stack:
            bases = [stack.enter_context(serving(settings)) for _ in range(2)]
            yield {"url": url, "bases": bases, "email": email, "settings": settings, "tmp": tmp}


def add_user(url: str, email: str) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            create_user(session, email=email, role="underwriter", password=PASSWORD)
            session.commit()
    finally:
        engine.dispose()


def attempt(base: str, email: str, password: str, address: str) -> httpx.Response:
    """One sign-in through the form, as a browser behind a proxy at `address` sends it."""
    with httpx.Client(base_url=base, timeout=60, headers={"X-Forwarded-For": address}) as browser:
        token = csrf_of(browser.get(f"{UI}/sign-in").text)
        return browser.post(
            f"{UI}/sign-in",
            data={"email": email, "password": password, "csrf_token": token, "next": f"{UI}/"},
        )


def statuses(base: str, email: str, address: str, times: int, password: str = WRONG) -> list[int]:
    return [attempt(base, email, password, address).status_code for _ in range(times)]


def audit_of(url: str, address: str) -> list[AuditRecord]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            query = select(AuditRecord).where(AuditRecord.client_ip == address).order_by(AuditRecord.id)
            return list(session.scalars(query))
    finally:
        engine.dispose()


def stranger() -> str:
    """An email no user has."""
    return f"nobody-{uuid.uuid4().hex[:8]}@example.test"


def new_account(world: dict) -> str:
    email = f"user-{uuid.uuid4().hex[:8]}@example.test"
    add_user(world["url"], email)
    return email


def test_the_limit_th_wrong_password_locks_the_account_with_429_retry_after_and_a_message(world):
    base, email, address = world["bases"][0], new_account(world), next(_addresses)
    assert statuses(base, email, address, ACCOUNT_LIMIT - 1) == [401] * (ACCOUNT_LIMIT - 1)
    locking = attempt(base, email, WRONG, address)
    assert locking.status_code == 429 and LOCKED in locking.text and "Try again in 1 minute" in locking.text
    assert 55 <= int(locking.headers["retry-after"]) <= 60
    right = attempt(base, email, PASSWORD, address)
    assert right.status_code == 429 and "retry-after" in right.headers
    assert "mca_session" not in right.headers.get("set-cookie", "")

    records = audit_of(world["url"], address)
    assert [record.action for record in records] == (
        ["sign_in.failed"] * ACCOUNT_LIMIT + ["sign_in.locked", "sign_in.throttled"]
    )
    assert len({record.target_id for record in records}) == 1 and records[0].target_id is not None
    assert {record.actor for record in records} == {"anonymous"}
    assert records[-2].detail and records[-2].detail["scope"] == "account"
    assert records[-1].detail and records[-1].detail["locked"] == ["account"]
    assert email not in str([record.detail for record in records])


def test_an_unknown_email_is_answered_and_locked_exactly_like_a_known_one(world):
    base = world["bases"][0]
    known_email, unknown_email = new_account(world), stranger()
    answers = {}
    for email in (known_email, unknown_email):
        address = next(_addresses)
        answers[email] = [attempt(base, email, WRONG, address) for _ in range(ACCOUNT_LIMIT + 1)]
    for mine, theirs in zip(answers[known_email], answers[unknown_email], strict=True):
        assert mine.status_code == theirs.status_code
        assert error_of(mine.text) == error_of(theirs.text)
    expected = [401] * (ACCOUNT_LIMIT - 1) + [429] * 2
    assert [answer.status_code for answer in answers[unknown_email]] == expected


def error_of(html: str) -> str:
    """The sign-in page's error message, with any wait ("59 seconds", "1 minute") as WAIT."""
    return re.sub(r"\d+ (second|minute)s?", "WAIT", html.split('id="sign-in-error">', 1)[1].split("<", 1)[0])


def test_a_successful_sign_in_clears_the_account_failures(world):
    base, email, address = world["bases"][0], new_account(world), next(_addresses)
    assert statuses(base, email, address, ACCOUNT_LIMIT - 1) == [401] * (ACCOUNT_LIMIT - 1)
    assert attempt(base, email, PASSWORD, address).status_code == 303
    assert statuses(base, email, address, ACCOUNT_LIMIT - 1) == [401] * (ACCOUNT_LIMIT - 1)
    assert attempt(base, email, WRONG, address).status_code == 429


def test_one_address_guessing_at_many_accounts_is_locked_for_every_account(world):
    base, address = world["bases"][0], next(_addresses)
    guesses = [attempt(base, stranger(), WRONG, address).status_code for _ in range(ADDRESS_LIMIT)]
    assert guesses == [401] * (ADDRESS_LIMIT - 1) + [429]
    assert attempt(base, world["email"], PASSWORD, address).status_code == 429
    assert attempt(base, world["email"], PASSWORD, next(_addresses)).status_code == 303  # the account is fine
    records = audit_of(world["url"], address)
    actions = [(record.action, (record.detail or {}).get("scope")) for record in records]
    assert ("sign_in.locked", "address") in actions


def test_a_success_does_not_clear_the_failures_of_its_address(world):
    base, address = world["bases"][0], next(_addresses)
    for _ in range(ADDRESS_LIMIT - 1):
        attempt(base, stranger(), WRONG, address)
    assert attempt(base, world["email"], PASSWORD, address).status_code == 303
    assert attempt(base, stranger(), WRONG, address).status_code == 429


def test_failures_through_two_api_processes_add_up(world):
    first, second = world["bases"]
    email, address = new_account(world), next(_addresses)
    answers = [attempt(base, email, WRONG, address).status_code for base in (first, second, first)]
    assert answers == [401, 401, 429]
    assert attempt(second, email, PASSWORD, address).status_code == 429


def test_concurrent_guesses_through_two_processes_check_no_more_passwords_than_the_limit(world):
    email, address = new_account(world), next(_addresses)
    bases = world["bases"] * 5
    with ThreadPoolExecutor(max_workers=len(bases)) as pool:
        answers = list(pool.map(lambda base: attempt(base, email, WRONG, address).status_code, bases))
    assert sorted(answers) == [401] * (ACCOUNT_LIMIT - 1) + [429] * (len(bases) - ACCOUNT_LIMIT + 1)
    actions = [record.action for record in audit_of(world["url"], address)]
    assert actions.count("sign_in.failed") == ACCOUNT_LIMIT and actions.count("sign_in.locked") == 1
    assert actions.count("sign_in.throttled") == len(bases) - ACCOUNT_LIMIT


def test_a_lockout_ends_on_time_and_the_next_failure_doubles_it(world):
    fast = world["settings"].model_copy(
        update={"signin_max_failures": 2, "signin_lockout_seconds": 4.0, "signin_max_lockout_seconds": 60.0}
    )
    email, address = new_account(world), next(_addresses)
    with serving(fast) as base:
        assert attempt(base, email, WRONG, address).status_code == 401
        locking = attempt(base, email, WRONG, address)
        assert locking.status_code == 429 and locking.headers["retry-after"] == "4"
        time.sleep(4.1)
        doubled = attempt(base, email, WRONG, address)  # allowed again, wrong again: twice as long
        assert doubled.status_code == 429 and doubled.headers["retry-after"] == "8"
        time.sleep(8.1)
        assert attempt(base, email, PASSWORD, address).status_code == 303


def test_the_table_keeps_no_email_and_nothing_once_an_account_signs_in(world):
    base, email, address = world["bases"][0], new_account(world), next(_addresses)
    attempt(base, email, WRONG, address)
    assert attempt(base, email, PASSWORD, address).status_code == 303
    engine = make_engine(world["url"], poolclass=NullPool)
    try:
        with Session(engine) as session:
            rows = list(session.scalars(select(SignInFailures)))
    finally:
        engine.dispose()
    assert account_key(email) not in {row.key for row in rows}  # cleared by the success
    assert [row.failures for row in rows if row.key == address] == [1]  # the address keeps its failure
    assert all("@" not in row.key and row.failures > 0 for row in rows)
