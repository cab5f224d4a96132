"""A stage agent built with the shared wiring: good messages flow, poison goes to the DLQ and the
stream goes on, transient errors are retried. Faust's test_context, in-memory store, hand-written fakes."""

from __future__ import annotations

import json
import os
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infra.errors import PoisonMessageError, TransientError
from infra.topics import DLQ, DOCUMENT_RECEIVED, EMAIL_RECEIVED
from streams.agents.contracts import Output, RetryPolicy
from streams.agents.faust_agent import stage_agent
from streams.app import StreamsConfig, create_app
from streams.dlq import SourceMessage
from streams.pool import CpuPool
from streams.runtime import StreamsRuntime


class FakeCodec:
    """Stands in for the Avro serde: reads JSON objects, writes (schema, value) pickles."""

    def encode(self, topic: str, value: Any) -> bytes:
        return pickle.dumps((topic, dict(value)))

    def decode(self, topic: str, data: bytes) -> dict[str, Any]:
        value = json.loads(data)
        if not isinstance(value, dict):
            raise ValueError("not a record")
        return value


class RecordingPublisher:
    """Records what was published; the first `failures` calls fail with a TransientError."""

    def __init__(self, failures: int = 0) -> None:
        self.records: list[tuple[str, bytes | None, str, dict[str, Any]]] = []
        self.failures = failures

    async def publish(self, topic: str, *, key: bytes | None, value: bytes, headers: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("broker briefly away")
        schema, record = pickle.loads(value)
        self.records.append((topic, key, schema, record))

    def values(self, topic: str) -> list[dict[str, Any]]:
        return [record for name, _, _, record in self.records if name == topic]


def demo_double(amount: int) -> int:
    """The demo stage's pure function: a negative amount is bad input; -99 kills its process."""
    if amount == -99:
        os._exit(1)
    if amount < 0:
        raise ValueError(f"negative amount {amount}")
    return amount * 2


def make_runtime(tmp_path: Path, publisher: RecordingPublisher, pool: CpuPool | None = None
                 ) -> StreamsRuntime:
    config = StreamsConfig(
        app_id="test-stage-agent", bootstrap="127.0.0.1:9", store="memory://", data_dir=tmp_path / "streams",
        session_timeout_s=10, heartbeat_s=2, rebalance_timeout_s=10, commit_interval_s=1,
        request_timeout_s=5, replication_factor=1,
    )
    return StreamsRuntime(app=create_app(config), codec=FakeCodec(), publisher=publisher, pool=pool,
                          retry=RetryPolicy(attempts=3, first_wait_s=0.01, max_wait_s=0.05))


def demo_agent(runtime: StreamsRuntime, calls: Counter[int] | None = None):
    """A tiny stage: doubles `n` in the CPU pool; `flaky: k` fails k times first, `poison` refuses."""
    calls = Counter() if calls is None else calls

    async def handle(value: dict[str, Any], source: SourceMessage) -> list[Output]:
        calls[source.offset] += 1
        if calls[source.offset] <= value.get("flaky", 0):
            raise TransientError("object store briefly away")
        if value.get("poison"):
            raise PoisonMessageError("cannot be read")
        doubled = await runtime.run_cpu(demo_double, value["n"], timeout=30)
        return [Output(DOCUMENT_RECEIVED.name, key=value.get("application_id"), value={"doubled": doubled})]

    return stage_agent(runtime, stage="demo", source=EMAIL_RECEIVED, handle=handle)


def event(**value: Any) -> bytes:
    return json.dumps(value).encode()


@pytest.fixture
async def pool():
    cpu_pool = CpuPool(1, default_timeout=30)
    yield cpu_pool
    cpu_pool.shutdown()


async def test_a_good_message_is_processed_and_its_output_published(tmp_path):
    publisher = RecordingPublisher()
    agent = demo_agent(make_runtime(tmp_path, publisher))
    async with agent.test_context() as ctx:
        await ctx.put(event(n=21, application_id="app-1"), key=b"sub-1")
    assert ctx.results[0].status == "processed"
    assert publisher.records == [(DOCUMENT_RECEIVED.name, b"app-1", DOCUMENT_RECEIVED.name, {"doubled": 42})]


async def test_an_undecodable_message_becomes_a_dead_letter_with_its_original_and_stream_goes_on(tmp_path):
    publisher = RecordingPublisher()
    agent = demo_agent(make_runtime(tmp_path, publisher))
    async with agent.test_context() as ctx:
        await ctx.put(b"\x00\x00\x00\x00\x07garbage", key=b"sub-1", headers=[("trace", b"t-1")])
        await ctx.put(event(n=1), key=b"sub-2")
    assert [outcome.status for outcome in ctx.results.values()] == ["dead_lettered", "processed"]
    topic, key, schema, letter = publisher.records[0]
    assert (topic, schema, key) == (DLQ.name, DLQ.name, f"{EMAIL_RECEIVED.name}:0:0".encode())
    assert letter["stage"] == "demo"
    assert letter["error_type"] == "SerializationError"
    assert (letter["source_topic"], letter["source_partition"], letter["source_offset"]) == (
        EMAIL_RECEIVED.name, 0, 0)
    assert (letter["key"], letter["value"]) == (b"sub-1", b"\x00\x00\x00\x00\x07garbage")
    assert letter["headers"] == [{"key": "trace", "value": b"t-1"}]
    assert letter["at"].tzinfo is not None and letter["worker"]
    assert publisher.values(DOCUMENT_RECEIVED.name) == [{"doubled": 2}]


async def test_a_poison_message_error_from_the_stage_is_dead_lettered_without_retrying(tmp_path):
    publisher, calls = RecordingPublisher(), Counter()
    agent = demo_agent(make_runtime(tmp_path, publisher), calls)
    async with agent.test_context() as ctx:
        await ctx.put(event(poison=True, application_id="app-7"))
        await ctx.put(event(n=2))
    [letter] = publisher.values(DLQ.name)
    assert (letter["error_type"], letter["error_message"]) == ("PoisonMessageError", "cannot be read")
    assert (letter["application_id"], letter["attempts"]) == ("app-7", 1)
    assert calls[0] == 1
    assert publisher.values(DOCUMENT_RECEIVED.name) == [{"doubled": 4}]


async def test_a_pure_function_refusing_its_input_in_the_pool_is_dead_lettered(tmp_path, pool):
    publisher = RecordingPublisher()
    agent = demo_agent(make_runtime(tmp_path, publisher, pool))
    async with agent.test_context() as ctx:
        await ctx.put(event(n=-5))
        await ctx.put(event(n=5))
    [letter] = publisher.values(DLQ.name)
    assert (letter["error_type"], letter["error_message"]) == ("ValueError", "negative amount -5")
    assert publisher.values(DOCUMENT_RECEIVED.name) == [{"doubled": 10}]


async def test_an_input_that_kills_its_worker_twice_is_dead_lettered_and_the_pool_recovers(tmp_path, pool):
    publisher = RecordingPublisher()
    agent = demo_agent(make_runtime(tmp_path, publisher, pool))
    async with agent.test_context() as ctx:
        await ctx.put(event(n=-99))
        await ctx.put(event(n=3))
    [letter] = publisher.values(DLQ.name)
    assert (letter["error_type"], letter["attempts"]) == ("WorkerCrashedError", 2)
    assert pool.restarts == 2
    assert publisher.values(DOCUMENT_RECEIVED.name) == [{"doubled": 6}]


async def test_a_transient_error_is_retried_with_backoff_until_it_passes(tmp_path):
    publisher, calls = RecordingPublisher(failures=1), Counter()
    agent = demo_agent(make_runtime(tmp_path, publisher), calls)
    async with agent.test_context() as ctx:
        await ctx.put(event(n=4, flaky=1))
    assert ctx.results[0].status == "processed"
    assert calls[0] == 3  # the handler failed once, then the publish failed once
    assert publisher.values(DOCUMENT_RECEIVED.name) == [{"doubled": 8}]
    assert publisher.values(DLQ.name) == []


async def test_a_transient_error_outlasting_its_retries_stops_the_agent_and_publishes_nothing(tmp_path):
    publisher, calls = RecordingPublisher(), Counter()
    agent = demo_agent(make_runtime(tmp_path, publisher), calls)
    async with agent.test_context() as ctx:
        with pytest.raises(TransientError):
            await ctx.put(event(n=1, flaky=10))
    assert calls[0] == 3
    assert publisher.records == []
