"""The DLQ on Kafka, for the operator tool: read every dead letter, find earlier redrives, replay.

Reading assigns partitions directly with a throwaway group id and never commits, so inspecting
the DLQ leaves no consumer group or offsets behind. Replays go through an idempotent producer
with acks=all, to the partition the original was read from.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, Producer
from confluent_kafka import TopicPartition as KafkaPartition

from infra.errors import MCAError, TransientError
from infra.topics import DLQ
from streams.agents.contracts import EventCodec
from streams.dlq import DeadLetter, redrive_headers, redrive_tags

logger = logging.getLogger(__name__)

# A redrive is published after its dead letter; this allows for clocks of worker and operator
# disagreeing when redrives are looked for by timestamp.
CLOCK_SKEW = timedelta(hours=1)


def read_to_end(
    config: Mapping[str, Any],
    topic: str,
    on_message: Callable[[Message], None],
    *,
    start: Callable[[int], int | None] = lambda partition: OFFSET_BEGINNING,
    partitions: Iterable[int] | None = None,
    timeout_s: float = 30.0,
) -> None:
    """Call `on_message` for every record of `topic` from `start(partition)` (None: skip that
    partition) up to the end seen when reading began. Raises TransientError past `timeout_s`."""
    consumer = Consumer({**config, "group.id": f"mca-dlq-tool-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "enable.partition.eof": True,
                         "auto.offset.reset": "earliest"})
    try:
        metadata = consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
        if metadata is None or metadata.error is not None:
            raise MCAError(f"topic {topic} does not exist")
        present = set(metadata.partitions)
        wanted = sorted(present if partitions is None else present & set(partitions))
        assignment, ends = [], {}
        for partition in wanted:
            low, high = consumer.get_watermark_offsets(KafkaPartition(topic, partition), timeout=timeout_s)
            first = start(partition)
            if first is None or high <= max(low, first):
                continue
            assignment.append(KafkaPartition(topic, partition, first))
            ends[partition] = high
        if not assignment:
            return
        consumer.assign(assignment)
        deadline = time.monotonic() + timeout_s
        while ends:
            if time.monotonic() > deadline:
                raise TransientError(f"reading {topic} did not finish in {timeout_s:.0f} s")
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    ends.pop(message.partition(), None)
                    continue
                raise TransientError(f"reading {topic}: {error}")
            if message.partition() in ends:
                on_message(message)
                if message.offset() >= ends[message.partition()] - 1:
                    ends.pop(message.partition())
    except KafkaException as exc:
        raise TransientError(f"reading {topic}: {exc}") from exc
    finally:
        consumer.close()


class DeadLetterQueue:
    """The dead letters of one DLQ topic (records decoded with `codec` under `mca.dlq`'s schema)."""

    def __init__(self, config: Mapping[str, Any], codec: EventCodec, *, topic: str = DLQ.name,
                 timeout_s: float = 30.0) -> None:
        self.config = dict(config)
        self.codec = codec
        self.topic = topic
        self.timeout_s = timeout_s

    def dead_letters(self) -> list[DeadLetter]:
        """Every dead letter, oldest first; a record that does not decode is logged and left out."""
        letters: list[DeadLetter] = []

        def collect(message: Message) -> None:
            try:
                record = self.codec.decode(DLQ.name, message.value())
            except MCAError as exc:
                logger.warning("%s[%d]@%d is not a dead letter: %s", self.topic, message.partition(),
                               message.offset(), exc)
                return
            letters.append(DeadLetter(self.topic, message.partition(), message.offset(), record))

        read_to_end(self.config, self.topic, collect, timeout_s=self.timeout_s)
        return sorted(letters, key=lambda letter: (letter.record["at"], letter.partition, letter.offset))

    def redriven(self, letters: Sequence[DeadLetter]) -> set[bytes]:
        """Redrive tags found on the source partitions of `letters`, after their originals."""
        tags: set[bytes] = set()
        by_topic: dict[str, list[DeadLetter]] = {}
        for letter in letters:
            by_topic.setdefault(letter.source_topic, []).append(letter)

        def collect(message: Message) -> None:
            tags.update(redrive_tags(message.headers()))

        for topic, group in by_topic.items():
            starts = _scan_starts(self.config, topic, group, self.timeout_s)
            read_to_end(self.config, topic, collect, start=starts.get, partitions=starts,
                        timeout_s=self.timeout_s)
        return tags

    def replay(self, letters: Sequence[DeadLetter]) -> list[tuple[DeadLetter, int, int]]:
        """Publish each letter's original key and value to its source topic and partition, tagged
        with the redrive header; returns (letter, partition, offset) per acknowledged record.
        Raises TransientError when any record is not acknowledged."""
        producer = Producer({**self.config, "acks": "all", "enable.idempotence": True,
                             "delivery.timeout.ms": int(self.timeout_s * 1000),
                             "request.timeout.ms": int(min(self.timeout_s, 30) * 1000)})
        done: list[tuple[DeadLetter, int, int]] = []
        failed: list[str] = []

        def delivered(letter: DeadLetter) -> Callable[[KafkaError | None, Message], None]:
            def report(error: KafkaError | None, message: Message) -> None:
                if error is not None:
                    failed.append(f"{letter.id}: {error}")
                else:
                    done.append((letter, message.partition(), message.offset()))
            return report

        for letter in letters:
            record = letter.record
            producer.produce(letter.source_topic, value=record["value"], key=record.get("key"),
                             partition=int(record["source_partition"]), headers=redrive_headers(letter),
                             on_delivery=delivered(letter))
        remaining = producer.flush(self.timeout_s + 5)
        if failed or remaining:
            raise TransientError(f"replay not acknowledged: {', '.join(failed) or f'{remaining} pending'}")
        return done


def _scan_starts(config: Mapping[str, Any], topic: str, letters: Sequence[DeadLetter],
                 timeout_s: float) -> dict[int, int]:
    """Per source partition, the first offset a redrive of any of `letters` may sit at: after the
    original, and not before the dead letter's time (less CLOCK_SKEW)."""
    starts: dict[int, int] = {}
    consumer = Consumer({**config, "group.id": f"mca-dlq-tool-{uuid.uuid4().hex}"})
    try:
        for partition in {int(letter.record["source_partition"]) for letter in letters}:
            mine = [letter for letter in letters if int(letter.record["source_partition"]) == partition]
            after_original = min(int(letter.record["source_offset"]) + 1 for letter in mine)
            since = min(_millis(letter.record["at"]) for letter in mine) - _millis(CLOCK_SKEW)
            [found] = consumer.offsets_for_times([KafkaPartition(topic, partition, since)], timeout=timeout_s)
            if found.offset < 0:  # nothing written since: no redrive either
                continue
            starts[partition] = max(after_original, found.offset)
    except KafkaException as exc:
        raise TransientError(f"looking up offsets of {topic}: {exc}") from exc
    finally:
        consumer.close()
    return starts


def _millis(moment: datetime | timedelta | int) -> int:
    if isinstance(moment, timedelta):
        return int(moment.total_seconds() * 1000)
    return moment if isinstance(moment, int) else int(moment.timestamp() * 1000)
