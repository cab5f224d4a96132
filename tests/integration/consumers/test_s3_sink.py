"""The s3-sink on real services: Kafka, the schema registry and an S3-API server.

Each test archives its own `mca.s3sinktest-<uuid>` topic (2 partitions) into its own bucket, with
the subscription pattern narrowed to that topic so parallel runs never archive each other's topics.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from schemas.catalog import value_schema_text
from tests.integration.consumers.s3_sink_helpers import (
    KINDS,
    EventProducer,
    SinkProcess,
    assert_exactly_once,
    read_archive,
    start_sink,
    stored_next_offsets,
    wait_for,
)

PARTITIONS = 2


@pytest.fixture
def archive_topic(topic_factory) -> str:
    return topic_factory(partitions=PARTITIONS, prefix="mca.s3sinktest")


@pytest.fixture
def producer(kafka_bootstrap, schema_registry, archive_topic) -> EventProducer:
    return EventProducer(kafka_bootstrap, schema_registry, archive_topic)


@pytest.fixture
def sinks(kafka_bootstrap, schema_registry, s3_store_factory, archive_topic, tmp_path):
    """`start(group, max_records, max_age_seconds) -> SinkProcess` on one bucket; `.store` reads it."""
    store = s3_store_factory()
    started: list[SinkProcess] = []

    def start(group: str, *, max_records: int, max_age_seconds: float) -> SinkProcess:
        sink = start_sink(bootstrap=kafka_bootstrap, registry_url=schema_registry, store=store,
                          pattern=f"^{re.escape(archive_topic)}$", group=group, home=tmp_path / "home",
                          max_records=max_records, max_age_seconds=max_age_seconds,
                          name=f"sink-{len(started)}")
        started.append(sink)
        return sink

    start.store = store
    start.started = started
    yield start
    for sink in started:
        sink.ensure_stopped()


def caught_up(sinks, topic: str, producer: EventProducer):
    def check() -> bool:
        want = {p: len(producer.produced.get(p, {})) for p in range(PARTITIONS)}
        return stored_next_offsets(sinks.store, topic, PARTITIONS) == want

    return check


def test_every_record_is_archived_once_in_offset_order_one_writer_schema_per_file(
    sinks, producer, archive_topic, schema_registry
):
    registry = SchemaRegistryClient({"url": schema_registry})
    runs, run_length = 6, 5
    for partition in range(PARTITIONS):
        for run in range(runs):
            producer.produce_run(partition, run + partition, run_length)
    sink = sinks(f"s3-sink-{uuid.uuid4().hex}", max_records=7, max_age_seconds=600)

    # Each change of writer schema closes a file; the last run of each partition stays open...
    full = {p: (runs - 1) * run_length for p in range(PARTITIONS)}
    wait_for(lambda: stored_next_offsets(sinks.store, archive_topic, PARTITIONS) == full,
             "the closed files", [sink])
    # ...until SIGTERM, which stores the open batches before leaving.
    assert sink.terminate() == 0, sink.tail()

    for partition in range(PARTITIONS):
        files = read_archive(sinks.store, archive_topic, partition)
        assert [(f.first_offset, f.last_offset) for f in files] == [
            (run * run_length, run * run_length + run_length - 1) for run in range(runs)
        ]
        assert_exactly_once(files, producer.expected(partition))
        for run, f in enumerate(files):
            kind = KINDS[(run + partition) % len(KINDS)][0]
            writer = registry.get_schema(int(f.metadata["mca.schema_id"])).schema_str
            assert f.writer_schema == json.loads(writer)
            assert f.writer_schema["name"] == json.loads(value_schema_text(kind))["name"]
            assert f.key == f"{archive_topic}/{partition}/{f.first_offset:020d}-{f.last_offset:020d}.avro"
            assert (f.metadata["mca.topic"], f.metadata["mca.partition"]) == (archive_topic, str(partition))


def test_a_sink_killed_mid_stream_resumes_with_no_duplicate_and_no_gap(sinks, producer, archive_topic):
    group = f"s3-sink-{uuid.uuid4().hex}"
    settings = {"max_records": 4, "max_age_seconds": 1.0}
    check = caught_up(sinks, archive_topic, producer)

    def produce_chunk(round_: int) -> None:
        for partition in range(PARTITIONS):
            for run in range(3):
                producer.produce_run(partition, round_ + run, 9)

    def some_progress(after: dict[int, int]):
        def check_progress() -> bool:
            now = stored_next_offsets(sinks.store, archive_topic, PARTITIONS)
            return sum(now.values()) > sum(after.values())

        return check_progress

    produce_chunk(0)
    first = sinks(group, **settings)
    wait_for(some_progress({0: 0}), "the first files", [first])
    produce_chunk(1)  # the sink is busy with these when it is killed
    first.kill()

    stored = stored_next_offsets(sinks.store, archive_topic, PARTITIONS)
    second = sinks(group, **settings)  # same group: committed offsets and the store agree on the resume
    produce_chunk(2)
    wait_for(some_progress(stored), "progress after the first restart", [second])
    second.kill()

    third = sinks(f"s3-sink-{uuid.uuid4().hex}", **settings)  # a new group: the store alone decides
    produce_chunk(3)
    wait_for(check, "every record archived", [third])
    assert third.terminate() == 0, third.tail()

    for partition in range(PARTITIONS):
        assert_exactly_once(read_archive(sinks.store, archive_topic, partition), producer.expected(partition))


def test_partitions_move_between_sinks_of_one_group_without_loss_or_duplicate(sinks, producer, archive_topic):
    group = f"s3-sink-{uuid.uuid4().hex}"
    settings = {"max_records": 5, "max_age_seconds": 30.0}  # the first sink's batches move on rebalance only
    check = caught_up(sinks, archive_topic, producer)

    for partition in range(PARTITIONS):
        producer.produce_run(partition, partition, 7)
    first = sinks(group, **settings)
    wait_for(lambda: stored_next_offsets(sinks.store, archive_topic, PARTITIONS) == {0: 5, 1: 5},
             "the first full files", [first])

    # Joining revokes the first sink's partitions: its partial files are stored. The second sink also
    # flushes by age, so the test can wait for every record to be archived before stopping it.
    second = sinks(group, max_records=5, max_age_seconds=2.0)
    wait_for(lambda: "assigned 1 partition(s)" in second.tail(), "the second sink's share", [first, second])
    for partition in range(PARTITIONS):
        producer.produce_run(partition, partition + 1, 6)

    assert first.terminate() == 0, first.tail()  # leaving hands its partition to the second sink
    for partition in range(PARTITIONS):
        producer.produce_run(partition, partition + 2, 6)
    wait_for(lambda: "assigned 2 partition(s)" in second.tail(), "the hand-over", [second])
    wait_for(check, "every record archived", [second])
    assert second.terminate() == 0, second.tail()

    for partition in range(PARTITIONS):
        assert_exactly_once(read_archive(sinks.store, archive_topic, partition), producer.expected(partition))
