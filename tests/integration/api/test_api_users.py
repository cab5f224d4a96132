"""Users and API keys through the API (admin only) and `mca users` from the shell: secrets shown once,
stored hashed, every change audited."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from infra.cli import app as cli
from infra.crypto import new_key_spec
from infra.database import make_engine
from schemas.db.records import ApiKey, AuditRecord, User
from tests.integration.api.api_support import api_settings, make_callers, serving
from tests.integration.consumers.postgres_sink_support import fresh_database

API = "/api/v1"


@pytest.fixture(scope="module")
def api(request, tmp_path_factory, kafka_bootstrap):
    tmp = tmp_path_factory.mktemp("users")
    with fresh_database("sqlite", lambda: request.getfixturevalue("postgres_url"), tmp) as url:
        with serving(
            api_settings(url, tmp / "home", new_key_spec(), kafka_bootstrap=kafka_bootstrap)
        ) as base:
            yield {"url": url, "base": base, "admin": make_callers(url, base).headers["admin"]}


def call(api, method, path, **kwargs):
    return httpx.request(method, f"{api['base']}{API}{path}", headers=api["admin"], timeout=30, **kwargs)


def rows(url, model):
    engine = make_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(model)))
    finally:
        engine.dispose()


def test_a_user_made_without_password_gets_a_one_time_password_that_signs_in(api):
    answer = call(
        api, "POST", "/users", json={"email": "New.Underwriter@Example.test", "role": "underwriter"}
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["email"] == "new.underwriter@example.test" and len(created["one_time_password"]) >= 20
    token = httpx.post(
        f"{api['base']}{API}/auth/token",
        data={"username": "new.underwriter@example.test", "password": created["one_time_password"]},
    )
    assert token.status_code == 200
    assert "one_time_password" not in call(api, "GET", f"/users/{created['id']}").json()
    [row] = [user for user in rows(api["url"], User) if user.id == created["id"]]
    assert created["one_time_password"] not in row.password_hash
    assert (
        call(
            api, "POST", "/users", json={"email": "new.underwriter@example.test", "role": "analyst"}
        ).status_code
        == 409
    )


def test_a_user_can_be_demoted_or_deactivated_and_it_takes_effect_at_once(api):
    created = call(
        api,
        "POST",
        "/users",
        json={"email": "temp@example.test", "role": "underwriter", "password": "a long enough password"},
    ).json()
    token = httpx.post(
        f"{api['base']}{API}/auth/token",
        data={"username": "temp@example.test", "password": "a long enough password"},
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert httpx.get(f"{api['base']}{API}/auth/me", headers=headers).json()["role"] == "underwriter"
    assert call(api, "PATCH", f"/users/{created['id']}", json={"role": "analyst"}).json()["role"] == "analyst"
    assert httpx.get(f"{api['base']}{API}/auth/me", headers=headers).json()["role"] == "analyst"
    call(api, "PATCH", f"/users/{created['id']}", json={"is_active": False})
    assert httpx.get(f"{api['base']}{API}/auth/me", headers=headers).status_code == 401
    actions = [r.action for r in rows(api["url"], AuditRecord) if r.target_id == created["id"]]
    assert actions == ["user.create", "user.update", "user.update"]


def test_an_api_key_is_shown_once_stored_hashed_and_revocable(api):
    answer = call(api, "POST", "/api-keys", json={"name": "partner feed", "role": "partner"})
    assert answer.status_code == 201
    created = answer.json()
    key = created["key"]
    assert key.startswith(f"mca_{created['prefix']}_")
    assert all("key" not in item for item in call(api, "GET", "/api-keys").json())
    [row] = [item for item in rows(api["url"], ApiKey) if item.id == created["id"]]
    assert key not in row.key_hash
    me = httpx.get(f"{api['base']}{API}/auth/me", headers={"X-API-Key": key})
    assert me.json()["role"] == "partner"
    assert call(api, "DELETE", f"/api-keys/{created['id']}").json()["revoked_at"] is not None
    assert httpx.get(f"{api['base']}{API}/auth/me", headers={"X-API-Key": key}).status_code == 401
    assert call(api, "POST", "/api-keys", json={"name": "x", "user_id": "0" * 32}).status_code == 404


def test_mca_users_create_prints_a_one_time_password_and_api_key_create_prints_the_key(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MCA_DATABASE_URL", url)
    monkeypatch.setenv("MCA_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    made = runner.invoke(cli, ["users", "create", "--role", "admin", "--email", "root@example.test"])
    assert made.exit_code == 0, made.output
    password = re.search(r"one-time password \(shown once\): (\S+)", made.output).group(1)
    again = runner.invoke(cli, ["users", "create", "--role", "admin", "--email", "root@example.test"])
    assert again.exit_code == 1
    keyed = runner.invoke(cli, ["users", "api-key", "create", "--user", "root@example.test", "--name", "ops"])
    assert keyed.exit_code == 0, keyed.output
    key = re.search(r"key \(shown once\): (mca_\S+)", keyed.output).group(1)
    [user] = rows(url, User)
    [api_key] = rows(url, ApiKey)
    assert user.role == "admin" and password not in user.password_hash
    assert api_key.role == "admin" and api_key.user_id == user.id and key not in api_key.key_hash
    assert [r.action for r in rows(url, AuditRecord)] == ["user.create", "api_key.create"]
    listed = runner.invoke(cli, ["users", "list"])
    assert "root@example.test\tadmin\tactive" in listed.output
