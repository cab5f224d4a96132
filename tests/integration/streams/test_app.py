"""The Faust app factory against a real Kafka and registry: the worker joins its group, a good event
goes through a stage to its output topic, a poison one to the DLQ, and both offsets are committed
only after those outputs were acknowledged."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer
from confluent_kafka import TopicPartition as KafkaPartition
from confluent_kafka.admin import AdminClient

from infra.topics import DLQ, DOCUMENT_RECEIVED, EMAIL_RECEIVED
from schemas.examples import example_value
from schemas.serde import AvroSerde
from streams.agents.contracts import Output
from streams.agents.faust_agent import stage_agent
from streams.app import StreamsConfig, create_app
from streams.dlq import SourceMessage
from streams.runtime import FaustPublisher, StreamsRuntime

WAIT_S = 60.0


def collect(bootstrap: str, topics: list[str], expected: int, timeout: float = WAIT_S) -> list[Any]:
    """Records of `topics` from the beginning, until `expected` arrived or `timeout` passed."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe(topics)
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                records.append(message)
    finally:
        consumer.close()
    return records


def committed(bootstrap: str, group: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        [partition] = consumer.committed([KafkaPartition(topic, 0)], timeout=10)
        return int(partition.offset)
    finally:
        consumer.close()


async def test_a_worker_processes_good_events_dead_letters_poison_and_commits_after_acks(
    kafka_bootstrap, schema_registry, topic_factory, tmp_path: Path
):
    source, output, dlq = (topic_factory(prefix=prefix) for prefix in ("app-source", "app-output", "app-dlq"))
    serde = AvroSerde(schema_registry)
    app_id = f"test-app-{uuid.uuid4().hex}"
    app = create_app(StreamsConfig(
        app_id=app_id, bootstrap=kafka_bootstrap, store="memory://", data_dir=tmp_path / "streams",
        session_timeout_s=10, heartbeat_s=1, rebalance_timeout_s=10, commit_interval_s=0.5,
        request_timeout_s=15, replication_factor=1,
    ))
    runtime = StreamsRuntime(app=app, codec=serde, publisher=FaustPublisher(app, timeout_s=20),
                             topic_names={EMAIL_RECEIVED.name: source, DOCUMENT_RECEIVED.name: output,
                                          DLQ.name: dlq})

    async def split(value: dict[str, Any], message: SourceMessage) -> list[Output]:
        document = example_value(DOCUMENT_RECEIVED.name)
        document["submission"]["submission_id"] = value["submission_id"]
        return [Output(DOCUMENT_RECEIVED.name, key=document["submission"]["application_id"], value=document)]

    stage_agent(runtime, stage="split", source=EMAIL_RECEIVED, handle=split, concurrency=2)

    email = example_value(EMAIL_RECEIVED.name)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(source, value=serde.encode(EMAIL_RECEIVED.name, email), key=b"sub-1", partition=0)
    producer.produce(source, value=b"not avro at all", key=b"sub-2", partition=0)
    assert producer.flush(15) == 0

    await asyncio.wait_for(app.start(), WAIT_S)
    try:
        records = await asyncio.to_thread(collect, kafka_bootstrap, [output, dlq], expected=2)
    finally:
        await asyncio.wait_for(app.stop(), WAIT_S)
    try:
        by_topic = {record.topic(): record for record in records}
        assert set(by_topic) == {output, dlq}
        document = serde.decode(DOCUMENT_RECEIVED.name, by_topic[output].value())
        assert document["submission"]["submission_id"] == email["submission_id"]
        letter = serde.decode(DLQ.name, by_topic[dlq].value())
        assert (letter["stage"], letter["error_type"]) == ("split", "SerializationError")
        assert (letter["source_topic"], letter["source_offset"]) == (source, 1)
        assert letter["value"] == b"not avro at all"
        assert committed(kafka_bootstrap, app_id, source) == 2
    finally:
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        for future in admin.delete_topics([f"{app_id}-__assignor-__leader"]).values():
            future.exception(15)  # best effort: a leftover uuid topic harms nobody
