"""Support for the pipeline stage agents' tests: a runtime on Faust's test context (memory:// tables)
with the project's Avro serde on an in-memory registry, a publisher that records what Kafka would
receive, and stage events made by running the stage handlers by hand (tests/unit/streams)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.serde import AvroSerde
from streams.agents.contracts import RetryPolicy
from streams.agents.services import StageServices, install_services
from streams.app import StreamsConfig, create_app
from streams.runtime import StreamsRuntime
from tests.unit.streams.stage_chain import StageChain, make_services


@dataclass
class Published:
    """One record handed to Kafka: topic, key, the encoded bytes and their decoded value."""

    topic: str
    key: bytes | None
    data: bytes
    value: dict[str, Any]


@dataclass
class RecordingPublisher:
    """Records every publication, decoded with the same serde."""

    serde: AvroSerde
    records: list[Published] = field(default_factory=list)

    async def publish(self, topic: str, *, key: bytes | None, value: bytes, headers: Any) -> None:
        self.records.append(Published(topic, key, value, self.serde.decode(topic, value)))

    def on(self, topic: str) -> list[Published]:
        """What was published on `topic`, in order."""
        return [record for record in self.records if record.topic == topic]


@dataclass
class AgentHarness:
    """A runtime with the stage services installed, its publisher and its serde."""

    runtime: StreamsRuntime
    publisher: RecordingPublisher
    services: StageServices
    serde: AvroSerde

    def agent(self, stage: str) -> Any:
        """The Faust agent registered for `stage`."""
        return self.runtime.app.agents[stage]

    def encode(self, topic: str, value: dict[str, Any]) -> bytes:
        """`value` as the bytes Kafka would deliver on `topic`."""
        return self.serde.encode(topic, value)


def harness(tmp_path: Path, services: StageServices | None = None) -> AgentHarness:
    """A fresh harness; stage modules' `register(harness.runtime)` then define their agents."""
    serde = AvroSerde(f"mock://agents-{uuid.uuid4().hex}")
    publisher = RecordingPublisher(serde)
    config = StreamsConfig(
        app_id=f"test-pipeline-{uuid.uuid4().hex[:8]}",
        bootstrap="127.0.0.1:9",
        store="memory://",
        data_dir=tmp_path / "streams",
        session_timeout_s=10,
        heartbeat_s=2,
        rebalance_timeout_s=10,
        commit_interval_s=1,
        request_timeout_s=5,
        replication_factor=1,
    )
    runtime = StreamsRuntime(
        app=create_app(config),
        codec=serde,
        publisher=publisher,
        retry=RetryPolicy(attempts=2, first_wait_s=0.01, max_wait_s=0.02),
    )
    services = install_services(runtime, services or make_services(tmp_path / "objects"))
    return AgentHarness(runtime, publisher, services, serde)


async def stage_events(services: StageServices, raw: bytes) -> dict[str, list[dict[str, Any]]]:
    """Every event the stages publish for `raw`, by topic (handlers chained by hand)."""
    chain = StageChain(services)
    await chain.run(raw)
    events: dict[str, list[dict[str, Any]]] = {}
    for topic, _, value in chain.published:
        events.setdefault(topic, []).append(value)
    return events
