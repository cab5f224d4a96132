"""Migration 0003 on real PostgreSQL and SQLite: it adds the sign-in throttle's table on top of 0002
and its downgrade removes that table alone, leaving the audit log and the users untouched."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from infra.database import make_engine
from schemas.migrations import alembic_config, current_revision, schema_drift, upgrade_database
from tests.integration.consumers.postgres_sink_support import fresh_database

TABLE = "sign_in_failures"
AUDIT_ROW = "INSERT INTO audit_log (at, actor, action, target_type) VALUES (:at, 'a', 'x', 'y')"
FAILURE_ROW = f"INSERT INTO {TABLE} (scope, key, failures, last_failure_at) VALUES ('address', :key, 1, :at)"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh database of each kind, migrated to head (its own uuid schema on PostgreSQL)."""
    with fresh_database(request.param, lambda: request.getfixturevalue("postgres_url"), tmp_path) as url:
        yield url


def tables(url: str) -> set[str]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def execute(url: str, statement: str, **values: object) -> list[tuple]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), values)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_downgrading_0003_drops_only_the_throttle_table_and_upgrading_restores_it(database_url):
    at = datetime(2026, 11, 29, 12, tzinfo=UTC)
    execute(database_url, AUDIT_ROW, at=at)
    command.downgrade(alembic_config(database_url), "0002")
    assert current_revision(database_url) == "0002"
    assert TABLE not in tables(database_url) and "audit_log" in tables(database_url)
    assert execute(database_url, "SELECT count(*) FROM audit_log") == [(1,)]

    upgrade_database(database_url, "0003")
    assert TABLE in tables(database_url) and schema_drift(database_url) == []
    execute(database_url, FAILURE_ROW, key="203.0.113.9", at=at)
    rows = execute(database_url, f"SELECT scope, key, failures FROM {TABLE}")
    assert rows == [("address", "203.0.113.9", 1)]


def test_the_throttle_table_refuses_an_unknown_scope_and_a_second_row_per_key(database_url):
    insert = f"INSERT INTO {TABLE} (scope, key, failures) VALUES (:scope, 'k', 0)"
    execute(database_url, insert, scope="account")
    for scope in ("account", "browser"):
        with pytest.raises(IntegrityError):
            execute(database_url, insert, scope=scope)
