"""The file door: .eml files, mbox files and folders of either, through the one accept path."""

from __future__ import annotations

import logging
import mailbox
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.accept import IngestDeps, accept_email

logger = logging.getLogger(__name__)

EML_SUFFIXES = {".eml", ".msg822"}
MBOX_SUFFIXES = {".mbox", ".mbx"}


@dataclass(frozen=True)
class MailSource:
    """One message to ingest: where it came from and how to read its raw bytes."""

    label: str
    read: Callable[[], bytes]


@dataclass(frozen=True)
class FileResult:
    """What happened to one message."""

    label: str
    status: str  # accepted | already_accepted | failed
    submission_id: str | None = None
    reason: str | None = None


def collect_sources(paths: Iterable[Path]) -> tuple[list[MailSource], list[FileResult]]:
    """Every message under `paths` in a stable order (folders recursively, sorted), plus the paths
    that could not be read at all (as failed results)."""
    sources: list[MailSource] = []
    failures: list[FileResult] = []
    for path in paths:
        if not path.exists():
            failures.append(FileResult(str(path), "failed", reason="no such file or folder"))
            continue
        try:
            sources.extend(_sources_of(path, explicit=True))
        except OSError as exc:
            failures.append(FileResult(str(path), "failed", reason=f"unreadable: {exc}"))
    return sources, failures


async def ingest_sources(
    sources: Iterable[MailSource], deps: IngestDeps, on_done: Callable[[FileResult], None] | None = None
) -> list[FileResult]:
    """accept_email(channel='file') for each source in order; a failure never stops the rest."""
    results: list[FileResult] = []
    for source in sources:
        result = await _ingest_one(source, deps)
        results.append(result)
        if on_done is not None:
            on_done(result)
    return results


async def _ingest_one(source: MailSource, deps: IngestDeps) -> FileResult:
    try:
        raw = source.read()
    except (OSError, mailbox.Error, KeyError) as exc:
        return FileResult(source.label, "failed", reason=f"unreadable: {exc}")
    try:
        acceptance = await accept_email(raw, channel="file", deps=deps)
    except Exception as exc:  # reported per file in the summary; the run goes on and exits 1
        logger.warning("could not ingest %s: %s", source.label, exc)
        return FileResult(source.label, "failed", reason=f"{type(exc).__name__}: {exc}")
    return FileResult(source.label, acceptance.status, acceptance.submission_id)


def _sources_of(path: Path, *, explicit: bool) -> Iterator[MailSource]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file():
                yield from _sources_of(child, explicit=False)
        return
    kind = _kind(path, explicit)
    if kind == "eml":
        yield MailSource(str(path), path.read_bytes)
    elif kind == "mbox":
        yield from _mbox_sources(path)


def _kind(path: Path, explicit: bool) -> str | None:
    suffix = path.suffix.lower()
    if suffix in EML_SUFFIXES:
        return "eml"
    if suffix in MBOX_SUFFIXES:
        return "mbox"
    with path.open("rb") as handle:
        looks_like_mbox = handle.read(5) == b"From "
    if looks_like_mbox:
        return "mbox"
    return "eml" if explicit else None  # a named file is taken as one message; folders skip strays


def _mbox_sources(path: Path) -> Iterator[MailSource]:
    # One mailbox object per file: its table of contents is built once, not once per message.
    box = mailbox.mbox(path, create=False)
    for index, key in enumerate(sorted(box.keys())):
        yield MailSource(f"{path}#{index + 1}", _mbox_reader(box, key))


def _mbox_reader(box: mailbox.mbox, key: str) -> Callable[[], bytes]:
    return lambda: box.get_bytes(key)
