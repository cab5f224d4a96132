"""Three-node mode: a KRaft quorum of three on loopback ports survives losing one node."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from infra.settings import Settings
from infra.stack.kafka import KafkaCluster
from infra.stack.process import free_port_block
from infra.topic_admin import apply_topic_map
from infra.topics import EMAIL_RECEIVED

TOPIC = EMAIL_RECEIVED.name


@pytest.fixture(scope="module")
def three_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    base = free_port_block(6)
    cluster = KafkaCluster(tmp_path_factory.mktemp("kafka3") / "home", nodes=3, broker_port=base,
                           controller_port=base + 3, heap="320m")
    try:
        cluster.start(timeout=150)
        yield cluster
    finally:
        cluster.stop(grace=10)


def produce_all(bootstrap: str, values: list[bytes]) -> None:
    errors: list[KafkaError] = []
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "message.timeout.ms": 30_000})
    for value in values:
        producer.produce(TOPIC, value=value, on_delivery=lambda err, _msg: err and errors.append(err))
    assert producer.flush(40) == 0
    assert errors == []


def consume_all(bootstrap: str, expected: int, timeout: float = 40.0) -> list[bytes]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([TOPIC])
    seen: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while len(seen) < expected and time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is not None and msg.error() is None:
                seen.append(bytes(msg.value()))
    finally:
        consumer.close()
    return seen


def in_sync_counts(admin: AdminClient) -> list[int]:
    topic = admin.list_topics(TOPIC, timeout=10).topics[TOPIC]
    return [len(p.isrs) for p in topic.partitions.values()]


def described_min_isr(admin: AdminClient, timeout: float = 60.0) -> str:
    """min.insync.replicas of the topic, once every node knows the freshly created topic."""
    deadline = time.monotonic() + timeout
    while True:
        [config] = admin.describe_configs([ConfigResource(ResourceType.TOPIC, TOPIC)]).values()
        try:
            return str(config.result(15)["min.insync.replicas"].value)
        except KafkaException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_three_node_cluster_keeps_accepting_acks_all_writes_while_one_node_is_down(
    three_nodes: KafkaCluster, tmp_path: Path,
) -> None:
    bootstrap = three_nodes.bootstrap_servers
    settings = Settings(home=tmp_path, kafka_bootstrap=bootstrap, kafka_replication_factor=3,
                        kafka_min_insync_replicas=2)
    apply_topic_map(settings)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    min_isr = described_min_isr(admin)
    topic = admin.list_topics(TOPIC, timeout=10).topics[TOPIC]

    assert min_isr == "2"
    assert {len(p.replicas) for p in topic.partitions.values()} == {3}

    before = [f"before-{i}".encode() for i in range(20)]
    produce_all(bootstrap, before)
    three_nodes.stop_node(2)
    assert not three_nodes.node_running(2)
    during = [f"during-{i}".encode() for i in range(20)]
    produce_all(bootstrap, during)

    assert sorted(consume_all(bootstrap, 40)) == sorted(before + during)

    three_nodes.start_node(2, timeout=90)
    deadline = time.monotonic() + 60
    while min(in_sync_counts(admin)) < 3 and time.monotonic() < deadline:
        time.sleep(1)
    assert three_nodes.is_running()
    assert min(in_sync_counts(admin)) == 3
