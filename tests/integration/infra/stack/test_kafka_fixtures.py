"""The Kafka fixtures other tests build on: session broker, topic_factory and private_kafka."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from infra.stack.kafka import KafkaCluster


def produce_one(bootstrap: str, topic: str, value: bytes, timeout_ms: int = 15_000) -> int:
    """Produce with acks=all; return the offset or raise KafkaException when not acknowledged."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "message.timeout.ms": timeout_ms})
    result: list[int] = []
    failures: list[object] = []

    def on_delivery(err: object, msg: object) -> None:
        if err:
            failures.append(err)
        else:
            result.append(msg.offset())  # type: ignore[attr-defined]

    producer.produce(topic, value=value, on_delivery=on_delivery)
    producer.flush(timeout_ms / 1000 + 5)
    if failures or not result:
        raise KafkaException(failures[0] if failures else "not delivered")
    return result[0]


def read_one(bootstrap: str, topic: str, offset: int) -> bytes:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4().hex}"})
    try:
        consumer.assign([TopicPartition(topic, 0, offset)])
        msg = consumer.poll(20)
        assert msg is not None and msg.error() is None
        return bytes(msg.value())
    finally:
        consumer.close()


def test_topic_factory_makes_fresh_topics_that_round_trip_a_message(
    kafka_bootstrap: str, topic_factory: Callable[..., str],
) -> None:
    first, second = topic_factory(), topic_factory(partitions=3)

    offset = produce_one(kafka_bootstrap, first, b"hello")

    assert first != second
    assert offset == 0
    assert read_one(kafka_bootstrap, first, offset) == b"hello"


def test_private_kafka_keeps_its_address_and_data_across_a_restart(private_kafka: KafkaCluster) -> None:
    bootstrap = private_kafka.bootstrap_servers
    topic = f"test-{uuid.uuid4().hex}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(15)
    offset = produce_one(bootstrap, topic, b"kept")

    private_kafka.stop()
    with pytest.raises(KafkaException):
        produce_one(bootstrap, topic, b"lost", timeout_ms=2_000)
    private_kafka.start()

    assert private_kafka.bootstrap_servers == bootstrap
    assert read_one(bootstrap, topic, offset) == b"kept"
