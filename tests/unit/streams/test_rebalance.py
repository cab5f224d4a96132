"""After a rebalance, stream partitions with nothing committed are read again from their start."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from faust.types import TP

from streams.rebalance import partitions_to_rewind, rewind_uncommitted


def test_partitions_without_an_offset_above_zero_are_rewound_but_never_changelogs():
    committed = {
        TP("mca.email.received", 1): None,
        TP("mca.email.received", 2): 0,
        TP("mca.email.received", 5): 17,
        TP("app-applications-changelog", 0): None,
    }
    assert partitions_to_rewind(committed, {"app-applications-changelog"}) == [
        TP("mca.email.received", 1), TP("mca.email.received", 2),
    ]


class RecordingConsumer:
    def __init__(self, committed: dict) -> None:
        self.committed, self.seeks = committed, {}

    async def seek_to_committed(self) -> dict:
        return self.committed

    async def earliest_offsets(self, *partitions: TP) -> dict:
        return {tp: 3 for tp in partitions}

    async def seek_wait(self, partitions: dict) -> None:
        self.seeks.update(partitions)


def test_the_receiver_seeks_uncommitted_stream_partitions_to_their_earliest_offset():
    consumer = RecordingConsumer({TP("mca.page.ready", 0): None, TP("mca.page.ready", 1): 40})
    app = SimpleNamespace(consumer=consumer, tables=SimpleNamespace(changelog_topics=set()))
    asyncio.run(rewind_uncommitted(app, signal=None))
    assert consumer.seeks == {TP("mca.page.ready", 0): 3}
