"""The writer on real PostgreSQL and SQLite: upserts, version order, tombstones, one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from consumers.postgres_sink.mapping import ProjectedApplication, project_application
from consumers.postgres_sink.writer import ProjectionWriter, Removal
from infra.database import make_engine
from tests.integration.consumers.postgres_sink_support import (
    application_state,
    dump_tables,
    fresh_database,
    stored_offsets,
)

GROUP, TOPIC = "writer-test", "mca.application"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with fresh_database(request.param, lambda: request.getfixturevalue("postgres_url"), tmp_path) as url:
        yield url


@pytest.fixture
def writer(database_url):
    engine = make_engine(database_url, poolclass=NullPool)
    yield ProjectionWriter(engine, GROUP)
    engine.dispose()


def state(index: int, version: int) -> ProjectedApplication:
    return project_application(application_state(index, version))


def test_versions_written_one_by_one_in_any_order_leave_the_newest(writer, database_url, tmp_path):
    for version in (2, 5, 1, 5, 3, 4):
        writer.write([state(1, version)], {})
    with fresh_database("sqlite", lambda: "", tmp_path) as expected_url:
        ProjectionWriter(make_engine(expected_url, poolclass=NullPool), GROUP).write([state(1, 5)], {})
        assert dump_tables(database_url) == dump_tables(expected_url)


def test_a_newer_version_replaces_child_rows_the_old_one_had(writer, database_url):
    writer.write([state(3, 2)], {})  # 2 owners, 3 documents, 2 statements
    before = dump_tables(database_url)
    assert len(before["owners"]) == 2 and len(before["bank_statements"]) == 2
    result = writer.write([state(3, 3)], {})  # 0 owners, 1 document, 0 statements
    after = dump_tables(database_url)
    assert (result.applied, result.stale) == (1, 0)
    assert (len(after["owners"]), len(after["documents"]), len(after["bank_statements"])) == (0, 1, 0)
    assert after["mca_positions"] == [] and len(after["field_provenance"]) == 3


def test_a_redelivered_or_older_version_changes_nothing(writer, database_url):
    writer.write([state(4, 3)], {})
    before = dump_tables(database_url)
    result = writer.write([state(4, 3), state(4, 1)], {})
    assert (result.applied, result.stale) == (0, 1)
    assert dump_tables(database_url) == before


def test_a_tombstone_removes_every_row_of_the_application(writer, database_url):
    writer.write([state(5, 2), state(6, 1)], {})
    writer.write([Removal(state(5, 2).application_id)], {})
    dump = dump_tables(database_url)
    assert {row[0] for row in dump["applications"]} == {state(6, 1).application_id}
    assert all(row[0] == state(6, 1).application_id for row in dump["owners"])


def test_offsets_are_stored_with_the_rows_and_neither_survives_a_failed_transaction(writer, database_url):
    writer.write([state(7, 1)], {(TOPIC, 0): 10, (TOPIC, 1): 4})
    assert stored_offsets(database_url, GROUP, TOPIC) == {0: 10, 1: 4}
    before = dump_tables(database_url)

    broken = state(8, 2)
    broken.rows["owners"][0]["application_id"] = "no-such-application"  # violates the foreign key
    with pytest.raises(IntegrityError):
        writer.write([state(9, 1), broken], {(TOPIC, 0): 20})

    assert stored_offsets(database_url, GROUP, TOPIC) == {0: 10, 1: 4}
    assert dump_tables(database_url) == before


def test_offsets_of_other_groups_and_topics_are_kept_apart(database_url):
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        ProjectionWriter(engine, "a").write([], {(TOPIC, 0): 3, ("other", 0): 9})
        ProjectionWriter(engine, "b").write([], {(TOPIC, 0): 7})
        assert ProjectionWriter(engine, "a").stored_offsets(TOPIC) == {0: 3}
        assert ProjectionWriter(engine, "b").stored_offsets(TOPIC) == {0: 7}
    finally:
        engine.dispose()
