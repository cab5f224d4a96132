"""Every route that needs auth refuses anonymous callers (401) and callers whose role lacks its
permission (403), over the app's own route table; bad, revoked and expired credentials are 401."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.main import create_app
from api.permissions import roles_with
from api.route_table import route_rules
from api.services.users import create_api_key, create_user, revoke_api_key, update_user
from infra.crypto import new_key_spec
from infra.database import make_engine
from infra.settings import Settings
from schemas.db.records import ROLES
from tests.integration.api.api_support import PASSWORD, api_settings, make_callers, serving
from tests.integration.consumers.postgres_sink_support import fresh_database

RULES = route_rules(create_app(Settings(jwt_secret="x" * 40)))
PROTECTED = [rule for rule in RULES if rule.authenticated]
RESTRICTED = [
    rule for rule in PROTECTED if rule.permission and set(roles_with(rule.permission)) != set(ROLES)
]


def concrete(path: str) -> str:
    """A path template with every parameter filled in."""
    return re.sub(r"\{[^}]+\}", "0" * 32, path)


def call(base: str, rule, headers: dict[str, str]) -> httpx.Response:
    body = {"json": {}} if rule.method in ("POST", "PATCH", "PUT") else {}
    return httpx.request(rule.method, base + concrete(rule.path), headers=headers, timeout=30, **body)


@pytest.fixture(scope="module")
def api(tmp_path_factory, kafka_bootstrap, request):
    tmp = tmp_path_factory.mktemp("auth")
    with fresh_database("postgresql", lambda: request.getfixturevalue("postgres_url"), tmp) as url:
        with serving(
            api_settings(
                url, tmp / "home", new_key_spec(), kafka_bootstrap=kafka_bootstrap, api_auth_cache_seconds=0
            )
        ) as base:
            yield {"url": url, "base": base, "callers": make_callers(url, base)}


def test_the_route_table_protects_everything_but_health_sign_in_and_metrics():
    open_routes = {(rule.method, rule.path) for rule in RULES if not rule.authenticated}
    assert open_routes == {
        ("GET", "/api/v1/health"),
        ("GET", "/api/v1/health/db"),
        ("GET", "/api/v1/health/kafka"),
        ("POST", "/api/v1/auth/token"),
        ("GET", "/metrics"),
    }
    assert len(PROTECTED) > 25 and RESTRICTED


@pytest.mark.parametrize("rule", PROTECTED, ids=lambda rule: f"{rule.method} {rule.path}")
def test_anonymous_callers_are_refused_with_401(api, rule):
    answer = call(api["base"], rule, {})
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("rule", PROTECTED, ids=lambda rule: f"{rule.method} {rule.path}")
def test_callers_with_a_forged_token_or_unknown_key_are_refused_with_401(api, rule):
    assert call(api["base"], rule, {"Authorization": "Bearer not.a.token"}).status_code == 401
    assert call(api["base"], rule, {"X-API-Key": "mca_0123456789ab_unknown"}).status_code == 401


@pytest.mark.parametrize("rule", RESTRICTED, ids=lambda rule: f"{rule.method} {rule.path}")
def test_callers_whose_role_lacks_the_permission_are_refused_with_403(api, rule):
    for role in sorted(set(ROLES) - set(roles_with(rule.permission))):
        answer = call(api["base"], rule, api["callers"].headers[role])
        assert answer.status_code == 403, (role, answer.text)
    partner_key = {"X-API-Key": api["callers"].partner_key}
    if "partner" not in roles_with(rule.permission):
        assert call(api["base"], rule, partner_key).status_code == 403


def test_the_token_route_refuses_a_wrong_password_and_an_unknown_user(api):
    email = api["callers"].emails["analyst"]
    for username, password in ((email, "wrong password!"), ("nobody@example.test", PASSWORD)):
        answer = httpx.post(
            f"{api['base']}/api/v1/auth/token", data={"username": username, "password": password}
        )
        assert answer.status_code == 401


def test_a_revoked_or_expired_key_and_a_deactivated_user_are_refused(api):
    engine = make_engine(api["url"], poolclass=NullPool)
    with Session(engine) as session:
        revoked = create_api_key(session, name="revoked", role="analyst")
        expired = create_api_key(
            session, name="expired", role="analyst", expires_at=datetime.now(UTC) - timedelta(minutes=1)
        )
        user = create_user(session, email="leaver@example.test", role="analyst", password=PASSWORD)
        session.commit()
        token = httpx.post(
            f"{api['base']}/api/v1/auth/token", data={"username": "leaver@example.test", "password": PASSWORD}
        ).json()["access_token"]
        me = f"{api['base']}/api/v1/auth/me"
        assert httpx.get(me, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert httpx.get(me, headers={"X-API-Key": revoked.key}).json()["role"] == "analyst"
        revoke_api_key(session, key_id=revoked.row.id)
        update_user(session, user_id=user.user.id, is_active=False)
        session.commit()
    engine.dispose()
    assert httpx.get(me, headers={"X-API-Key": revoked.key}).status_code == 401
    assert httpx.get(me, headers={"X-API-Key": expired.key}).status_code == 401
    assert httpx.get(me, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_api_key_works_as_a_bearer_token_too(api):
    answer = httpx.get(
        f"{api['base']}/api/v1/auth/me", headers={"Authorization": f"Bearer {api['callers'].partner_key}"}
    )
    assert answer.status_code == 200 and answer.json()["role"] == "partner"
    assert "pii:read" not in answer.json()["permissions"]
