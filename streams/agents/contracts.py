"""What a stage agent's wiring works with: the codec and publisher it is given, the outputs a stage's
handler returns, the retry policy, and what became of each message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from streams.dlq import SourceMessage


class EventCodec(Protocol):
    """Encodes and decodes event values by topic (schemas.serde.AvroSerde is one)."""

    def encode(self, topic: str, value: Mapping[str, Any]) -> bytes: ...

    def decode(self, topic: str, data: bytes) -> dict[str, Any]: ...


class Publisher(Protocol):
    """Publishes one record and returns once Kafka acknowledged it; raises TransientError if not."""

    async def publish(
        self, topic: str, *, key: bytes | None, value: bytes, headers: Sequence[tuple[str, bytes]]
    ) -> None: ...


@dataclass(frozen=True)
class Output:
    """One record a stage produces: `value` is encoded with `topic`'s schema, or with `schema`'s
    (a topic of the map) when given: a record re-keyed onto an internal topic keeps its schema."""

    topic: str
    key: str | bytes | None
    value: Mapping[str, Any]
    headers: tuple[tuple[str, bytes], ...] = ()
    schema: str | None = None


Handler = Callable[[dict[str, Any], SourceMessage], Awaitable[Sequence[Output]]]


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for transient errors."""

    attempts: int = 5
    first_wait_s: float = 0.2
    max_wait_s: float = 10.0


@dataclass(frozen=True)
class Outcome:
    """What became of one message."""

    status: Literal["processed", "dead_lettered"]
    coordinates: str
    outputs: int = 0
    error: str | None = None


DEFAULT_RETRY = RetryPolicy()
