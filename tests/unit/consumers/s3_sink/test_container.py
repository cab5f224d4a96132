"""Avro object container files from Confluent-framed values, under each value's writer schema."""

from __future__ import annotations

import io
import json
import struct

import fastavro
import pytest

from consumers.s3_sink.batching import ArchiveRecord, Batch
from consumers.s3_sink.container import WriterSchemas, container_bytes, sync_marker, unframe
from infra.errors import SerializationError
from infra.topics import ALL_TOPICS
from schemas.catalog import value_schema_text
from schemas.examples import example_value


def framed(schema_id: int, schema_text: str, value) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(schema_text)), value)
    return struct.pack(">bI", 0, schema_id) + out.getvalue()


def batch_of(schemas: WriterSchemas, values: list[bytes], topic="mca.t", partition=0, first=0) -> Batch:
    records = []
    for i, data in enumerate(values):
        schema_id, decoded = schemas.decode(data)
        records.append(ArchiveRecord(first + i, schema_id, len(data), decoded))
    return Batch(topic, partition, records[0].schema_id, tuple(records), "records")


def read_file(data: bytes):
    reader = fastavro.reader(io.BytesIO(data))
    return reader, list(reader)


def test_the_frame_gives_the_schema_id_and_the_avro_payload():
    assert unframe(b"\x00\x00\x00\x01\x02abc") == (258, b"abc")


@pytest.mark.parametrize("data", [None, b"", b"\x00\x00\x00\x01", b"\x01\x00\x00\x00\x01abc", b'{"json": 1}'])
def test_anything_but_a_confluent_frame_is_a_serialization_error(data):
    with pytest.raises(SerializationError):
        unframe(data)


@pytest.mark.parametrize("topic", sorted({spec.name for spec in ALL_TOPICS}))
def test_every_topics_example_reads_back_unchanged_from_its_archive_file(topic):
    text = value_schema_text(topic)
    schemas = WriterSchemas({7: text}.__getitem__)
    first, second = example_value(topic), example_value(topic)
    batch = batch_of(schemas, [framed(7, text, first), framed(7, text, second)], topic=topic)
    _, records = read_file(container_bytes(batch, schemas.schema(7), "k/0/x.avro"))
    assert records == [first, second]


def test_the_file_schema_is_the_writer_schema_from_the_registry():
    text = value_schema_text("mca.application.event")
    schemas = WriterSchemas({3: text}.__getitem__)
    batch = batch_of(schemas, [framed(3, text, example_value("mca.application.event"))])
    reader, _ = read_file(container_bytes(batch, schemas.schema(3), "k"))
    assert json.loads(reader.metadata["avro.schema"]) == json.loads(text)
    assert reader.codec == "deflate"


def test_the_header_says_where_the_records_came_from():
    text = value_schema_text("mca.dlq")
    schemas = WriterSchemas({9: text}.__getitem__)
    values = [framed(9, text, example_value("mca.dlq")) for _ in range(3)]
    batch = batch_of(schemas, values, topic="mca.dlq", partition=2, first=40)
    reader, _ = read_file(container_bytes(batch, schemas.schema(9), "k"))
    assert {k: v for k, v in reader.metadata.items() if k.startswith("mca.")} == {
        "mca.topic": "mca.dlq", "mca.partition": "2", "mca.first_offset": "40", "mca.last_offset": "42",
        "mca.schema_id": "9", "mca.record_count": "3",
    }


def test_the_same_batch_under_the_same_key_gives_the_same_bytes():
    text = value_schema_text("mca.application")
    schemas = WriterSchemas({1: text}.__getitem__)
    batch = batch_of(schemas, [framed(1, text, example_value("mca.application"))])
    once = container_bytes(batch, schemas.schema(1), "mca.application/0/a.avro")
    assert container_bytes(batch, schemas.schema(1), "mca.application/0/a.avro") == once
    assert container_bytes(batch, schemas.schema(1), "mca.application/0/b.avro") != once
    assert sync_marker("mca.application/0/a.avro") in once


def test_records_of_look_alike_union_branches_keep_their_branch():
    schema = {"type": "record", "name": "Wrapper", "fields": [{"name": "body", "type": [
        {"type": "record", "name": "Credit", "fields": [{"name": "amount", "type": "long"}]},
        {"type": "record", "name": "Debit", "fields": [{"name": "amount", "type": "long"}]},
    ]}]}
    text = json.dumps(schema)
    schemas = WriterSchemas({5: text}.__getitem__)
    batch = batch_of(schemas, [framed(5, text, {"body": ("Debit", {"amount": 12})})])
    data = container_bytes(batch, schemas.schema(5), "k")
    records = list(fastavro.reader(io.BytesIO(data), return_record_name=True))
    assert records == [{"body": ("Debit", {"amount": 12})}]


def test_each_writer_schema_is_fetched_once():
    text = value_schema_text("mca.application.event")
    calls: list[int] = []

    def fetch(schema_id: int) -> str:
        calls.append(schema_id)
        return text

    schemas = WriterSchemas(fetch)
    data = framed(4, text, example_value("mca.application.event"))
    for _ in range(3):
        schemas.decode(data)
    assert calls == [4]


def test_a_value_that_does_not_decode_is_a_serialization_error():
    text = value_schema_text("mca.application.event")
    schemas = WriterSchemas({4: text}.__getitem__)
    good = framed(4, text, example_value("mca.application.event"))
    with pytest.raises(SerializationError):
        schemas.decode(good[:-7])
    with pytest.raises(SerializationError, match="trailing"):
        schemas.decode(good + b"\x00\x00")


def test_a_schema_that_is_not_avro_is_a_serialization_error():
    schemas = WriterSchemas({1: '{"type": "no-such-type"}'}.__getitem__)
    with pytest.raises(SerializationError, match="not a valid Avro schema"):
        schemas.decode(b"\x00\x00\x00\x00\x01\x00")
