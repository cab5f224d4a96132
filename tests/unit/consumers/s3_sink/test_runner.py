"""The consumer loop against a hand-written fake consumer: seek, commit after store, rebalances, stop."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from confluent_kafka import OFFSET_BEGINNING, OFFSET_INVALID, TopicPartition

from consumers.s3_sink.listing import list_keys
from consumers.s3_sink.recovery import archive_key
from consumers.s3_sink.runner import ConsumerSettings, SinkRunner, consumer_config, subscription
from infra.errors import ConfigurationError, TransientError
from tests.unit.consumers.s3_sink.helpers import TOPIC, event, framed, read_archive


@dataclass
class FakeMessage:
    _topic: str
    _partition: int
    _offset: int
    _value: bytes | None

    def error(self):
        return None

    def topic(self):
        return self._topic

    def partition(self):
        return self._partition

    def offset(self):
        return self._offset

    def value(self):
        return self._value


class FakeConsumer:
    """Plays a script: each consume() runs the next step (a callable or a list of messages)."""

    def __init__(self, steps, stop: threading.Event, committed: dict | None = None) -> None:
        self.steps = list(steps)
        self.stop = stop
        self.committed_offsets: dict[tuple[str, int], tuple[int, str | None]] = dict(committed or {})
        self.commits: list[list[tuple[str, int, int, str]]] = []
        self.assignment: list[TopicPartition] = []
        self.closed = False
        self.callbacks = {}

    def subscribe(self, topics, on_assign, on_revoke, on_lost):
        self.pattern = topics
        self.callbacks = {"assign": on_assign, "revoke": on_revoke, "lost": on_lost}

    def consume(self, num_messages, timeout):
        if not self.steps:
            self.stop.set()
            return []
        step = self.steps.pop(0)
        return step(self) if callable(step) else step

    def committed(self, partitions, timeout):
        found = []
        for tp in partitions:
            offset, metadata = self.committed_offsets.get((tp.topic, tp.partition), (OFFSET_INVALID, None))
            extra = () if metadata is None else (metadata,)
            found.append(TopicPartition(tp.topic, tp.partition, offset, *extra))
        return found

    def assign(self, partitions):
        self.assignment = list(partitions)

    def commit(self, offsets, asynchronous):
        assert asynchronous is False
        self.commits.append([(tp.topic, tp.partition, tp.offset, tp.metadata) for tp in offsets])
        for tp in offsets:
            self.committed_offsets[(tp.topic, tp.partition)] = (tp.offset, tp.metadata)

    def close(self):
        self.closed = True
        revoke = self.callbacks.get("revoke")
        if revoke and self.assignment:
            revoke(self, self.assignment)


def assign(*partitions):
    def step(consumer):
        consumer.callbacks["assign"](consumer, [TopicPartition(TOPIC, p) for p in partitions])
        return []

    return step


def revoke(*partitions, lost=False):
    def step(consumer):
        callback = consumer.callbacks["lost" if lost else "revoke"]
        callback(consumer, [TopicPartition(TOPIC, p) for p in partitions])
        return []

    return step


def messages(partition, offsets):
    return [FakeMessage(TOPIC, partition, n, framed(event(n))) for n in offsets]


def run(make_sink, steps, committed=None, **limits):
    stop = threading.Event()
    consumer = FakeConsumer(steps, stop, committed)
    SinkRunner(consumer, make_sink(**limits), r"^mca\..*").run(stop)
    return consumer


def test_offsets_are_committed_after_each_file_is_stored_and_name_the_file(make_sink, store):
    consumer = run(make_sink, [assign(0), messages(0, range(5))], max_records=2)
    assert consumer.commits[:2] == [
        [(TOPIC, 0, 2, archive_key(TOPIC, 0, 0, 1))],
        [(TOPIC, 0, 4, archive_key(TOPIC, 0, 2, 3))],
    ]
    assert store.exists(archive_key(TOPIC, 0, 0, 1))


def test_stopping_stores_the_open_batches_and_closes_the_consumer(make_sink, store):
    consumer = run(make_sink, [assign(0, 1), messages(0, [0]), messages(1, [7, 8])], max_records=10)
    assert consumer.closed
    assert list_keys(store, f"{TOPIC}/") == [archive_key(TOPIC, 0, 0, 0), archive_key(TOPIC, 1, 7, 8)]
    assert consumer.committed_offsets[(TOPIC, 1)] == (9, archive_key(TOPIC, 1, 7, 8))


def test_assignment_seeks_to_the_later_of_commit_and_store(make_sink, store):
    run(make_sink, [assign(0), messages(0, range(4))], max_records=2)
    stale = {(TOPIC, 0): (2, archive_key(TOPIC, 0, 0, 1)), (TOPIC, 2): (30, None)}
    consumer = run(make_sink, [assign(0, 1, 2)], committed=stale)
    assert {tp.partition: tp.offset for tp in consumer.assignment} == {0: 4, 1: OFFSET_BEGINNING, 2: 30}


def test_a_crash_between_store_and_commit_is_replayed_without_a_duplicate(make_sink, store):
    class Crash(Exception):
        pass

    def crash(consumer):
        raise Crash()

    with pytest.raises(Crash):
        run(make_sink, [assign(0), messages(0, range(3)), crash], max_records=2)
    # The broker redelivers from the last commit (here: nothing committed at all).
    run(make_sink, [assign(0), messages(0, range(6))], max_records=2)
    keys = list_keys(store, f"{TOPIC}/")
    assert keys == [archive_key(TOPIC, 0, 0, 1), archive_key(TOPIC, 0, 2, 3), archive_key(TOPIC, 0, 4, 5)]
    assert [r["version"] for k in keys for r in read_archive(store, k)] == list(range(6))


def test_revoked_partitions_store_and_commit_their_partial_batches(make_sink, store):
    consumer = run(make_sink, [assign(0, 1), messages(0, [0, 1]), messages(1, [0]), revoke(1)],
                   max_records=10)
    assert consumer.commits[0] == [(TOPIC, 1, 1, archive_key(TOPIC, 1, 0, 0))]
    assert store.exists(archive_key(TOPIC, 0, 0, 1))  # stored on stop


def test_lost_partitions_are_dropped_and_nothing_is_committed_for_them(make_sink, store):
    consumer = run(make_sink, [assign(0), messages(0, [0, 1]), revoke(0, lost=True), messages(0, [2])],
                   max_records=10)
    assert consumer.commits == []
    assert list_keys(store, f"{TOPIC}/") == []


def test_a_failure_leaves_nothing_half_written_and_closes_the_consumer(make_sink, store):
    def fail(consumer):
        raise TransientError("registry away")

    stop = threading.Event()
    consumer = FakeConsumer([assign(0), messages(0, [0]), fail], stop)
    with pytest.raises(TransientError):
        SinkRunner(consumer, make_sink(max_records=10)).run(stop)
    assert consumer.closed
    assert list_keys(store, f"{TOPIC}/") == []


def test_the_consumer_never_commits_on_its_own_and_starts_at_the_earliest_record():
    config = consumer_config(ConsumerSettings("h:1", "g", security={"security.protocol": "SSL"}))
    assert config["enable.auto.commit"] is False
    assert config["auto.offset.reset"] == "earliest"
    assert config["group.id"] == "g"
    assert config["security.protocol"] == "SSL"


@pytest.mark.parametrize("pattern", ["mca.*", "^mca\\.(", ""])
def test_a_pattern_must_be_an_anchored_regex(pattern):
    with pytest.raises(ConfigurationError):
        subscription(pattern)
