"""Consumer-group progress read from Kafka itself: committed offsets, end offsets and lag.

`read_progress` is blocking (AdminClient futures) and is run in a worker thread by the metrics
refresher, never on the event loop. A group that does not exist yet simply has no offsets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

logger = logging.getLogger(__name__)

# Which stage of the streams app consumes each topic (the Flow of DESIGN.md).
STREAMS_STAGE_BY_TOPIC: Mapping[str, str] = {
    "mca.email.received": "split",
    "mca.document.received": "render",
    "mca.page.ready": "ocr",
    "mca.page.read": "collect-pages",
    "mca.document.read": "extract",
    "mca.document.extracted": "assemble",
    "mca.application.correction": "assemble",
}


@dataclass(frozen=True)
class GroupTopicProgress:
    """One consumer group on one topic: messages it has committed and how far behind it is."""

    group: str
    stage: str
    topic: str
    committed: int
    lag: int


@dataclass(frozen=True)
class KafkaProgress:
    """Every known group's progress and every platform topic's end offset (messages produced)."""

    groups: list[GroupTopicProgress] = field(default_factory=list)
    topic_ends: dict[str, int] = field(default_factory=dict)


def stage_label(group_stage: str, topic: str) -> str:
    """The stage a group's consumption of `topic` belongs to: for the streams app, the agent
    reading that topic (`streams:ocr`); for the other consumers, the consumer itself (pure)."""
    if group_stage == "streams":
        return f"streams:{STREAMS_STAGE_BY_TOPIC.get(topic, 'other')}"
    return group_stage


def summarise(
    group: str, stage: str, committed: Mapping[tuple[str, int], int], ends: Mapping[tuple[str, int], int]
) -> list[GroupTopicProgress]:
    """Per-topic totals of one group's committed offsets and lag (end - committed, never negative),
    over the partitions the group has committed, pure."""
    totals: dict[str, list[int]] = {}
    for (topic, partition), offset in committed.items():
        end = ends.get((topic, partition), max(offset, 0))
        done = max(offset, 0)
        entry = totals.setdefault(topic, [0, 0])
        entry[0] += done
        entry[1] += max(end - done, 0)
    return [
        GroupTopicProgress(group, stage_label(stage, topic), topic, done, lag)
        for topic, (done, lag) in sorted(totals.items())
    ]


def read_progress(
    admin: AdminClient,
    groups: Mapping[str, str],
    *,
    kafka_config: Mapping[str, Any],
    timeout: float = 5.0,
    topic_prefix: str = "mca.",
) -> KafkaProgress:
    """Committed offsets of `groups` (group id -> stage) and end offsets of the `topic_prefix`
    topics; raises KafkaException when the cluster does not answer within `timeout`.

    Committed offsets are read through a consumer of each group (OffsetFetch via its group
    coordinator, without joining the group): librdkafka 2.x's admin ListConsumerGroupOffsets
    crashed the process on groups that do not exist yet."""
    metadata = admin.list_topics(timeout=timeout)
    partitions = [
        TopicPartition(name, p)
        for name, topic in metadata.topics.items()
        if name.startswith(topic_prefix) and topic.error is None
        for p in topic.partitions
    ]
    ends = _end_offsets(admin, partitions, timeout)
    progress: list[GroupTopicProgress] = []
    for group, stage in groups.items():
        committed = _committed(kafka_config, group, partitions, timeout)
        progress.extend(summarise(group, stage, committed, ends))
    topic_ends: dict[str, int] = {}
    for (topic, _), end in ends.items():
        topic_ends[topic] = topic_ends.get(topic, 0) + end
    return KafkaProgress(progress, topic_ends)


def _end_offsets(
    admin: AdminClient, partitions: Iterable[TopicPartition], timeout: float
) -> dict[tuple[str, int], int]:
    request = {partition: OffsetSpec.latest() for partition in partitions}
    if not request:
        return {}
    futures = admin.list_offsets(request, request_timeout=timeout)
    return {(tp.topic, tp.partition): int(future.result(timeout).offset) for tp, future in futures.items()}


def _committed(
    kafka_config: Mapping[str, Any], group: str, partitions: list[TopicPartition], timeout: float
) -> dict[tuple[str, int], int]:
    if not partitions:
        return {}
    consumer = Consumer(
        {
            **kafka_config,
            "group.id": group,
            "enable.auto.commit": False,
            "logger": logging.getLogger("librdkafka"),
        }
    )
    try:
        found = consumer.committed(partitions, timeout=timeout)
    except KafkaException as exc:
        logger.debug("no offsets for group %s: %s", group, exc)
        return {}
    finally:
        consumer.close()
    return {(tp.topic, tp.partition): int(tp.offset) for tp in found if tp.error is None and tp.offset >= 0}
