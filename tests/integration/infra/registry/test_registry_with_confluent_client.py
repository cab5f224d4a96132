"""The project's registry, proven with confluent-kafka's own SchemaRegistryClient, AvroSerializer and
AvroDeserializer against a real Kafka."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, ConfigResource
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

ORDER_V1 = {
    "type": "record", "name": "Order", "namespace": "mca.test",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}},
    ],
}
NOTE = {"name": "note", "type": ["null", "string"], "default": None}
ORDER_V2 = {**ORDER_V1, "fields": [*ORDER_V1["fields"], NOTE]}
ORDER_BREAKING = {**ORDER_V1, "fields": [*ORDER_V1["fields"], {"name": "merchant", "type": "string"}]}


def avro(schema: dict) -> Schema:
    return Schema(json.dumps(schema), "AVRO")


def subject_name() -> str:
    return f"orders-{uuid.uuid4().hex}-value"


@pytest.fixture
def client(schema_registry: str) -> Iterator[SchemaRegistryClient]:
    with SchemaRegistryClient({"url": schema_registry}) as registry_client:
        yield registry_client


def test_registered_schema_is_read_back_by_id_lookup_and_version(client: SchemaRegistryClient) -> None:
    subject = subject_name()

    schema_id = client.register_schema(subject, avro(ORDER_V1))

    assert json.loads(client.get_schema(schema_id).schema_str) == ORDER_V1
    found = client.lookup_schema(subject, avro(ORDER_V1))
    assert (found.schema_id, found.version, found.subject) == (schema_id, 1, subject)
    assert client.get_versions(subject) == [1]
    latest = client.get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (schema_id, 1)
    assert subject in client.get_subjects()
    assert client.register_schema(subject, avro(ORDER_V1)) == schema_id  # idempotent


def test_same_schema_under_two_subjects_has_one_id(client: SchemaRegistryClient) -> None:
    first, second = subject_name(), subject_name()

    assert client.register_schema(first, avro(ORDER_V1)) == client.register_schema(second, avro(ORDER_V1))


def test_backward_incompatible_change_is_refused_and_optional_field_becomes_version_two(
    client: SchemaRegistryClient,
) -> None:
    subject = subject_name()
    first_id = client.register_schema(subject, avro(ORDER_V1))

    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(subject, avro(ORDER_BREAKING))
    assert (refused.value.http_status_code, refused.value.error_code) == (409, 409)

    second_id = client.register_schema(subject, avro(ORDER_V2))
    assert second_id != first_id
    assert client.get_latest_version(subject).version == 2
    assert client.get_versions(subject) == [1, 2]


def test_compatibility_level_is_set_per_subject_and_tested_without_registering(
    client: SchemaRegistryClient,
) -> None:
    subject = subject_name()
    client.register_schema(subject, avro(ORDER_V1))

    assert client.test_compatibility(subject, avro(ORDER_V2)) is True
    assert client.test_compatibility(subject, avro(ORDER_BREAKING)) is False

    client.set_compatibility(subject, "NONE")
    assert client.get_compatibility(subject) == "NONE"
    assert client.test_compatibility(subject, avro(ORDER_BREAKING)) is True
    assert client.get_compatibility() == "BACKWARD"  # the global default is untouched


def test_avro_serializer_and_deserializer_round_trip_through_a_topic(
    schema_registry: str, kafka_bootstrap: str, topic_factory: Callable[..., str],
    client: SchemaRegistryClient,
) -> None:
    topic = topic_factory()
    value = SerializationContext(topic, MessageField.VALUE)
    order = {"order_id": "o-1", "amount": Decimal("1234.56")}

    payload = AvroSerializer(client, json.dumps(ORDER_V1))(order, value)
    assert payload[0] == 0  # Confluent wire format: magic byte, then the 4-byte schema id
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "acks": "all"})
    producer.produce(topic, value=payload)
    assert producer.flush(30) == 0

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"test-{uuid.uuid4()}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    try:
        message = None
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                break
        assert message is not None and message.error() is None
        # A fresh client, so the writer schema really comes from the registry by id.
        with SchemaRegistryClient({"url": schema_registry}) as reader_client:
            decoded = AvroDeserializer(reader_client)(message.value(), value)
    finally:
        consumer.close()

    assert decoded == order
    assert client.get_latest_version(f"{topic}-value").schema_id == int.from_bytes(payload[1:5], "big")


def test_restarted_registry_serves_the_same_ids_versions_and_settings(
    schema_registry_factory: Callable[..., object], kafka_bootstrap: str
) -> None:
    first = schema_registry_factory()
    orders, archive = subject_name(), subject_name()
    with SchemaRegistryClient({"url": first.url}) as before:
        ids = [before.register_schema(orders, avro(ORDER_V1)), before.register_schema(orders, avro(ORDER_V2))]
        assert before.register_schema(archive, avro(ORDER_V1)) == ids[0]
        before.set_compatibility(orders, "FULL")
        before.delete_subject(archive)
    first.stop()

    second = schema_registry_factory(first.topic)
    with SchemaRegistryClient({"url": second.url}) as after:
        assert [after.get_version(orders, number).schema_id for number in (1, 2)] == ids
        assert after.get_versions(orders) == [1, 2]
        assert after.get_compatibility(orders) == "FULL"
        assert archive not in after.get_subjects()
        assert after.get_versions(archive, deleted=True) == [1]
        assert json.loads(after.get_schema(ids[1]).schema_str) == ORDER_V2
        assert after.register_schema(subject_name(), avro(ORDER_BREAKING)) == max(ids) + 1

    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    [described] = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, first.topic)]).values()
    assert described.result(timeout=15)["cleanup.policy"].value == "compact"
