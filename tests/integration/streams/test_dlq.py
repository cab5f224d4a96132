"""The DLQ tool against a real Kafka and schema registry: a poison message dead-lettered by the stage
wiring is listed, shown, replayed once to its source partition, and a second replay does nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka import TopicPartition as KafkaPartition
from typer.testing import CliRunner

from infra.errors import TransientError
from infra.topics import DLQ, EMAIL_RECEIVED
from schemas.serde import AvroSerde
from streams.agents.base import StageWiring
from streams.dlq import REDRIVE_HEADER, SourceMessage
from streams.dlq_commands import dlq_app

POISON = b"\x00\x7f\xff\xff\xf0not an email event"  # Confluent framing, a schema id nobody has


class KafkaPublisher:
    """A plain confluent-kafka publisher that waits for each acknowledgement."""

    def __init__(self, bootstrap: str) -> None:
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})

    async def publish(self, topic: str, *, key: bytes | None, value: bytes,
                      headers: Sequence[tuple[str, bytes]]) -> None:
        errors: list[Any] = []
        self.producer.produce(topic, value=value, key=key, headers=list(headers),
                              on_delivery=lambda err, _msg: errors.append(err))
        if await asyncio.to_thread(self.producer.flush, 15) or any(errors):
            raise TransientError(f"not acknowledged: {errors}")


def read_partition(bootstrap: str, topic: str, partition: int, *, expected: int,
                   timeout: float = 30.0) -> list[Any]:
    """Every record of one partition, from the beginning (waits until `expected` are there)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    consumer.assign([KafkaPartition(topic, partition, 0)])
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


@pytest.fixture
def dead_lettered(kafka_bootstrap: str, schema_registry: str, topic_factory) -> dict[str, str]:
    """A poison message on partition 1 of a source topic, dead-lettered by the stage wiring."""
    source_topic = topic_factory(partitions=2, prefix="dlq-source")
    dlq_topic = topic_factory(partitions=3, prefix="dlq")
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(source_topic, value=POISON, key=b"sub-1", partition=1, headers=[("trace", b"t-1")])
    assert producer.flush(15) == 0
    [original] = read_partition(kafka_bootstrap, source_topic, 1, expected=1)

    async def never_called(value: dict[str, Any], source: SourceMessage) -> list[Any]:
        raise AssertionError("a poison message never reaches the handler")

    wiring = StageWiring(stage="split", source=EMAIL_RECEIVED, handle=never_called,
                         codec=AvroSerde(schema_registry), publisher=KafkaPublisher(kafka_bootstrap),
                         topic_names={DLQ.name: dlq_topic})
    message = SourceMessage(source_topic, original.partition(), original.offset(), original.key(),
                            original.value(), tuple(original.headers()), original.timestamp()[1])
    outcome = asyncio.run(wiring.process(message))
    assert outcome.status == "dead_lettered"
    return {"source": source_topic, "dlq": dlq_topic}


def run_cli(kafka_bootstrap: str, schema_registry: str, *args: str) -> str:
    env = {"MCA_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCA_REGISTRY_URL": schema_registry, "COLUMNS": "250"}
    result = CliRunner().invoke(dlq_app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_dead_letter_is_listed_shown_replayed_once_and_never_twice(kafka_bootstrap, schema_registry,
                                                                     dead_lettered):
    source, dlq = dead_lettered["source"], dead_lettered["dlq"]

    listing = run_cli(kafka_bootstrap, schema_registry, "list", "--topic", dlq)
    assert "split" in listing and "SerializationError" in listing
    assert f"{source}[1]@0" in listing
    [dead_letter_id] = [word for word in listing.split() if word.count(":") == 1 and word[0].isdigit()]

    shown = run_cli(kafka_bootstrap, schema_registry, "show", dead_letter_id, "--topic", dlq)
    assert "SerializationError" in shown and f"Schema {0x7ffffff0} not found" in shown
    assert "00 7f ff ff f0 6e 6f 74" in shown and ".....not an emai" in shown  # hex preview: binary bytes
    assert "trace=t-1" in shown and "replayed:    no" in shown

    replayed = run_cli(kafka_bootstrap, schema_registry, "replay", "--ids", dead_letter_id, "--topic", dlq)
    assert "1 replayed, 0 skipped" in replayed
    original, copy = read_partition(kafka_bootstrap, source, 1, expected=2)
    assert (copy.key(), copy.value()) == (original.key(), original.value())
    assert copy.headers() == [("trace", b"t-1"), (REDRIVE_HEADER, f"{dlq}:{dead_letter_id}".encode())]

    again = run_cli(kafka_bootstrap, schema_registry, "replay", "--stage", "split", "--topic", dlq)
    assert "already replayed" in again and "0 replayed, 1 skipped" in again
    assert len(read_partition(kafka_bootstrap, source, 1, expected=3, timeout=3.0)) == 2
    assert "yes" in run_cli(kafka_bootstrap, schema_registry, "list", "--topic", dlq)


def test_replay_refuses_to_guess_what_to_replay(kafka_bootstrap, schema_registry):
    env = {"MCA_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCA_REGISTRY_URL": schema_registry}
    result = CliRunner().invoke(dlq_app, ["replay"], env=env)
    assert result.exit_code == 2
    assert "--stage, --ids or --all" in result.output
