"""Alembic migrations of every table in schemas.db, runnable from the installed package.

`upgrade_database(url)` is `alembic upgrade head` without an alembic.ini: the script location is
this package's folder, so it works from a checkout and from an installed wheel alike. The same
migrations run on PostgreSQL and SQLite (batch mode recreates SQLite tables where ALTER cannot).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from infra.database import make_engine, mask_url
from schemas.db import metadata

logger = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic Config for `url` with this package as script location (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # ConfigParser interpolation would choke on a '%' in an escaped password.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Run `alembic upgrade <revision>` on `url` (idempotent: nothing to do at head).

    On PostgreSQL concurrent callers (several sinks, the API) serialise on an advisory lock.
    """
    logger.info("migrating %s to %s", mask_url(url), revision)
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The newest revision id of the migration scripts."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at; None when it was never migrated."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def schema_drift(url: str) -> list[Any]:
    """What autogenerate would change to make the database at `url` match schemas.db (as
    `alembic check` does); empty when the migrations and the models agree."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()
