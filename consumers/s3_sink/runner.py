"""The s3-sink's consumer loop: a plain confluent-kafka consumer group feeding the ArchiveSink.

Why a restart never writes a record twice nor skips one:

- Offsets are never committed automatically. A partition's offset is committed only after the
  file ending just before it is stored, and the commit names that file (commit metadata).
- On assignment each partition is positioned at max(committed offset, offset after the last file
  in the store). The store is the truth: a crash between a put and its commit leaves the commit
  behind, and the listing moves the partition past the stored file anyway.
- A record past the last stored file is either in a batch that died with the process (it is read
  again and archived after the restart) or not read yet; nothing in between is lost.
- A file's name is its offset range, so writing a batch again (a retried put, or a replay whose
  cuts are those of batching.py) lands on the same key with the same bytes: an overwrite, never a
  second copy.

Rebalances: partitions being revoked are still ours, so their open batches are stored and
committed before they go; partitions reported lost may already belong to another member, so
their batches are dropped unwritten and the new owner archives them. SIGTERM and SIGINT set a stop
event: the loop stores every open batch, commits, and closes the consumer (leaving the group).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition

from consumers.kafka_common import consumer_settings
from consumers.s3_sink.batching import TopicPartitionKey
from consumers.s3_sink.sink import ArchiveSink, StoredFile
from infra.errors import ConfigurationError

logger = logging.getLogger(__name__)

DEFAULT_PATTERN = r"^mca\..*"


@dataclass(frozen=True)
class ConsumerSettings:
    """What the consumer needs: brokers, group, the topic regex (must start with ^) and security."""

    bootstrap_servers: str
    group_id: str
    pattern: str = DEFAULT_PATTERN
    security: Mapping[str, Any] = field(default_factory=dict)
    metadata_refresh_ms: int = 30_000
    session_timeout_ms: int = 10_000
    max_poll_interval_ms: int = 300_000


def subscription(pattern: str) -> str:
    """`pattern` checked as a librdkafka regex subscription; ConfigurationError when it is not one."""
    if not pattern.startswith("^"):
        raise ConfigurationError(f"topic pattern must start with '^' (a regex subscription): {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigurationError(f"topic pattern {pattern!r} is not a regular expression: {exc}") from exc
    return pattern


def consumer_config(settings: ConsumerSettings) -> dict[str, Any]:
    """librdkafka settings of the sink's consumer (pure)."""
    base = {"bootstrap.servers": settings.bootstrap_servers, **settings.security}
    return {
        **consumer_settings(base, group_id=settings.group_id, client_id="mca-s3-sink",
                            session_timeout_seconds=settings.session_timeout_ms / 1000,
                            max_poll_interval_seconds=settings.max_poll_interval_ms / 1000),
        "isolation.level": "read_committed",
        # New topics matching the pattern are picked up at the next metadata refresh.
        "topic.metadata.refresh.interval.ms": settings.metadata_refresh_ms,
    }


class SinkRunner:
    """Drives one ArchiveSink from one consumer until `stop` is set (see the module docstring)."""

    def __init__(
        self,
        consumer: Consumer,
        sink: ArchiveSink,
        pattern: str = DEFAULT_PATTERN,
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        request_timeout: float = 30.0,
    ) -> None:
        self.consumer = consumer
        self.sink = sink
        self.pattern = subscription(pattern)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.request_timeout = request_timeout
        self.assigned: set[TopicPartitionKey] = set()

    def run(self, stop: threading.Event) -> None:
        """Subscribe and archive until `stop` is set; then store open batches, commit, and close.

        Errors other than a failed commit (the store is the truth) propagate; the consumer is closed
        either way, without storing batches when the loop failed.
        """
        self.sink.setup()
        self.consumer.subscribe(
            [self.pattern], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        logger.info("s3-sink subscribed to %s", self.pattern)
        try:
            while not stop.is_set():
                self._poll_once()
            self._commit(self.sink.flush())
        except BaseException:
            self.sink.drop(list(self.assigned))  # nothing half-done is stored while leaving the group
            raise
        finally:
            self.consumer.close()
        logger.info("s3-sink stopped")

    def _poll_once(self) -> None:
        timeout = min(self.poll_seconds, self.sink.seconds_until_due())
        for message in self.consumer.consume(num_messages=self.batch_size, timeout=timeout):
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise KafkaException(error)
                logger.warning("consumer error: %s", error)
                continue
            topic, partition, offset = message.topic(), message.partition(), message.offset()
            if topic is None or partition is None or offset is None:
                continue
            if (topic, partition) not in self.assigned:
                continue  # fetched before a revocation: the partition's new owner reads it again
            self._commit(self.sink.add(topic, partition, offset, message.value()))
        self._commit(self.sink.flush_due())

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        committed = consumer.committed(partitions, timeout=self.request_timeout)
        by_key = {(tp.topic, tp.partition): tp for tp in committed}
        for tp in partitions:
            previous = by_key.get((tp.topic, tp.partition))
            offset = previous.offset if previous is not None and previous.offset >= 0 else None
            metadata = previous.metadata if previous is not None else None
            start = self.sink.recover(tp.topic, tp.partition, offset, metadata)
            tp.offset = OFFSET_BEGINNING if start is None else start
        consumer.assign(partitions)
        self.assigned = {(tp.topic, tp.partition) for tp in partitions}
        logger.info("assigned %d partition(s)", len(partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        keys = [(tp.topic, tp.partition) for tp in partitions]
        self._commit(self.sink.flush(keys))
        self.sink.drop(keys)
        self.assigned.difference_update(keys)
        logger.info("revoked %d partition(s)", len(keys))

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        keys = [(tp.topic, tp.partition) for tp in partitions]
        self.sink.drop(keys)
        self.assigned.difference_update(keys)
        logger.warning("lost %d partition(s); their open batches were dropped", len(keys))

    def _commit(self, files: list[StoredFile]) -> None:
        if not files:
            return
        latest: dict[TopicPartitionKey, StoredFile] = {}
        for stored in files:
            latest[(stored.topic, stored.partition)] = stored
        offsets = [TopicPartition(f.topic, f.partition, f.next_offset, f.key) for f in latest.values()]
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            # Harmless: the files are stored, and recovery reads the store before the commit.
            logger.warning("offset commit failed (the store stays the truth): %s", exc)


def run_sink(settings: ConsumerSettings, sink: ArchiveSink, stop: threading.Event) -> None:
    """Create the consumer and run a SinkRunner with it until `stop` is set."""
    pattern = subscription(settings.pattern)
    consumer = Consumer({**consumer_config(settings), "logger": logging.getLogger("librdkafka")})
    SinkRunner(consumer, sink, pattern).run(stop)
