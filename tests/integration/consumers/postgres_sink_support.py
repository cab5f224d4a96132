"""Helpers of the postgres-sink integration tests: fresh databases, varied application states,
producing them, running the sink, and dumping tables in a comparable form."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from consumers.postgres_sink.mapping import project_application
from consumers.postgres_sink.runner import PostgresSink, SinkConfig
from consumers.postgres_sink.writer import ProjectionWriter, Removal, WriteResult
from infra.database import make_engine
from infra.topics import APPLICATION
from schemas.db import metadata
from schemas.db.projection import APPLICATION_TABLES
from schemas.examples import RECEIVED_AT, example_value
from schemas.migrations import upgrade_database
from schemas.serde import AvroSerde

STATUSES = ("processed", "review_required", "rejected", "duplicate", "failed")
WAIT_SECONDS = 90.0


@contextmanager
def fresh_database(kind: str, postgres_url: Callable[[], str], tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of its own: a SQLite file, or a uuid-named PostgreSQL schema that
    the URL selects through search_path (dropped afterwards)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / f'sink-{uuid.uuid4().hex[:8]}.db'}"
        upgrade_database(url)
        yield url
        return
    base = postgres_url()
    schema = f"sink_{uuid.uuid4().hex}"
    admin = make_engine(base, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        upgrade_database(rendered)
        yield rendered
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _hex(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def application_state(index: int, version: int) -> dict[str, Any]:
    """Version `version` of test application `index`: every version differs in status, names,
    owners, documents, statements, positions and provenance, so a stale write would show."""
    value = copy.deepcopy(example_value(APPLICATION.name))
    application_id, submission_id = _hex("application", index), _hex("submission", index)
    value.update(application_id=application_id, version=version, status=STATUSES[(index + version) % 5],
                 updated_at=RECEIVED_AT + timedelta(minutes=version), extractor_version=f"0.{version}.0")
    value["submission"].update(application_id=application_id, submission_id=submission_id,
                               message_id=f"<{index}@example-iso.test>")
    if (index + version) % 4 == 0:
        value.update(merchant=None, funding=None)
    else:
        value["merchant"]["legal_name"] = f"Merchant {index} v{version}"
        value["funding"]["amount_requested"] = Decimal(1000 * index + version).quantize(Decimal("0.01"))
    owner = value["owners"][0]
    value["owners"] = [dict(owner, name=f"Owner {index}.{n} v{version}")
                       for n in range((index + version) % 3)]
    document = value["documents"][0]
    value["documents"] = [dict(document, document_id=_hex("document", index, n), submission_id=submission_id,
                               filename=f"doc-{n}-v{version}.pdf") for n in range(1 + version % 3)]
    statement = value["bank_statements"][0]
    position = statement["mca_positions"][0]
    value["bank_statements"] = [
        dict(statement, document_id=_hex("document", index, n), nsf_count=version,
             mca_positions=[dict(position, lender=f"LENDER {p}", occurrences=version)
                            for p in range(n + version % 2)])
        for n in range(version % 3)
    ]
    value["fields"] = [dict(value["fields"][0], path=f"merchant.field{n}", confidence=version / 10)
                       for n in range(version)]
    return value


def message_plan(applications: int, seed: int) -> list[tuple[str, dict[str, Any] | None]]:
    """(key, value) pairs to produce: each application's versions with redeliveries and versions out of
    order; every seventh application ends with a tombstone (value None)."""
    plan: list[tuple[str, dict[str, Any] | None]] = []
    for index in range(applications):
        key = _hex("application", index)
        newest = 1 + (index + seed) % 4
        versions = list(range(1, newest + 1))
        if index % 3 == 0:
            versions.reverse()  # newest first: the older ones that follow must not overwrite it
        if index % 2 == 0:
            versions.append(max(1, newest - 1))  # a redelivered older version
        versions.append(newest)  # a redelivery of the newest
        plan.extend((key, application_state(index, version)) for version in versions)
        if index % 7 == 6:
            plan.append((key, None))
    # Interleave applications (each keeps its own order, which is all a partition guarantees).
    by_key: dict[str, list[tuple[str, dict[str, Any] | None]]] = {}
    for key, value in plan:
        by_key.setdefault(key, []).append((key, value))
    interleaved: list[tuple[str, dict[str, Any] | None]] = []
    while any(by_key.values()):
        for queue in by_key.values():
            if queue:
                interleaved.append(queue.pop(0))
    return interleaved


def final_states(plan: Sequence[tuple[str, dict[str, Any] | None]]) -> dict[str, dict[str, Any] | None]:
    """What each application must end as: the newest version seen, or None after a tombstone."""
    final: dict[str, dict[str, Any] | None] = {}
    for key, value in plan:
        current = final.get(key)
        if value is None or current is None or value["version"] > current["version"]:
            final[key] = value
    return final


def produce(bootstrap: str, topic: str, serde: AvroSerde,
            plan: Sequence[tuple[str, dict[str, Any] | None | bytes]], pause_every: int = 0,
            pause_seconds: float = 0.0) -> dict[int, int]:
    """Produce `plan` keyed by application id (raw bytes are sent as they are); returns the end
    offset (next offset) of every partition written to."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "linger.ms": 5})
    ends: dict[int, int] = {}
    errors: list[Any] = []

    def on_delivery(error: Any, message: Any) -> None:
        if error is not None:
            errors.append(error)
        else:
            ends[message.partition()] = max(ends.get(message.partition(), 0), message.offset() + 1)

    for number, (key, value) in enumerate(plan, start=1):
        data = value if isinstance(value, bytes) or value is None else serde.encode(APPLICATION.name, value)
        producer.produce(topic, key=key.encode(), value=data, on_delivery=on_delivery)
        producer.poll(0)
        if pause_every and number % pause_every == 0:
            producer.flush(30)
            time.sleep(pause_seconds)
    assert producer.flush(30) == 0 and not errors, errors
    return ends


def oracle_database(url: str, plan: Sequence[tuple[str, dict[str, Any] | None]], group_id: str,
                    topic: str, ends: dict[int, int]) -> None:
    """Write only the final state of each application (and the end offsets) straight to `url`."""
    writer = ProjectionWriter(make_engine(url, poolclass=NullPool), group_id)
    operations = [project_application(value) if value is not None else Removal(key)
                  for key, value in final_states(plan).items()]
    writer.write(operations, {(topic, partition): offset for partition, offset in ends.items()})


def stored_offsets(url: str, group_id: str, topic: str) -> dict[int, int]:
    """partition -> next offset as the sink stored it."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        return ProjectionWriter(engine, group_id).stored_offsets(topic)
    finally:
        engine.dispose()


def wait_for_offsets(url: str, group_id: str, topic: str, ends: dict[int, int], seconds: float = WAIT_SECONDS,
                     alive: Callable[[], bool] = lambda: True) -> None:
    """Wait until the sink's stored offsets reach `ends` (fails after `seconds` or when not alive)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(stored_offsets(url, group_id, topic).get(p, 0) >= end for p, end in ends.items()):
            return
        assert alive(), "the sink stopped before reaching the end of the topic"
        time.sleep(0.1)
    raise AssertionError(f"offsets {stored_offsets(url, group_id, topic)} never reached {ends}")


@contextmanager
def running_sink(url: str, bootstrap: str, registry: str, config: SinkConfig,
                 on_batch: Callable[[WriteResult], None] | None = None) -> Iterator[PostgresSink]:
    """The sink running in a thread of this process; stopped (gracefully) on exit."""
    engine = make_engine(url)
    sink = PostgresSink(config, kafka={"bootstrap.servers": bootstrap}, serde=AvroSerde(registry),
                        writer=ProjectionWriter(engine, config.group_id), on_batch=on_batch)
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            sink.run(stop)
        except BaseException as exc:  # surfaced to the test below
            failure.append(exc)

    thread = threading.Thread(target=run, name="postgres-sink", daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        stop.set()
        thread.join(30)
        engine.dispose()
    assert not thread.is_alive(), "the sink did not stop within 30 s"
    assert not failure, failure


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return value


def dump_tables(url: str, *, offsets: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection table's rows as sorted tuples of comparable values; sink_offsets as
    (topic, partition, next_offset) when `offsets`."""
    engine = make_engine(url, poolclass=NullPool)
    dump: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as connection:
            for name in APPLICATION_TABLES:
                rows = connection.execute(select(metadata.tables[name])).all()
                dump[name] = sorted(tuple(_comparable(v) for v in row) for row in rows)
            if offsets:
                table = metadata.tables["sink_offsets"]
                query = select(table.c.topic, table.c.partition, table.c.next_offset)
                dump["sink_offsets"] = sorted(tuple(row) for row in connection.execute(query))
    finally:
        engine.dispose()
    return dump
