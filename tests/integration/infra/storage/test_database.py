"""make_engine and check_database against a real PostgreSQL server and a SQLite file."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from infra.database import check_database, make_engine


def test_postgresql_engine_uses_psycopg_3_and_works(postgres_url: str) -> None:
    engine = make_engine(postgres_url.replace("postgresql+psycopg://", "postgresql://", 1))
    table = f"t_{uuid.uuid4().hex}"
    try:
        assert engine.dialect.driver == "psycopg"
        assert engine.pool._pre_ping  # type: ignore[attr-defined]
        with engine.begin() as connection:
            connection.execute(text(f"CREATE TABLE {table} (id int primary key, name text)"))
            connection.execute(text(f"INSERT INTO {table} VALUES (1, 'merchant')"))
        with engine.connect() as connection:
            assert connection.execute(text(f"SELECT name FROM {table}")).scalar_one() == "merchant"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


def test_check_database_reports_running_postgresql_with_a_masked_address(postgres_url: str) -> None:
    status = check_database(postgres_url)

    assert status["kind"] == "postgresql"
    assert status["state"] == "running"
    assert status["detail"].startswith("PostgreSQL ")
    password = make_url(postgres_url).password
    if password:
        assert str(password) not in str(status)


def test_check_database_reports_an_unreachable_postgresql_without_raising() -> None:
    status = check_database("postgresql://mca:hunter2@127.0.0.1:9/mca", timeout_seconds=1)
    assert status == status | {"kind": "postgresql", "state": "unreachable"}
    assert "hunter2" not in str(status)


def test_sqlite_engine_creates_the_folder_and_turns_on_wal_and_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.begin() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            connection.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
            connection.execute(
                text("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))")
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("INSERT INTO child VALUES (1, 42)"))
    finally:
        engine.dispose()
    assert Path(sqlite_url.removeprefix("sqlite:///")).is_file()


def test_check_database_on_sqlite_reports_state_without_creating_the_file(sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    missing = check_database(sqlite_url)
    assert (missing["kind"], missing["state"]) == ("sqlite", "unreachable")
    assert not path.exists()

    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER)"))
    engine.dispose()

    running = check_database(sqlite_url)
    assert running["state"] == "running"
    assert running["detail"].startswith("SQLite ")
    assert running["address"] == sqlite_url
