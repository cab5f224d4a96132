"""A stage as a Faust agent: the wiring (streams/agents/base.py) run over a topic's stream, and the
worker stopped when an error escapes it; internal repartition topics for routers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from infra.topics import TopicSpec
from streams.agents.base import StageWiring
from streams.agents.contracts import Handler, Outcome

if TYPE_CHECKING:
    from faust.types import AgentT, ChannelT

    from streams.runtime import StreamsRuntime

logger = logging.getLogger(__name__)

COMMIT_ON_STOP_S = 10.0


def stage_agent(
    runtime: StreamsRuntime,
    *,
    stage: str,
    source: TopicSpec,
    handle: Handler,
    concurrency: int = 1,
    channel: ChannelT | None = None,
    topic_names: Mapping[str, str] | None = None,
) -> AgentT:
    """Define the Faust agent of `stage`: `source`'s messages through `handle` (StageWiring).

    `concurrency` messages are in flight at once (CPU stages pass `runtime.concurrency`, so every
    core stays busy); `channel` replaces the source topic (internal repartition topics, tests);
    `topic_names` replaces `runtime.topic_names` for the outputs (a router publishing to such a
    topic). The agent yields one Outcome per message.
    """
    wiring = StageWiring(stage=stage, source=source, handle=handle, codec=runtime.codec,
                         publisher=runtime.publisher, retry=runtime.retry,
                         topic_names=runtime.topic_names if topic_names is None else topic_names)

    async def process_stage(stream: Any) -> AsyncIterator[Outcome]:
        try:
            async for outcome in wiring.run(stream):
                yield outcome
        except Exception as error:  # escaped the wiring: a message is left unacknowledged
            await stop_worker(runtime.app, stage, error)
            raise

    process_stage.__qualname__ = process_stage.__name__ = f"{stage}_agent"
    # Faust's supervisor restarts a crashed actor while the worker stops; what it processes in that
    # moment is never acknowledged past the failed message (PartitionAcks), only done again later.
    return runtime.app.agent(
        channel if channel is not None else runtime.topic(source), name=stage, concurrency=concurrency
    )(process_stage)


def repartition_topic(runtime: StreamsRuntime, name: str, partitions: int) -> ChannelT:
    """An internal topic of raw bytes that an agent re-keys records onto (co-partitioned with a table)."""
    return runtime.app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw",
                             value_serializer="raw", partitions=partitions, internal=True)


async def stop_worker(app: Any, stage: str, error: BaseException) -> None:
    """An error escaped the wiring (a transient error outlasting its retries), leaving its message
    unacknowledged: stop the worker, so it restarts from committed offsets and re-reads that
    message, instead of running on with a partition whose commits can never pass it."""
    logger.critical("%s: %s: %s; stopping the worker", stage, type(error).__name__, error)
    try:
        # Commit what was acknowledged before the failed message, so less is processed twice.
        await asyncio.wait_for(app.consumer.commit(), COMMIT_ON_STOP_S)
    except Exception as exc:  # the worker stops either way; committed offsets only lag behind
        logger.warning("%s: could not commit before stopping: %r", stage, exc)
    await app.crash(error)
