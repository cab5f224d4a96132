"""Acknowledge events of each partition in offset order, whatever order they finish in.

Faust commits a partition up to the first gap in its acknowledged offsets, but (faust-streaming
0.15.3, `Consumer._new_offset`) it does not see a gap of one message right after the committed
offset, nor any gap before its first commit: with offsets 1 in flight and 2 acknowledged it
commits 3, and a worker dying then loses message 1. With agent concurrency above one, messages do
finish out of order. So an event's acknowledgement is held back until every earlier event of its
partition taken by the agent is acknowledged too; the committed offset can then never pass a
message still being processed, or one whose processing failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class _Entry:
    event: Any
    stream: Any
    generation: int
    done: bool = False


class PartitionAcks:
    """In-order acknowledgement, shared by the actors of one agent (they share its channel)."""

    def __init__(self) -> None:
        self._pending: dict[Any, dict[int, _Entry]] = {}

    def taken(self, event: Any, stream: Any) -> None:
        """Record an event as in flight; call it as soon as the event is received.

        Entries of an older consumer generation are dropped: after a rebalance Faust re-reads
        from the committed offset, so nothing of theirs is ever acknowledged.
        """
        message = event.message
        pending = self._pending.setdefault(message.tp, {})
        generation = getattr(message, "generation_id", 0) or 0
        for offset in [o for o, entry in pending.items() if entry.generation < generation]:
            del pending[offset]
        pending[message.offset] = _Entry(event, stream, generation)

    async def done(self, event: Any) -> int:
        """Mark an event finished and acknowledge the finished events at the head of its partition,
        in offset order; returns how many were acknowledged now."""
        message = event.message
        pending = self._pending.get(message.tp, {})
        entry = pending.get(message.offset)
        if entry is None or entry.event is not event:
            return 0
        entry.done = True
        acknowledged = 0
        while pending:
            head = min(pending)
            if not pending[head].done:
                break
            finished = pending.pop(head)
            await finished.stream.ack(finished.event)
            acknowledged += 1
        return acknowledged

    def in_flight(self) -> int:
        """Events taken and not yet acknowledged (finished or not)."""
        return sum(len(pending) for pending in self._pending.values())
