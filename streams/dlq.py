"""Dead letters, pure: what a dead letter records, how it is named, and which ones a redrive replays.

A dead letter (schema `mca.dlq`, schemas/avro/dead_letter.avsc) keeps the original key, value and
headers exactly as read, so a redrive re-publishes the very bytes that failed. A redriven copy
carries the header `mca-redrive-of: <dlq topic>:<partition>:<offset>`; finding that header on the
source topic is how a second redrive of the same dead letter is refused.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas import ids

REDRIVE_HEADER = "mca-redrive-of"
MAX_ERROR_CHARS = 2000

Headers = tuple[tuple[str, bytes | None], ...]


@dataclass(frozen=True)
class SourceMessage:
    """A Kafka record as read, independent of any client library."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    timestamp_ms: int | None = None

    @property
    def coordinates(self) -> str:
        """`topic[partition]@offset`, the form every pipeline log line uses."""
        return f"{self.topic}[{self.partition}]@{self.offset}"


def dead_letter(
    source: SourceMessage,
    *,
    stage: str,
    error: BaseException,
    at: datetime,
    attempts: int = 1,
    worker: str | None = None,
    application_id: str | None = None,
) -> dict[str, Any]:
    """The `mca.dlq` value recording that `stage` gave up on `source` because of `error`."""
    message = str(error) or repr(error)
    return {
        "stage": stage,
        "error_type": type(error).__name__,
        "error_message": message[:MAX_ERROR_CHARS],
        "source_topic": source.topic,
        "source_partition": source.partition,
        "source_offset": source.offset,
        "source_timestamp": source.timestamp_ms,
        "key": source.key,
        "value": source.value,
        "headers": [{"key": name, "value": value} for name, value in source.headers],
        "application_id": application_id,
        "attempts": attempts,
        "worker": worker,
        "at": at.astimezone(UTC),
    }


def application_of(value: Mapping[str, Any] | None) -> str | None:
    """The application a decoded pipeline message belongs to: its own `application_id`, its
    submission context's (document- and page-level events), or, for an mca.email.received event,
    the id split derives from its Message-ID and submission id (schemas.ids.application_id)."""
    if not value:
        return None
    found = value.get("application_id")
    submission = value.get("submission")
    if not found and isinstance(submission, Mapping):
        found = submission.get("application_id")
    if not found and isinstance(value.get("submission_id"), str) and "raw" in value:
        found = ids.application_id(value.get("message_id"), value["submission_id"])
    return found if isinstance(found, str) and found else None


def dead_letter_key(source: SourceMessage) -> bytes:
    """The dead letter's Kafka key: `source topic:partition:offset` (infra/topics.py)."""
    return f"{source.topic}:{source.partition}:{source.offset}".encode()


@dataclass(frozen=True)
class DeadLetter:
    """A dead letter as read back from the DLQ topic, with its own coordinates there."""

    dlq_topic: str
    partition: int
    offset: int
    record: Mapping[str, Any]

    @property
    def id(self) -> str:
        """`partition:offset` in the DLQ topic: what `mca dlq show` and `replay --ids` take."""
        return f"{self.partition}:{self.offset}"

    @property
    def redrive_tag(self) -> bytes:
        """The value of the redrive header a replay of this dead letter carries."""
        return f"{self.dlq_topic}:{self.partition}:{self.offset}".encode()

    @property
    def stage(self) -> str:
        return str(self.record["stage"])

    @property
    def source_topic(self) -> str:
        return str(self.record["source_topic"])


def matches_id(letter: DeadLetter, wanted: str) -> bool:
    """True when `wanted` names `letter`: `partition:offset`, or a bare offset (any partition)."""
    wanted = wanted.strip()
    if ":" in wanted:
        return wanted == letter.id
    return wanted.isdigit() and int(wanted) == letter.offset


def redrive_headers(letter: DeadLetter) -> list[tuple[str, bytes]]:
    """The headers a replay publishes: the original ones, minus earlier redrive tags, plus this one."""
    kept = [
        (str(header["key"]), header["value"] or b"")
        for header in letter.record.get("headers") or []
        if header["key"] != REDRIVE_HEADER
    ]
    return [*kept, (REDRIVE_HEADER, letter.redrive_tag)]


def redrive_tags(headers: Iterable[tuple[str, bytes | None]] | None) -> set[bytes]:
    """The redrive tags among a record's headers."""
    return {value for name, value in headers or () if name == REDRIVE_HEADER and value}


@dataclass(frozen=True)
class ReplayPlan:
    """Which dead letters a replay publishes, and which it skips with the reason."""

    replay: tuple[DeadLetter, ...]
    skipped: tuple[tuple[DeadLetter, str], ...]


def plan_replay(
    letters: Sequence[DeadLetter],
    *,
    redriven: set[bytes],
    stage: str | None = None,
    ids: Sequence[str] = (),
) -> ReplayPlan:
    """The dead letters to replay: those of `stage` (all when None) and, when `ids` are given, only
    those named; a dead letter whose tag is in `redriven` (already replayed) is skipped, as is one
    without its original value."""
    chosen = [
        letter for letter in letters
        if (stage is None or letter.stage == stage)
        and (not ids or any(matches_id(letter, wanted) for wanted in ids))
    ]
    replay: list[DeadLetter] = []
    skipped: list[tuple[DeadLetter, str]] = []
    for letter in chosen:
        if letter.redrive_tag in redriven:
            skipped.append((letter, "already replayed"))
        elif letter.record.get("value") is None:
            skipped.append((letter, "no original value"))
        else:
            replay.append(letter)
    return ReplayPlan(tuple(replay), tuple(skipped))


_PRINTABLE = set(string.printable.encode()) - set(b"\x0b\x0c")


def preview(data: bytes | None, limit: int = 256) -> str:
    """A human look at `data`: the text when it is mostly printable, else a hex dump (16 per line)."""
    if data is None:
        return "(none)"
    head = data[:limit]
    more = f"\n... ({len(data) - limit} more bytes)" if len(data) > limit else ""
    if head and sum(byte in _PRINTABLE for byte in head) / len(head) > 0.9:
        return head.decode("utf-8", errors="replace") + more
    lines = []
    for start in range(0, len(head), 16):
        chunk = head[start:start + 16]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{start:08x}  {chunk.hex(' '):<47}  {text}")
    return "\n".join(lines) + more
