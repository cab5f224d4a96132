"""`mca stack up | status | down`, `mca topics apply` and `mca kafka TOOL` against a stack of their own.

One stack (Kafka from the project's jars plus the embedded registry) is started for the module in
a temporary MCA_HOME on free ports, and stopped at its end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

from infra.stack.kafka import KafkaCluster
from infra.stack.process import free_port, free_port_block
from infra.topics import ALL_TOPICS, DLQ, EMAIL_RECEIVED

MCA = str(Path(sys.executable).with_name("mca"))
COMMAND_TIMEOUT_S = 180


def mca(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the `mca` console script; fail the test with its output when it fails."""
    result = subprocess.run([MCA, *args], env=env, capture_output=True, text=True,
                            timeout=COMMAND_TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
    if check and result.returncode != 0:
        pytest.fail(f"mca {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def status(env: dict[str, str]) -> dict[str, dict[str, object]]:
    return json.loads(mca(env, "stack", "status", "--json").stdout)


def produce(bootstrap: str, topic: str, value: bytes, partition: int = 0) -> int:
    """Produce one message with acks=all; return its offset."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "message.timeout.ms": 15_000})
    offsets: list[int] = []

    def on_delivery(err: object, msg: object) -> None:
        assert err is None, err
        offsets.append(msg.offset())  # type: ignore[attr-defined]

    producer.produce(topic, value=value, partition=partition, on_delivery=on_delivery)
    assert producer.flush(20) == 0
    return offsets[0]


def read_at(bootstrap: str, topic: str, partition: int, offset: int) -> bytes:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])
        msg = consumer.poll(20)
        assert msg is not None and msg.error() is None, msg and msg.error()
        return bytes(msg.value())
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment of a stack brought up with `mca stack up` (and brought down afterwards)."""
    home = tmp_path_factory.mktemp("stack-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCA_")}
    env.update(
        MCA_HOME=str(home), MCA_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port_block(2)}", MCA_KAFKA_HEAP="384m",
        MCA_REGISTRY_URL=f"http://127.0.0.1:{free_port()}", MCA_REGISTRY_EMBEDDED="true",
    )
    try:
        env["UP_OUTPUT"] = mca(env, "stack", "up").stdout
        yield env
    finally:
        mca(env, "stack", "down", check=False)
        port = int(env["MCA_KAFKA_BOOTSTRAP"].rsplit(":", 1)[1])
        KafkaCluster(home, broker_port=port).stop(grace=5)  # in case `down` itself failed


def test_stack_up_starts_kafka_and_registry_applies_the_topic_map_and_prepares_storage(
    stack_env: dict[str, str],
) -> None:
    found = status(stack_env)

    assert set(found) == {"kafka", "registry", "database", "object_store"}
    assert found["kafka"]["state"] == "running"
    assert found["kafka"]["address"] == stack_env["MCA_KAFKA_BOOTSTRAP"]
    assert found["registry"]["state"] == "running"
    assert found["registry"]["address"] == stack_env["MCA_REGISTRY_URL"]
    assert found["object_store"]["state"] == "ready"
    assert found["database"]["address"] == f"sqlite:///{stack_env['MCA_HOME']}/mca.db"
    assert Path(stack_env["MCA_HOME"], "logs", "kafka-node-0", "server.log").is_file()
    for spec in ALL_TOPICS:
        assert f"create {spec.name}:" in stack_env["UP_OUTPUT"]


def test_stack_up_again_finds_the_running_services_and_changes_nothing(stack_env: dict[str, str]) -> None:
    pids_before = status(stack_env)["kafka"]["pids"]

    out = mca(stack_env, "stack", "up").stdout

    assert "kafka: already running" in out
    assert "registry: already running" in out
    assert "nothing changed" in out
    assert status(stack_env)["kafka"]["pids"] == pids_before


def test_topics_apply_repairs_config_drift_and_the_second_apply_changes_nothing(
    stack_env: dict[str, str],
) -> None:
    admin = AdminClient({"bootstrap.servers": stack_env["MCA_KAFKA_BOOTSTRAP"]})
    drift = ConfigResource(ResourceType.TOPIC, DLQ.name, incremental_configs=[
        ConfigEntry("retention.ms", "60000", incremental_operation=AlterConfigOpType.SET)])
    for future in admin.incremental_alter_configs([drift]).values():
        future.result(15)

    first = mca(stack_env, "topics", "apply").stdout
    second = mca(stack_env, "topics", "apply").stdout

    assert f"alter_config {DLQ.name}: retention.ms: 60000 -> {DLQ.retention_ms}" in first
    assert "nothing changed" in second


def test_kafka_own_tools_list_the_topics_and_read_an_event_produced_with_confluent_kafka(
    stack_env: dict[str, str],
) -> None:
    value = f"event-{uuid.uuid4().hex}"
    offset = produce(stack_env["MCA_KAFKA_BOOTSTRAP"], EMAIL_RECEIVED.name, value.encode(), partition=1)

    listed = mca(stack_env, "kafka", "kafka-topics", "--list").stdout.split()
    consumed = mca(stack_env, "kafka", "kafka-console-consumer", "--topic", EMAIL_RECEIVED.name,
                   "--partition", "1", "--offset", str(offset), "--max-messages", "1",
                   "--timeout-ms", "30000").stdout

    assert {spec.name for spec in ALL_TOPICS} <= set(listed)
    assert consumed.strip() == value


def test_status_never_prints_a_database_password(stack_env: dict[str, str]) -> None:
    env = dict(stack_env, MCA_DATABASE_URL="postgresql+psycopg://mca:topsecret-pw@127.0.0.1:9/mca")

    table = mca(env, "stack", "status").stdout
    as_json = mca(env, "stack", "status", "--json").stdout

    assert "topsecret-pw" not in table + as_json
    assert json.loads(as_json)["database"]["state"] == "unreachable"


def test_events_and_topics_survive_a_stack_restart(stack_env: dict[str, str]) -> None:
    bootstrap = stack_env["MCA_KAFKA_BOOTSTRAP"]
    value = f"durable-{uuid.uuid4().hex}".encode()
    offset = produce(bootstrap, EMAIL_RECEIVED.name, value, partition=2)

    mca(stack_env, "stack", "down")
    stopped = status(stack_env)
    out = mca(stack_env, "stack", "up").stdout

    assert stopped["kafka"]["state"] == "stopped"
    assert stopped["registry"]["state"] == "stopped"
    assert "kafka: started" in out
    assert "nothing changed" in out
    assert read_at(bootstrap, EMAIL_RECEIVED.name, 2, offset) == value
