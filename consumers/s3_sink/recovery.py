"""Archive file names, and where a partition resumes from the files already stored (pure).

A file holding the records of offsets `first..last` of `topic[partition]` is stored under
`<topic>/<partition>/<first>-<last>.avro`, offsets zero-padded to 20 digits (a signed 64-bit
offset has at most 19), so a plain lexical listing is in offset order.

The store is the truth: a partition resumes right after the last offset of its last stored file.
The consumer group's committed offset is only a hint that may lag the store (a crash between the
put and the commit) or run ahead of it (old files expired by a bucket lifecycle rule, or a new
bucket); resuming from the larger of the two never archives a record twice and never re-archives
records an operator chose to expire. With no file and no commit the partition starts at its
earliest retained record.

Each commit carries the key of the file it follows as metadata. When that key names a file of the
partition ending exactly at the committed offset - 1, only the keys after it need listing, which
keeps a rebalance cheap on a partition with years of files; otherwise the whole prefix is listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

OFFSET_DIGITS = 20
SUFFIX = ".avro"
_NAME = re.compile(rf"^(\d{{{OFFSET_DIGITS}}})-(\d{{{OFFSET_DIGITS}}}){re.escape(SUFFIX)}$")


@dataclass(frozen=True)
class ArchivedFile:
    """One stored archive file: the partition it belongs to and the offsets it spans (inclusive)."""

    topic: str
    partition: int
    first_offset: int
    last_offset: int

    @property
    def key(self) -> str:
        """The object key this file is stored under."""
        return archive_key(self.topic, self.partition, self.first_offset, self.last_offset)


def partition_prefix(topic: str, partition: int) -> str:
    """`<topic>/<partition>/`: the folder holding every file of one partition."""
    if not topic or "/" in topic or partition < 0:
        raise ValueError(f"not a Kafka topic partition: {topic!r}[{partition}]")
    return f"{topic}/{partition}/"


def archive_key(topic: str, partition: int, first_offset: int, last_offset: int) -> str:
    """The key of the file holding offsets `first_offset..last_offset` of `topic[partition]`.

    Raises ValueError for a negative offset or `last_offset < first_offset`.
    """
    if first_offset < 0 or last_offset < first_offset:
        raise ValueError(f"bad offset range {first_offset}..{last_offset}")
    width = OFFSET_DIGITS
    return f"{partition_prefix(topic, partition)}{first_offset:0{width}d}-{last_offset:0{width}d}{SUFFIX}"


def parse_archive_key(key: str) -> ArchivedFile | None:
    """The file a key names, or None for anything that is not an archive file name."""
    topic, _, rest = key.partition("/")
    partition_text, _, name = rest.partition("/")
    match = _NAME.match(name)
    if not topic or not partition_text.isdigit() or match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    if last < first:
        return None
    return ArchivedFile(topic, int(partition_text), first, last)


def archived_files(keys: Iterable[str], topic: str, partition: int) -> list[ArchivedFile]:
    """The archive files of `topic[partition]` among `keys`, in offset order; other keys are ignored."""
    parsed = (parse_archive_key(key) for key in keys)
    found = [f for f in parsed if f is not None and f.topic == topic and f.partition == partition]
    return sorted(found, key=lambda f: (f.first_offset, f.last_offset))


def stored_next_offset(files: Iterable[ArchivedFile]) -> int | None:
    """The offset after the last one any of `files` holds; None when there are none."""
    last = max((f.last_offset for f in files), default=None)
    return None if last is None else last + 1


def overlapping(files: list[ArchivedFile]) -> list[tuple[ArchivedFile, ArchivedFile]]:
    """Neighbouring pairs of `files` (in offset order) whose offset ranges overlap.

    Never produced by one owner of a partition; a writer that kept writing after losing its
    partitions (a zombie) can leave such a pair. Reported so an operator can remove one.
    """
    return [(a, b) for a, b in zip(files, files[1:], strict=False) if b.first_offset <= a.last_offset]


def start_offset(committed: int | None, stored_next: int | None) -> int | None:
    """Where consumption resumes: the larger of the committed offset and the store's next offset,
    or None (the partition's earliest record) when neither is known."""
    known = [offset for offset in (committed, stored_next) if offset is not None and offset >= 0]
    return max(known) if known else None


def trusted_listing_start(
    topic: str, partition: int, committed: int | None, commit_metadata: str | None
) -> str | None:
    """The key after which listing may start, when the commit names the file it follows.

    Returns the key from `commit_metadata` only if it is a file of this partition whose last
    offset is `committed - 1` (the caller must still check that the file exists); else None,
    meaning the whole partition prefix has to be listed.
    """
    if committed is None or not commit_metadata:
        return None
    named = parse_archive_key(commit_metadata)
    if named is None or named.topic != topic or named.partition != partition:
        return None
    return named.key if named.last_offset + 1 == committed else None
