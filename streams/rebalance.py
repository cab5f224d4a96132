"""After a rebalance, rewind the stream partitions that have nothing committed yet.

When partitions are revoked, Faust drops the events waiting in the agents' buffers and, once the
new assignment is in, seeks every partition back to its committed offset so the dropped events
are read again. aiokafka's `seek_to_committed` only moves a partition that has an offset above 0
committed, though: on a partition where nothing is committed yet, the fetch position stays past
the dropped events and they are never processed (until a restart). A fresh group meets this on
its first minutes, e.g. when Faust's internal topics show up in the metadata only after the first
join and a second generation follows at once. So, on every completed rebalance, each stream
partition without a committed offset is sent back to its earliest offset: at-least-once, and
every stage is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

logger = logging.getLogger(__name__)


def partitions_to_rewind(
    committed: Mapping[Any, int | None], changelog_topics: Iterable[str]
) -> list[Any]:
    """The stream partitions (not tables' changelogs) with no offset above 0 committed (pure)."""
    changelogs = set(changelog_topics)
    return sorted(
        (tp for tp, offset in committed.items() if tp.topic not in changelogs and not offset),
        key=lambda tp: (tp.topic, tp.partition),
    )


async def rewind_uncommitted(app: Any, /, *_args: Any, signal: Any, **_kwargs: Any) -> None:
    """Faust `on_rebalance_complete` receiver: seek uncommitted stream partitions to their start.

    Runs before Faust's own seek to the committed offsets, which leaves these partitions alone.
    """
    consumer = app.consumer
    committed = await consumer.seek_to_committed()
    rewind = partitions_to_rewind(committed, app.tables.changelog_topics)
    if not rewind:
        return
    earliest = await consumer.earliest_offsets(*rewind)
    await consumer.seek_wait({tp: earliest.get(tp, 0) for tp in rewind})
    logger.info("rebalance: %d partition(s) without a committed offset read again from their start",
                len(rewind))
