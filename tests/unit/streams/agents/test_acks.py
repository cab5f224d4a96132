"""Events of a partition are acknowledged in offset order, so a commit never passes a message still
in flight (or failed), whatever order concurrent actors finish in."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.agents.acks import PartitionAcks


@dataclass(frozen=True)
class Message:
    tp: str
    offset: int
    generation_id: int = 1


@dataclass(eq=False)
class Event:
    message: Message


@dataclass
class RecordingStream:
    acked: list[tuple[str, int]] = field(default_factory=list)

    async def ack(self, event: Event) -> bool:
        self.acked.append((event.message.tp, event.message.offset))
        return True


def events(tp: str, *offsets: int, generation: int = 1) -> list[Event]:
    return [Event(Message(tp, offset, generation)) for offset in offsets]


async def test_a_later_event_finishing_first_waits_for_the_earlier_one():
    acks, stream = PartitionAcks(), RecordingStream()
    first, second, third = events("p0", 5, 6, 7)
    for event in (first, second, third):
        acks.taken(event, stream)
    assert await acks.done(third) == 0
    assert await acks.done(second) == 0
    assert stream.acked == []
    assert await acks.done(first) == 3
    assert stream.acked == [("p0", 5), ("p0", 6), ("p0", 7)]
    assert acks.in_flight() == 0


async def test_a_failed_event_holds_back_its_partition_only():
    acks, stream = PartitionAcks(), RecordingStream()
    failed, later = events("p0", 1, 2)
    [elsewhere] = events("p1", 9)
    for event in (failed, later, elsewhere):
        acks.taken(event, stream)
    await acks.done(later)
    await acks.done(elsewhere)
    assert stream.acked == [("p1", 9)]
    assert acks.in_flight() == 2


async def test_after_a_rebalance_events_of_the_old_generation_no_longer_hold_back_the_new_ones():
    acks, stream = PartitionAcks(), RecordingStream()
    [cancelled] = events("p0", 3, generation=1)
    acks.taken(cancelled, stream)
    reread = events("p0", 3, 4, generation=2)
    for event in reread:
        acks.taken(event, stream)
    await acks.done(reread[1])
    await acks.done(reread[0])
    assert stream.acked == [("p0", 3), ("p0", 4)]
    assert await acks.done(cancelled) == 0
