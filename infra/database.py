"""Database connections: the embedded SQLite file or PostgreSQL through psycopg 3.

One place decides the engine options, so every process (API, postgres-sink, CLI) gets the same
behaviour: SQLite with WAL and foreign keys on, PostgreSQL with pre-ping so a restarted server
does not hand out dead pooled connections.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from infra.errors import ConfigurationError

logger = logging.getLogger(__name__)

POSTGRES_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg"}
SQLITE_BUSY_TIMEOUT_MS = 5000
_USERINFO_PASSWORD = re.compile(r"(//[^:/@]*:)[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"(?i)(password=)[^&]*")


def parse_database_url(url: str) -> URL:
    """The SQLAlchemy URL for `url`, with every PostgreSQL spelling mapped to psycopg 3 (pure).

    Accepts sqlite:///path, postgresql://, postgres:// and postgresql+psycopg://; raises
    ConfigurationError for anything else (another driver, another database, a malformed URL).
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"malformed database URL {mask_url(url)!r}") from exc
    if parsed.drivername in POSTGRES_DRIVERS:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername == "sqlite":
        return parsed
    raise ConfigurationError(
        f"unsupported database URL {mask_url(url)!r}: use sqlite:/// or postgresql:// (psycopg 3)"
    )


def database_kind(url: str) -> str:
    """The kind of database a supported URL names: "sqlite" or "postgresql" (pure)."""
    return "sqlite" if parse_database_url(url).drivername == "sqlite" else "postgresql"


def mask_url(url: str) -> str:
    """`url` with any password replaced by *** (pure; never fails, even on a malformed URL)."""
    masked = _USERINFO_PASSWORD.sub(r"\1***@", url)
    return _QUERY_PASSWORD.sub(r"\1***", masked)


def make_engine(url: str, **engine_options: Any) -> Engine:
    """A SQLAlchemy engine for `url` (see parse_database_url); extra options go to create_engine.

    SQLite: the file's folder is created, and every connection turns on WAL, foreign keys and a
    busy timeout. PostgreSQL: psycopg 3 with pool_pre_ping. Connecting happens lazily.
    """
    parsed = parse_database_url(url)
    if parsed.drivername == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **engine_options)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine_options.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **engine_options)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def check_database(url: str, *, timeout_seconds: float = 3.0) -> dict[str, str]:
    """Whether the database answers, for `mca stack status`.

    Returns {"address": masked URL, "kind": "sqlite"|"postgresql", "state": "running"|"unreachable",
    "detail": server version or the reason}. A SQLite file that does not exist yet is reported
    unreachable and is not created. Never raises for an unreachable or misconfigured database.
    """
    address = mask_url(url)
    try:
        parsed = parse_database_url(url)
    except ConfigurationError as exc:
        return {"address": address, "kind": "unknown", "state": "unreachable", "detail": str(exc)}
    kind = "sqlite" if parsed.drivername == "sqlite" else "postgresql"
    result = {"address": address, "kind": kind}
    if kind == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).expanduser().is_file():
            return result | {"state": "unreachable", "detail": f"no database file at {database} yet"}
        options: dict[str, Any] = {"poolclass": NullPool}
        version_sql = "SELECT 'SQLite ' || sqlite_version()"
    else:
        options = {"poolclass": NullPool, "connect_args": {"connect_timeout": max(1, round(timeout_seconds))}}
        version_sql = "SELECT version()"
    engine = make_engine(url, **options)
    try:
        with engine.connect() as connection:
            version = str(connection.execute(text(version_sql)).scalar_one())
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return result | {"state": "unreachable", "detail": mask_url(reason)}
    finally:
        engine.dispose()
    return result | {"state": "running", "detail": version.split(" on ")[0]}
