"""The Avro contracts against a real schema registry and a real Kafka broker."""

from __future__ import annotations

import json
import struct
import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext
from typer.testing import CliRunner

from infra.topics import ALL_TOPICS, DLQ
from schemas.catalog import all_value_schemas, value_schema
from schemas.examples import example_value
from schemas.serde import AvroSerde

TOPICS = [spec.name for spec in ALL_TOPICS]
CONSUME_TIMEOUT_S = 60.0


def _schema_id(data: bytes) -> int:
    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0
    return int(schema_id)


def test_every_subject_registers_idempotently_with_the_registry(schema_registry):
    from schemas.commands import schemas_app

    runner = CliRunner()
    first = runner.invoke(schemas_app, ["register", "--registry-url", schema_registry])
    assert first.exit_code == 0, first.output
    again = runner.invoke(schemas_app, ["register", "--registry-url", schema_registry])
    assert again.exit_code == 0, again.output
    assert sorted(first.output.splitlines()) == sorted(again.output.splitlines())

    client = SchemaRegistryClient({"url": schema_registry})
    ids = {subject: client.get_latest_version(subject).schema_id for subject in all_value_schemas()}
    webhook_ids = {ids[spec.value_subject] for spec in ALL_TOPICS if spec.value_schema == "webhook_delivery"}
    assert len(webhook_ids) == 1, "one schema shared by the webhook topics is one schema id"


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_round_trips_through_the_registry(schema_registry, topic):
    value = example_value(topic)
    data = AvroSerde(schema_registry).encode(topic, value)
    client = SchemaRegistryClient({"url": schema_registry})
    assert _schema_id(data) == client.get_latest_version(f"{topic}-value").schema_id

    reader = AvroSerde(schema_registry, auto_register=False)
    assert reader.decode(topic, data) == value
    assert reader.encode(topic, value) == data


def test_a_stock_consumer_reads_what_the_serde_produced_through_kafka(schema_registry, kafka_bootstrap,
                                                                       topic_factory):
    serde = AvroSerde(schema_registry)
    wire_topic = topic_factory(prefix="schemas")
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "acks": "all", "enable.idempotence": True})
    for topic in TOPICS:
        producer.produce(wire_topic, key=topic.encode(), value=serde.encode(topic, example_value(topic)))
    assert producer.flush(30) == 0

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"schemas-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    stock = AvroDeserializer(SchemaRegistryClient({"url": schema_registry}))
    decoded: dict[str, dict] = {}
    try:
        consumer.subscribe([wire_topic])
        deadline = time.monotonic() + CONSUME_TIMEOUT_S
        while len(decoded) < len(TOPICS) and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            topic = message.key().decode()
            decoded[topic] = stock(message.value(), SerializationContext(topic, MessageField.VALUE))
    finally:
        consumer.close()
    assert sorted(decoded) == sorted(TOPICS)
    for topic in TOPICS:
        assert decoded[topic] == example_value(topic), topic


def test_the_registry_refuses_a_change_that_breaks_backward_compatibility(schema_registry):
    client = SchemaRegistryClient({"url": schema_registry})
    subject = f"schemas-test-{uuid.uuid4().hex}-value"
    client.register_schema(subject, Schema(json.dumps(value_schema(DLQ.name)), "AVRO"))
    broken = value_schema(DLQ.name)
    broken["fields"].append({"name": "required_later", "type": "string", "doc": "No default: a break."})
    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(subject, Schema(json.dumps(broken), "AVRO"))
    assert refused.value.http_status_code == 409
