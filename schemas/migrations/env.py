"""Alembic environment: migrates the database named by the config's sqlalchemy.url.

Batch mode is on everywhere so each migration also runs on SQLite, whose ALTER TABLE cannot
change or drop most things (batch recreates the table there and issues plain ALTERs elsewhere).
On PostgreSQL a transaction-scoped advisory lock makes concurrent upgrades (two sinks and the
API starting together) take turns instead of racing to create the same tables.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, text
from sqlalchemy.pool import NullPool

from infra.database import make_engine
from schemas.db import metadata
from schemas.db.base import UtcDateTime

# Any fixed 64-bit number works; it only has to be the same for every process of the platform.
MIGRATION_LOCK_ID = 7_302_415_001

config = context.config


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the project's column types as stock SQLAlchemy ones, so migrations stay self-contained."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit the SQL to stdout (`alembic upgrade head --sql`) without a connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through a given connection (config.attributes["connection"]) or a new engine."""
    given = config.attributes.get("connection")
    if given is not None:
        _configure(given)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            _configure(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
