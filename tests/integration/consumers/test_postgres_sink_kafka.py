"""The postgres-sink against real Kafka, schema registry and databases: application states with
redeliveries, out-of-order versions, tombstones and a poison message end up as the final states."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer

from consumers.postgres_sink.runner import STAGE, SinkConfig
from infra.topics import DLQ
from schemas.serde import AvroSerde
from tests.integration.consumers.postgres_sink_support import (
    application_state,
    dump_tables,
    final_states,
    fresh_database,
    message_plan,
    oracle_database,
    produce,
    running_sink,
    wait_for_offsets,
)

PARTITIONS = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def database_kind(request):
    return request.param


@pytest.fixture
def databases(request, database_kind, tmp_path):
    """Two fresh databases of the kind under test: one for the sink, one for the expected state."""
    postgres = lambda: request.getfixturevalue("postgres_url")  # noqa: E731
    with (fresh_database(database_kind, postgres, tmp_path) as sink_url,
          fresh_database(database_kind, postgres, tmp_path) as expected_url):
        yield sink_url, expected_url


def read_dead_letters(bootstrap: str, topic: str, serde: AvroSerde, count: int) -> list[dict]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"dlq-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    letters: list[dict] = []
    try:
        for _ in range(60):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                letters.append(serde.decode(DLQ.name, message.value()))
            if len(letters) >= count:
                break
    finally:
        consumer.close()
    return letters


def test_sink_projects_the_final_state_of_every_application_despite_redeliveries_and_disorder(
    kafka_bootstrap, topic_factory, schema_registry, databases
):
    sink_url, expected_url = databases
    topic = topic_factory(partitions=PARTITIONS, prefix="mca-application")
    dlq = topic_factory(prefix="mca-dlq")
    serde = AvroSerde(schema_registry)
    plan = message_plan(applications=30, seed=1)
    poison = ("poison", b"\x00not avro at all")
    ends = produce(kafka_bootstrap, topic, serde, [*plan[:40], poison, *plan[40:]])
    config = SinkConfig(topic=topic, group_id=f"sink-{uuid.uuid4().hex}", dlq_topic=dlq, batch_size=25,
                        batch_max_seconds=0.2, poll_seconds=0.2)

    with running_sink(sink_url, kafka_bootstrap, schema_registry, config):
        wait_for_offsets(sink_url, config.group_id, topic, ends)

    oracle_database(expected_url, plan, config.group_id, topic, ends)
    projected = dump_tables(sink_url)
    assert projected == dump_tables(expected_url)
    survivors = {key: value for key, value in final_states(plan).items() if value is not None}
    assert len(projected["applications"]) == len(survivors) < 30
    assert {row[1] for row in projected["applications"]} == {value["version"] for value in survivors.values()}
    [letter] = read_dead_letters(kafka_bootstrap, dlq, serde, 1)
    assert (letter["stage"], letter["source_topic"], letter["key"]) == (STAGE, topic, b"poison")


def test_a_restarted_sink_resumes_from_the_stored_offsets_and_replays_nothing_twice(
    kafka_bootstrap, topic_factory, schema_registry, databases
):
    sink_url, expected_url = databases
    topic = topic_factory(partitions=PARTITIONS, prefix="mca-application")
    serde = AvroSerde(schema_registry)
    plan = message_plan(applications=20, seed=2)
    first, second = plan[: len(plan) // 2], plan[len(plan) // 2:]
    config = SinkConfig(topic=topic, group_id=f"sink-{uuid.uuid4().hex}", dlq_topic="unused",
                        batch_size=10, batch_max_seconds=0.2, poll_seconds=0.2)
    batches: list = []

    ends = produce(kafka_bootstrap, topic, serde, first)
    with running_sink(sink_url, kafka_bootstrap, schema_registry, config):
        wait_for_offsets(sink_url, config.group_id, topic, ends)
    ends = {p: max(ends.get(p, 0), e) for p, e in produce(kafka_bootstrap, topic, serde, second).items()}
    with running_sink(sink_url, kafka_bootstrap, schema_registry, config, on_batch=batches.append):
        wait_for_offsets(sink_url, config.group_id, topic, ends)

    oracle_database(expected_url, plan, config.group_id, topic, ends)
    assert dump_tables(sink_url) == dump_tables(expected_url)
    seen = sum(r.applied + r.stale + r.removed for r in batches)
    assert 0 < seen <= len(second), "the restarted sink re-read messages of the first run"


def test_a_message_the_database_refuses_is_dead_lettered_and_the_rest_is_written(
    request, kafka_bootstrap, topic_factory, schema_registry, tmp_path
):
    postgres = lambda: request.getfixturevalue("postgres_url")  # noqa: E731
    topic = topic_factory(partitions=1, prefix="mca-application")
    dlq = topic_factory(prefix="mca-dlq")
    serde = AvroSerde(schema_registry)
    plan = message_plan(applications=6, seed=4)
    refused = application_state(99, 1)
    refused["fields"][0]["path"] = "merchant." + "x" * 300  # longer than the column allows
    messages = [*plan[:5], (refused["application_id"], refused), *plan[5:]]
    ends = produce(kafka_bootstrap, topic, serde, messages)
    config = SinkConfig(topic=topic, group_id=f"sink-{uuid.uuid4().hex}", dlq_topic=dlq, batch_size=100,
                        batch_max_seconds=0.5, poll_seconds=0.2)

    with (fresh_database("postgresql", postgres, tmp_path) as sink_url,
          fresh_database("postgresql", postgres, tmp_path) as expected_url):
        with running_sink(sink_url, kafka_bootstrap, schema_registry, config):
            wait_for_offsets(sink_url, config.group_id, topic, ends)
        oracle_database(expected_url, plan, config.group_id, topic, ends)
        assert dump_tables(sink_url) == dump_tables(expected_url)

    [letter] = read_dead_letters(kafka_bootstrap, dlq, serde, 1)
    assert letter["error_type"] == "UnprojectableError" and letter["source_offset"] == 5
    assert "x" * 300 not in letter["error_message"]
