"""Faust's own topics (table changelogs, repartition topics of internal agents), created before the
worker joins its group.

Faust creates these topics itself while starting, a moment before its consumer joins. When the
consumer's metadata does not list them yet, the group leader assigns without them ("Ignoring
missing topic") and the join was seen to hang there, with the worker idle for minutes. Creating
them first, and waiting until the cluster lists them, means the first join already sees them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InternalTopic:
    """One topic Faust would create: name, partitions, whether it is a compacted changelog."""

    name: str
    partitions: int
    compacted: bool


def internal_topics(app: Any) -> list[InternalTopic]:
    """The changelogs of the app's tables and the topics of its internal agents (reads the app only)."""
    default = int(app.conf.topic_partitions)
    found = {
        table.changelog_topic.get_topic_name(): InternalTopic(
            table.changelog_topic.get_topic_name(), int(table.partitions or default), True
        )
        for table in app.tables.values()
    }
    for agent in app.agents.values():
        channel = agent.channel
        if getattr(channel, "internal", False):
            for name in channel.topics:
                found.setdefault(name, InternalTopic(name, int(channel.partitions or default), False))
    return sorted(found.values(), key=lambda topic: topic.name)


def new_topics(topics: Iterable[InternalTopic], replication_factor: int) -> list[NewTopic]:
    """AdminClient requests for `topics` (pure)."""
    return [
        NewTopic(topic.name, num_partitions=topic.partitions, replication_factor=replication_factor,
                 config={"cleanup.policy": "compact"} if topic.compacted else {})
        for topic in topics
    ]


def ensure_internal_topics(app: Any, admin_config: dict[str, Any], *, timeout: float = 60.0) -> list[str]:
    """Create the app's internal topics that do not exist and wait until the cluster lists every one;
    the names created now. Raises KafkaException when a creation fails for another reason."""
    topics = internal_topics(app)
    admin = AdminClient(admin_config)
    existing = set(admin.list_topics(timeout=timeout).topics)
    missing = [topic for topic in topics if topic.name not in existing]
    replication = int(app.conf.topic_replication_factor)
    requests = new_topics(missing, replication)
    for future in (admin.create_topics(requests) if requests else {}).values():
        try:
            future.result(timeout)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:  # another worker was first
                raise
    wanted = {topic.name for topic in topics}
    deadline = time.monotonic() + timeout
    while not wanted <= set(admin.list_topics(timeout=timeout).topics) and time.monotonic() < deadline:
        time.sleep(0.2)
    if missing:
        logger.info("created Faust's internal topics before joining: %s", ", ".join(t.name for t in missing))
    return [topic.name for topic in missing]
