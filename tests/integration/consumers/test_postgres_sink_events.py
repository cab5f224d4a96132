"""The postgres-sink also projects `mca.application.event` into the processing history: one row per
event id (redeliveries are no-ops), offsets of both topics stored in the same transactions."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Producer
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from consumers.postgres_sink.commands import default_event_topic
from consumers.postgres_sink.runner import SinkConfig
from infra.crypto import new_key_spec, parse_key_ring
from infra.database import make_engine
from infra.topics import APPLICATION, APPLICATION_EVENT
from schemas.db.projection import Application, ApplicationEvent
from schemas.serde import AvroSerde
from tests.integration.api.api_support import application_value, event_value
from tests.integration.consumers.postgres_sink_support import (
    fresh_database,
    produce,
    running_sink,
    wait_for_offsets,
)


def produce_events(bootstrap, topic, serde, events):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
    ends: dict[int, int] = {}

    def on_delivery(error, message):
        assert error is None, error
        ends[message.partition()] = max(ends.get(message.partition(), 0), message.offset() + 1)

    for event in events:
        producer.produce(
            topic,
            key=event["application_id"].encode(),
            on_delivery=on_delivery,
            value=serde.encode(APPLICATION_EVENT.name, event),
        )
    assert producer.flush(30) == 0
    return ends


@pytest.mark.parametrize("database_kind", ["postgresql", "sqlite"])
def test_events_become_the_processing_history_once_each_beside_the_states(
    request, database_kind, kafka_bootstrap, topic_factory, schema_registry, tmp_path
):
    ring = parse_key_ring(new_key_spec())
    states = [application_value(index, ring) for index in range(4)]
    events = [event_value(state, transition) for state in states for transition in ("received", "processed")]
    application_topic = topic_factory(partitions=2, prefix="mca-application")
    event_topic = topic_factory(partitions=2, prefix="mca-application-event")
    serde = AvroSerde(schema_registry)
    postgres = lambda: request.getfixturevalue("postgres_url")  # noqa: E731
    with fresh_database(database_kind, postgres, tmp_path) as url:
        state_ends = produce(
            kafka_bootstrap, application_topic, serde, [(state["application_id"], state) for state in states]
        )
        event_ends = produce_events(kafka_bootstrap, event_topic, serde, events + events[:3])  # 3 redelivered
        config = SinkConfig(
            topic=application_topic,
            event_topic=event_topic,
            group_id=f"g-{uuid.uuid4().hex}",
            dlq_topic=f"{event_topic}-dlq",
            batch_size=5,
            batch_max_seconds=0.1,
            poll_seconds=0.1,
        )
        with running_sink(url, kafka_bootstrap, schema_registry, config):
            wait_for_offsets(url, config.group_id, application_topic, state_ends)
            wait_for_offsets(url, config.group_id, event_topic, event_ends)
        engine = make_engine(url, poolclass=NullPool)
        with Session(engine) as session:
            history = list(session.scalars(select(ApplicationEvent)))
            assert len(session.scalars(select(Application)).all()) == 4
        engine.dispose()
    assert sorted(row.event_id for row in history) == sorted(event["event_id"] for event in events)
    by_id = {row.event_id: row for row in history}
    first = by_id[events[1]["event_id"]]
    assert (first.type, first.status, first.version, first.application_id) == (
        "application.processed",
        states[0]["status"],
        1,
        states[0]["application_id"],
    )


def test_the_command_reads_events_beside_the_platform_application_topic_only():
    assert default_event_topic(APPLICATION.name) == APPLICATION_EVENT.name
    assert default_event_topic("mca-application-replay") is None
