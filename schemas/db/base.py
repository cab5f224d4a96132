"""The declarative base of every table, its naming convention and the column types shared by them.

One `MetaData` holds both families of tables: the projection (written only by the postgres-sink,
rebuildable from Kafka) and the system of record (owned by the API). The naming convention gives
every constraint and index a deterministic name, so Alembic migrations can address them on
PostgreSQL and SQLite alike (SQLite's batch mode recreates tables and needs the names).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 64  # sha256 hex: submission, application and document ids
Money = Numeric(18, 2)
Percent = Numeric(5, 2)
# JSONB on PostgreSQL (indexable, compact); JSON text elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY, so big serial keys are plain integers there.
BigSerial = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored with time zone and always read back as an aware UTC datetime.

    PostgreSQL keeps the zone (timestamptz); SQLite has none, so values are written as UTC and
    marked UTC again on the way out. Naive datetimes are refused: they hide bugs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table of the platform (projection and system of record)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
