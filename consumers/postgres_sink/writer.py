"""Writes projected applications and the consumer's offsets in one database transaction.

Effectively once: the rows of a batch and the offsets after it commit together, and on restart
the consumer resumes from the stored offsets, so a crash at any moment either keeps both or
neither. Upserts (INSERT ... ON CONFLICT DO UPDATE, PostgreSQL and SQLite alike) make a replay
harmless, and a version check makes an older application version a no-op: the `applications`
row only changes when the incoming version is newer, and only then are its child rows replaced
(deleted and upserted again, so rows the new version no longer has disappear). On PostgreSQL
the upsert locks the application's row until commit, so two sink instances overlapping during
a rebalance take turns. A batch costs a fixed number of statements whatever its size
(executemany), which is what lets a replay of the whole topic go fast. Application events (the
processing history) are upserted by event id in the same transaction; they never touch the states.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from consumers.postgres_sink.events import ProjectedEvent
from consumers.postgres_sink.mapping import ProjectedApplication
from infra.errors import ConfigurationError
from schemas.db import metadata
from schemas.db.projection import APPLICATION_TABLES, ApplicationEvent, SinkOffset

logger = logging.getLogger(__name__)

TopicPartitionKey = tuple[str, int]
DELETE_CHUNK = 500  # application ids per DELETE, well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Removal:
    """A tombstone: the application's rows are deleted."""

    application_id: str


ApplicationOperation = ProjectedApplication | Removal
Operation = ApplicationOperation | ProjectedEvent


@dataclass(frozen=True)
class WriteResult:
    """What one transaction did: versions written, versions skipped as not newer, applications removed,
    events recorded."""

    applied: int = 0
    stale: int = 0
    removed: int = 0
    events: int = 0


def coalesce(operations: Iterable[ApplicationOperation]) -> list[ApplicationOperation]:
    """The one operation per application that leaves the same end state as all of them in order
    (pure): the newest version wins, a tombstone wins over what came before it, and any version
    after a tombstone starts afresh. Order of first appearance is kept."""
    effective: dict[str, ApplicationOperation] = {}
    for operation in operations:
        current = effective.get(operation.application_id)
        if (
            isinstance(operation, Removal)
            or not isinstance(current, ProjectedApplication)
            or operation.version > current.version
        ):
            effective[operation.application_id] = operation
    return list(effective.values())


class ProjectionWriter:
    """Upserts projections and stores offsets for one consumer group, on PostgreSQL or SQLite."""

    def __init__(self, engine: Engine, group_id: str) -> None:
        self._insert: Callable[[Table], Any]
        if engine.dialect.name == "postgresql":
            self._insert = postgresql.insert
        elif engine.dialect.name == "sqlite":
            self._insert = sqlite.insert
        else:
            raise ConfigurationError(f"the postgres-sink cannot write to {engine.dialect.name}")
        self._engine = engine
        self._group_id = group_id
        self._tables = [metadata.tables[name] for name in APPLICATION_TABLES]
        self._offsets = metadata.tables[SinkOffset.__tablename__]
        self._events = metadata.tables[ApplicationEvent.__tablename__]

    def ping(self) -> None:
        """Raise the database's error when it does not answer a trivial query."""
        with self._engine.connect() as connection:
            connection.execute(select(1))

    def stored_offsets(self, topic: str) -> dict[int, int]:
        """partition -> next offset to read, as committed for this group and `topic`."""
        table = self._offsets
        query = select(table.c.partition, table.c.next_offset).where(
            table.c.group_id == self._group_id, table.c.topic == topic
        )
        with self._engine.connect() as connection:
            return {int(partition): int(offset) for partition, offset in connection.execute(query)}

    def write(self, operations: Sequence[Operation], offsets: Mapping[TopicPartitionKey, int]) -> WriteResult:
        """Apply `operations` (states coalesced per application, events upserted by id) and store
        `offsets` ((topic, partition) -> next offset) in one transaction; nothing is kept if anything
        fails (the error propagates)."""
        states = [op for op in operations if not isinstance(op, ProjectedEvent)]
        # One row per event id: a statement must not upsert the same key twice.
        events = {op.event_id: op.row for op in operations if isinstance(op, ProjectedEvent)}
        # Sorted, so overlapping writers lock application rows in one order (no deadlock between them).
        effective = sorted(coalesce(states), key=lambda operation: operation.application_id)
        upserts = [op for op in effective if isinstance(op, ProjectedApplication)]
        removals = [op.application_id for op in effective if isinstance(op, Removal)]
        with self._engine.begin() as connection:
            winners = self._upsert_newer(connection, upserts)
            self._delete_rows(connection, self._tables[:0:-1], sorted(winners) + removals)
            self._delete_rows(connection, self._tables[:1], removals)
            for table in self._tables[1:]:
                rows = [row for op in upserts if op.application_id in winners for row in op.rows[table.name]]
                if rows:
                    connection.execute(self._upsert(table), rows)
            if events:
                connection.execute(self._upsert(self._events), [events[key] for key in sorted(events)])
            self._store_offsets(connection, offsets)
        return WriteResult(applied=len(winners), stale=len(upserts) - len(winners), removed=len(removals),
                           events=len(events))

    def _upsert_newer(self, connection: Connection, upserts: Sequence[ProjectedApplication]) -> set[str]:
        """Upsert the `applications` rows whose version is newer than the stored one (or new);
        returns the ids actually written. On PostgreSQL each written row stays locked until commit."""
        if not upserts:
            return set()
        table = self._tables[0]
        insert = self._insert(table)
        upsert = insert.on_conflict_do_update(
            index_elements=[column.name for column in table.primary_key],
            set_=_non_key_columns(table, insert),
            where=table.c.version < insert.excluded.version,
        ).returning(table.c.application_id)
        written = connection.execute(upsert, [op.rows["applications"][0] for op in upserts])
        return {str(application_id) for (application_id,) in written}

    @staticmethod
    def _delete_rows(connection: Connection, tables: Sequence[Table], application_ids: Sequence[str]) -> None:
        for start in range(0, len(application_ids), DELETE_CHUNK):
            chunk = application_ids[start : start + DELETE_CHUNK]
            for table in tables:
                connection.execute(delete(table).where(table.c.application_id.in_(chunk)))

    def _upsert(self, table: Table) -> Executable:
        insert = self._insert(table)
        return insert.on_conflict_do_update(
            index_elements=[column.name for column in table.primary_key],
            set_=_non_key_columns(table, insert),
        )

    def _store_offsets(self, connection: Connection, offsets: Mapping[TopicPartitionKey, int]) -> None:
        if not offsets:
            return
        now = datetime.now(UTC)
        rows = [
            {"group_id": self._group_id, "topic": topic, "partition": partition, "next_offset": offset,
             "updated_at": now}
            for (topic, partition), offset in sorted(offsets.items())
        ]
        connection.execute(self._upsert(self._offsets), rows)


def _non_key_columns(table: Table, statement: Any) -> dict[str, ColumnElement[Any]]:
    keys = {column.name for column in table.primary_key}
    return {column.name: statement.excluded[column.name] for column in table.columns
            if column.name not in keys}
