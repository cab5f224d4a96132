"""Reading one application's projection rows with plain Core selects, one per table.

Core rows rather than ORM objects: the detail is read-only and its rows go straight into response
models, and loading through the ORM's relationship loaders cost about four times as much CPU per
request (measured with api/bench.py), which is what limits one worker's read throughput.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from schemas.db import metadata
from schemas.db.projection import Application, ApplicationEvent

_ORDER = {
    "owners": ("position",),
    "documents": ("position",),
    "bank_statements": ("position",),
    "mca_positions": ("statement_position", "position"),
    "field_provenance": ("path",),
}


Row = Mapping[Any, Any]  # a RowMapping or a dict of column name -> value


@dataclass(frozen=True)
class ApplicationRows:
    """Every projection row of one application (children in their order) and its events."""

    application: Row
    children: Mapping[str, Sequence[Row]]
    events: Sequence[Row]

    def one(self, table: str) -> Row | None:
        """The single row of a one-to-one table (submission, merchant, funding), or None."""
        rows = self.children.get(table) or ()
        return rows[0] if rows else None


def _rows(session: Session, table: Table, application_id: str) -> Sequence[Row]:
    query = select(table).where(table.c.application_id == application_id)
    query = query.order_by(*(table.c[name] for name in _ORDER.get(table.name, ())))
    return session.execute(query).mappings().all()


_ONE_TO_ONE = {
    "submissions": "submission_id",
    "merchants": "application_id",
    "funding_requests": "application_id",
}


def _head(session: Session, application_id: str) -> tuple[Row, dict[str, Sequence[Row]]] | None:
    """The application row and its one-to-one rows (submission, merchant, funding) in one query."""
    applications = metadata.tables[Application.__tablename__]
    columns: list[Any] = list(applications.c)
    joined: Any = applications
    for name in _ONE_TO_ONE:
        table = metadata.tables[name]
        columns += [column.label(f"{name}__{column.name}") for column in table.c]
        condition = (
            table.c.submission_id == applications.c.submission_id
            if name == "submissions"
            else table.c.application_id == applications.c.application_id
        )
        joined = joined.outerjoin(table, condition)
    row = (
        session.execute(
            select(*columns).select_from(joined).where(applications.c.application_id == application_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    head = {column.name: row[column.name] for column in applications.c}
    children: dict[str, Sequence[Row]] = {}
    for name, key in _ONE_TO_ONE.items():
        values = {column.name: row[f"{name}__{column.name}"] for column in metadata.tables[name].c}
        children[name] = [values] if values[key] is not None else []
    return head, children


def load_application(session: Session, *, application_id: str) -> ApplicationRows | None:
    """The application's rows, or None when it is not projected (seven queries, whatever its size)."""
    found = _head(session, application_id)
    if found is None:
        return None
    head, children = found
    for name in _ORDER:
        if name == "mca_positions" and not children["bank_statements"]:
            children[name] = []
            continue
        children[name] = list(_rows(session, metadata.tables[name], application_id))
    events = metadata.tables[ApplicationEvent.__tablename__]
    history = (
        session.execute(
            select(events)
            .where(events.c.application_id == application_id)
            .order_by(events.c.version, events.c.occurred_at)
        )
        .mappings()
        .all()
    )
    return ApplicationRows(head, children, history)


def current_version(session: Session, *, application_id: str) -> int | None:
    """The projected version of an application (None when unknown)."""
    query = select(Application.version).where(Application.application_id == application_id)
    version: Any = session.scalars(query).one_or_none()
    return version
