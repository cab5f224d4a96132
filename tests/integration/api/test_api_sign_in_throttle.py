"""The API's password route (OAuth2 token) is throttled like the web UI's sign-in form: after the
limit a locked account answers 429 with Retry-After, and an unknown email is answered the same way.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.services.users import create_user
from infra.crypto import new_key_spec
from infra.database import make_engine
from tests.integration.api.api_support import PASSWORD, api_settings, serving
from tests.integration.consumers.postgres_sink_support import fresh_database

LIMIT = 3

@pytest.fixture(scope="module")
def api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("token-throttle")
    with fresh_database("sqlite", lambda: "", tmp) as url:
        email = f"known-{uuid.uuid4().hex[:8]}@example.test"
        engine = make_engine(url, poolclass=NullPool)
        with Session(engine) as session:
            create_user(session, email=email, role="analyst", password=PASSWORD)
            session.commit()
        engine.dispose()
        settings = api_settings(url, tmp / "home", new_key_spec(), signin_max_failures=LIMIT)
        with serving(settings) as base:
            yield {"base": base, "email": email}


def token(api: dict, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{api['base']}/api/v1/auth/token", data={"username": username, "password": password})


def test_the_token_route_locks_an_account_with_429_and_retry_after_known_or_not(api):
    for username in (api["email"], f"nobody-{uuid.uuid4().hex[:8]}@example.test"):
        answers = [token(api, username, "wrong password") for _ in range(LIMIT + 1)]
        assert [answer.status_code for answer in answers] == [401] * (LIMIT - 1) + [429] * 2
        assert all(0 < int(answer.headers["retry-after"]) <= 60 for answer in answers[LIMIT - 1 :])
    assert token(api, api["email"], PASSWORD).status_code == 429
