"""The wiring every stage agent shares: decode, handle, publish, acknowledge; dead-letter poison.

For each message, in order:
1. decode the value with the source topic's schema (in a thread: the registry may be asked once);
2. `handle(value, source)`, the stage's own coroutine, which hands pure work to the CPU pool and
   returns the `Output`s to publish;
3. encode every output first (so a bad output publishes nothing), then publish each and await
   Kafka's acknowledgement;
4. only then acknowledge the message, so its offset may be committed (at least once); events of
   one partition are acknowledged in offset order even when they finish out of order.

A poison message (a value that does not decode, a PoisonMessageError, a handler or pure function
raising on its input, a task over its time limit or one that keeps killing its worker) becomes a
dead letter on the DLQ topic (with the application it belongs to, when the value names one), is
acknowledged, and the stream goes on; assemble reads the dead letters of the pipeline's stages and
records the document as failed (streams/agents/assemble_failures.py). A TransientError is retried
with bounded exponential backoff (tenacity); once the attempts are spent it is logged with
topic[partition]@offset and re-raised, unacknowledged, and the worker stops (`stop_worker`) so
that it restarts from the last committed offset instead of silently skipping the message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

from infra.errors import MCAError, PoisonMessageError, SerializationError, TransientError
from infra.topics import DLQ, TopicSpec
from streams.agents.acks import PartitionAcks
from streams.agents.contracts import DEFAULT_RETRY, EventCodec, Handler, Outcome, Publisher, RetryPolicy
from streams.dlq import SourceMessage, application_of, dead_letter, dead_letter_key
from streams.pool import WorkerCrashedError

if TYPE_CHECKING:

    pass

logger = logging.getLogger(__name__)

CRASH_ATTEMPTS = 2  # a task that kills its worker twice is the input's fault, not a neighbour's


def worker_name() -> str:
    """`host:pid`, recorded on dead letters."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _key_bytes(key: str | bytes | None) -> bytes | None:
    return key.encode() if isinstance(key, str) else key


def _log_fields(source: SourceMessage, application_id: str | None = None) -> dict[str, Any]:
    return {"topic": source.topic, "partition": source.partition, "offset": source.offset,
            "application_id": application_id}


class StageWiring:
    """Runs one stage's handler over messages with the guarantees of the module docstring.

    Topic names in code are the map's (infra/topics.py): `source` is the schema the input is
    decoded with, `Output.topic` the schema and topic of an output, dead letters use `mca.dlq`'s.
    `topic_names` renames topics on the wire only (tests use uuid topics). `clock` returns the
    dead-lettering time.
    """

    def __init__(
        self,
        *,
        stage: str,
        source: TopicSpec,
        handle: Handler,
        codec: EventCodec,
        publisher: Publisher,
        retry: RetryPolicy = DEFAULT_RETRY,
        topic_names: Mapping[str, str] | None = None,
        worker: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.stage = stage
        self.source = source
        self.handle = handle
        self.codec = codec
        self.publisher = publisher
        self.retry = retry
        self.topic_names = dict(topic_names or {})
        self.worker = worker or worker_name()
        self.clock = clock
        self.acks = PartitionAcks()

    def _retrying(self) -> AsyncRetrying:
        def stop(state: RetryCallState) -> bool:
            error = state.outcome.exception() if state.outcome else None
            limit = CRASH_ATTEMPTS if isinstance(error, WorkerCrashedError) else self.retry.attempts
            return state.attempt_number >= limit

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            logger.warning("%s: attempt %d failed (%s: %s), retrying", self.stage, state.attempt_number,
                           type(error).__name__, error)

        return AsyncRetrying(
            retry=retry_if_exception_type((TransientError, WorkerCrashedError)),
            stop=stop,
            wait=wait_exponential(multiplier=self.retry.first_wait_s, max=self.retry.max_wait_s),
            before_sleep=log_retry,
            reraise=True,
        )

    async def process(self, source: SourceMessage) -> Outcome:
        """Handle one message; returns its outcome, or raises TransientError once retries are spent."""
        attempts = 0
        value: dict[str, Any] | None = None
        try:
            async for attempt in self._retrying():
                with attempt:
                    attempts += 1
                    value = await self._decode(source)
                    sent = await self._handle_and_publish(value, source)
        except TransientError:
            logger.error("%s: giving up on %s after %d attempts", self.stage, source.coordinates, attempts,
                         exc_info=True, extra=_log_fields(source))
            raise
        except Exception as error:  # every other failure belongs to this message: dead-letter it
            await self._dead_letter(source, error, attempts, application_of(value))
            return Outcome("dead_lettered", source.coordinates, error=f"{type(error).__name__}: {error}")
        logger.debug("%s: %s -> %d output(s)", self.stage, source.coordinates, sent,
                     extra=_log_fields(source))
        return Outcome("processed", source.coordinates, outputs=sent)

    async def _decode(self, source: SourceMessage) -> dict[str, Any]:
        if source.value is None:
            raise SerializationError(f"{source.coordinates} has no value (tombstone)")
        try:
            return await asyncio.to_thread(self.codec.decode, self.source.name, source.value)
        except (TransientError, SerializationError):
            raise
        except Exception as exc:  # a codec's own error about the data: the message is poison
            raise SerializationError(f"{type(exc).__name__}: {exc}") from exc

    async def _handle_and_publish(self, value: dict[str, Any], source: SourceMessage) -> int:
        outputs = await self.handle(value, source)
        encoded = [
            (output, await asyncio.to_thread(self.codec.encode, output.schema or output.topic, output.value))
            for output in outputs
        ]
        for output, data in encoded:
            await self.publisher.publish(
                self._wire(output.topic), key=_key_bytes(output.key), value=data,
                headers=list(output.headers),
            )
        return len(encoded)

    async def _dead_letter(
        self, source: SourceMessage, error: Exception, attempts: int, application_id: str | None
    ) -> None:
        level = logging.WARNING if isinstance(error, MCAError) else logging.ERROR
        logger.log(level, "%s: dead-lettering %s: %s: %s", self.stage, source.coordinates,
                   type(error).__name__, error, exc_info=level == logging.ERROR,
                   extra=_log_fields(source, application_id))
        record = dead_letter(source, stage=self.stage, error=error, at=self.clock(), attempts=attempts,
                             worker=self.worker, application_id=application_id)
        try:
            await self._publish_dead_letter(source, record)
        except PoisonMessageError as refused:
            # The original plus the error did not fit in one record: keep the error and the source
            # coordinates (the original stays there for the source topic's retention).
            logger.warning("%s: dead letter of %s refused (%s); sending it without the original",
                           self.stage, source.coordinates, refused, extra=_log_fields(source, application_id))
            note = f"{record['error_message']} [original too large for the DLQ: {refused}]"
            record = {**record, "key": None, "value": None, "error_message": note}
            await self._publish_dead_letter(source, record)

    async def _publish_dead_letter(self, source: SourceMessage, record: dict[str, Any]) -> None:
        async for attempt in self._retrying():
            with attempt:
                data = await asyncio.to_thread(self.codec.encode, DLQ.name, record)
                await self.publisher.publish(self._wire(DLQ.name), key=dead_letter_key(source), value=data,
                                             headers=[])

    def _wire(self, topic: str) -> str:
        return self.topic_names.get(topic, topic)

    async def run(self, stream: Any) -> AsyncIterator[Outcome]:
        """Process a Faust stream, acknowledging each event only once its outcome is durable and
        every earlier event of its partition is acknowledged (streams/agents/acks.py)."""
        manual = stream.noack()
        async for event in manual.events():
            self.acks.taken(event, manual)
            outcome = await self.process(source_message(event.message))
            await self.acks.done(event)
            yield outcome


def source_message(message: Any) -> SourceMessage:
    """A Faust (or aiokafka) message as a SourceMessage; key and value stay raw bytes."""
    headers = message.headers or ()
    if isinstance(headers, Mapping):
        headers = headers.items()
    timestamp = message.timestamp
    return SourceMessage(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=_as_bytes(message.key),
        value=_as_bytes(message.value),
        headers=tuple((str(name), _as_bytes(value)) for name, value in headers),
        timestamp_ms=int(timestamp * 1000) if timestamp else None,
    )


def _as_bytes(data: Any) -> bytes | None:
    if data is None or isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    # Topics are declared raw (streams/app.py); anything else is a wiring bug, not a bad message.
    raise TypeError(f"expected raw bytes, got {type(data).__name__}")
