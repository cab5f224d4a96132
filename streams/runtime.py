"""What stage agents are wired to in a worker: the Faust app, its topics, the codec, the publisher
and the CPU pool, built once from Settings (`build_runtime`) or from fakes in tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import faust
from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from faust.exceptions import ProducerSendError
from faust.types import TopicT

from infra.errors import PoisonMessageError, TransientError
from infra.settings import Settings
from infra.topics import TopicSpec
from streams.agents.contracts import EventCodec, Publisher, RetryPolicy
from streams.app import create_app, declare_topic, streams_config
from streams.pool import CpuPool, core_count

logger = logging.getLogger(__name__)


class FaustPublisher:
    """Publishes through the Faust app's producer (acks=all) and waits for the acknowledgement."""

    def __init__(self, app: faust.App, *, timeout_s: float) -> None:
        self._app = app
        self._timeout_s = timeout_s

    async def publish(
        self, topic: str, *, key: bytes | None, value: bytes, headers: Sequence[tuple[str, bytes]]
    ) -> None:
        """Send one record; raises TransientError when Kafka does not acknowledge it in time and
        PoisonMessageError when Kafka refuses it for good (too large)."""
        try:
            await asyncio.wait_for(
                self._app.producer.send_and_wait(topic, key, value, None, None, list(headers)),
                self._timeout_s,
            )
        except MessageSizeTooLargeError as exc:
            raise PoisonMessageError(f"{topic} refused a {len(value)}-byte record: {exc}") from exc
        except (KafkaError, ProducerSendError, TimeoutError) as exc:
            raise TransientError(f"Kafka did not acknowledge a record for {topic}: {exc!r}") from exc


@dataclass
class StreamsRuntime:
    """The shared parts every stage agent uses; `settings` is there for agents' own sub-configs.

    `topic_names` maps a topic of infra/topics.py to the topic used on the wire (tests only).
    """

    app: faust.App
    codec: EventCodec
    publisher: Publisher
    pool: CpuPool | None = None
    retry: RetryPolicy = RetryPolicy()
    concurrency: int = 1
    settings: Settings | None = None
    topic_names: dict[str, str] = field(default_factory=dict)
    _topics: dict[str, TopicT] = field(default_factory=dict, init=False, repr=False)

    def topic(self, spec: TopicSpec) -> TopicT:
        """`spec`'s Faust topic (raw bytes), declared once; `topic_names` may rename it (tests)."""
        if spec.name not in self._topics:
            self._topics[spec.name] = declare_topic(self.app, spec, name=self.topic_names.get(spec.name))
        return self._topics[spec.name]

    async def run_cpu(self, fn: Any, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` in the CPU pool (see streams.pool.CpuPool.run_cpu); inline without one."""
        if self.pool is None:
            return fn(*args, **kwargs)
        return await self.pool.run_cpu(fn, *args, timeout=timeout, **kwargs)

    def close(self) -> None:
        """Stop the CPU pool's workers."""
        if self.pool is not None:
            self.pool.shutdown()


def build_runtime(settings: Settings, **app_overrides: Any) -> StreamsRuntime:
    """The production runtime: Faust app from settings, Avro codec through the registry, a CPU pool
    sized to the cores."""
    from schemas.serde import AvroSerde  # the registry client is created here, at the process edge

    app = create_app(streams_config(settings), **app_overrides)
    cores = core_count()
    return StreamsRuntime(
        app=app,
        codec=AvroSerde(settings.registry_url),
        publisher=FaustPublisher(app, timeout_s=settings.kafka_delivery_timeout_ms / 1000 + 5),
        pool=CpuPool(settings.cpu_pool_workers or cores, default_timeout=settings.cpu_task_timeout_seconds),
        retry=RetryPolicy(
            attempts=settings.streams_retry_attempts, max_wait_s=settings.streams_retry_max_seconds
        ),
        concurrency=settings.streams_concurrency or cores,
        settings=settings,
    )
