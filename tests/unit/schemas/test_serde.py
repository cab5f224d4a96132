"""AvroSerde and its Faust codec, against the registry client's in-memory registry (mock://)."""

from __future__ import annotations

import json
import socket
import struct
import uuid
from decimal import Decimal

import pytest
from confluent_kafka.schema_registry import topic_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from faust.serializers import codecs

from infra.errors import SerializationError, TransientError
from infra.topics import ALL_TOPICS, APPLICATION, DLQ
from schemas.catalog import value_schema
from schemas.examples import example_value
from schemas.serde import AvroCodec, AvroSerde


@pytest.fixture
def serde() -> AvroSerde:
    return AvroSerde(f"mock://{uuid.uuid4().hex}")


@pytest.mark.parametrize("topic", [spec.name for spec in ALL_TOPICS])
def test_every_topic_round_trips_in_the_confluent_wire_format(serde, topic):
    value = example_value(topic)
    data = serde.encode(topic, value)
    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0
    assert schema_id == serde.client.get_latest_version(f"{topic}-value").schema_id
    assert serde.decode(topic, data) == value


def test_a_value_missing_a_required_field_is_a_serialization_error(serde):
    value = example_value(DLQ.name)
    del value["stage"]
    with pytest.raises(SerializationError):
        serde.encode(DLQ.name, value)


def test_money_with_more_than_two_decimals_is_refused(serde):
    value = example_value(APPLICATION.name)
    value["funding"]["amount_requested"] = Decimal("100.005")
    with pytest.raises(SerializationError):
        serde.encode(APPLICATION.name, value)


@pytest.mark.parametrize("data", [b"", b"\x00\x00\x00", b'{"json": true}', b"\x00\x00\x00\x00\x01\xff\xff"])
def test_bytes_that_are_not_framed_avro_are_a_serialization_error(serde, data):
    with pytest.raises(SerializationError):
        serde.decode(DLQ.name, data)


def test_truncated_avro_is_a_serialization_error(serde):
    data = serde.encode(DLQ.name, example_value(DLQ.name))
    with pytest.raises(SerializationError):
        serde.decode(DLQ.name, data[:20])


def test_events_written_with_an_older_schema_decode_in_the_current_shape(serde):
    current = value_schema(DLQ.name)
    older = {**current, "fields": [f for f in current["fields"] if f["name"] != "worker"]}
    old_writer = AvroSerializer(
        serde.client, json.dumps(older), conf={"subject.name.strategy": topic_subject_name_strategy}
    )
    value = example_value(DLQ.name)
    del value["worker"]
    data = old_writer(value, SerializationContext(DLQ.name, MessageField.VALUE))
    decoded = serde.decode(DLQ.name, data)
    assert decoded["worker"] is None
    assert decoded["stage"] == value["stage"]


def test_an_unreachable_registry_is_a_transient_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serde = AvroSerde(f"http://127.0.0.1:{port}", client_conf={"max.retries": 0})
    with pytest.raises(TransientError):
        serde.encode(DLQ.name, example_value(DLQ.name))


def test_the_faust_codec_encodes_like_the_serde_and_survives_cloning(serde):
    codec = AvroCodec(topic=APPLICATION.name, serde=serde)
    value = example_value(APPLICATION.name)
    data = codecs.dumps(codec, value)
    assert data == serde.encode(APPLICATION.name, value)
    assert codecs.loads(codec, data) == value
    clone = codec.clone()
    assert isinstance(clone, AvroCodec) and clone.topic == APPLICATION.name
    assert clone.loads(data) == value
