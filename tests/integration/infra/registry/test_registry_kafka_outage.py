"""While Kafka is away the registry keeps answering reads from memory and refuses writes with a
5xx (nothing half-written); once Kafka is back, the same write succeeds exactly once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from infra.stack.kafka import KafkaCluster
from tests.fixtures.registry import RegistryProcess, start_registry


def record(name: str) -> Schema:
    fields = [{"name": "a", "type": "int"}]
    return Schema(json.dumps({"type": "record", "name": name, "fields": fields}), "AVRO")


FIRST, SECOND = record("First"), record("Second")


@pytest.fixture
def registry_on_private_kafka(private_kafka: KafkaCluster, tmp_path: Path) -> Iterator[RegistryProcess]:
    registry = start_registry(private_kafka.bootstrap_servers, f"_schemas-{uuid.uuid4().hex}", tmp_path,
                              "--delivery-timeout-ms", "3000")
    yield registry
    registry.stop()


def client(url: str) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": url, "max.retries": 0})  # no client-side retries: see each answer


def test_writes_are_refused_while_kafka_is_down_and_accepted_once_after_it_returns(
    private_kafka: KafkaCluster, registry_on_private_kafka: RegistryProcess
) -> None:
    url = registry_on_private_kafka.url
    with client(url) as before:
        first_id = before.register_schema("first-value", FIRST)

    private_kafka.stop(grace=10.0)
    with client(url) as during:
        assert during.get_latest_version("first-value").schema_id == first_id
        with pytest.raises(SchemaRegistryError) as refused:
            during.register_schema("second-value", SECOND)
        assert refused.value.http_status_code == 500
        assert refused.value.error_code in (50001, 50002)

    private_kafka.start(timeout=120)
    with client(url) as after:
        second_id = after.register_schema("second-value", SECOND)
        assert after.register_schema("second-value", SECOND) == second_id
        assert after.get_versions("second-value") == [1]
        assert second_id == first_id + 1
