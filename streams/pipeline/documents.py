"""A submission's documents: split from the email in the order they sit there (or one bare file),
each with a deterministic id, and planned: which pages to read, or why the document is refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import mimetypes
import re
from dataclasses import dataclass

from schemas import ids
from streams.pipeline.submission import SubmissionInfo
from streams.stages.limits import Limits
from streams.stages.reading import DocumentPlan, plan_document
from streams.stages.split import DocumentPart, IgnoredPart, split_email

logger = logging.getLogger(__name__)

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
_POSITION_PARTS = re.compile(r"[./!]")


@dataclass(frozen=True)
class Decided:
    """A document whose outcome is known without reading it further (doc_type, status, reason)."""

    doc_type: str
    status: str
    reason: str | None
    detail: str = ""


@dataclass(frozen=True)
class DocumentEntry:
    """One document of a submission: where it sits in the email, its bytes' digest and, when split
    or planning already knows, its outcome (`decided`)."""

    document_id: str
    index: int
    position: str
    filename: str | None
    content_type: str
    size: int
    sha256: str
    container: str | None = None
    decided: Decided | None = None


def position_key(position: str) -> tuple[int, ...]:
    """Sort key of a split position ('2', '1.2', '3/1'): the order parts sit in the email."""
    return tuple(int(p) if p.isdigit() else 0 for p in _POSITION_PARTS.split(position) if p)


def split_submission(raw: bytes, submission_id: str, limits: Limits) -> list[tuple[DocumentEntry, bytes]]:
    """Every document of the email (ignored attachments included, inline logos excluded), in email
    order, each with its bytes (empty for ignored parts, whose bytes are not kept)."""
    result = split_email(raw, limits)
    parts: list[DocumentPart | IgnoredPart] = [*result.documents, *result.ignored]
    parts.sort(key=lambda part: position_key(part.position))
    return [_entry(part, index, submission_id) for index, part in enumerate(parts)]


def single_document(name: str, data: bytes) -> tuple[SubmissionInfo, list[tuple[DocumentEntry, bytes]]]:
    """A bare PDF or image handed to `mca extract`: a submission of that one document, without an
    email around it (no Message-ID, no sender)."""
    sid = ids.submission_id(data)
    now = dt.datetime.now(dt.UTC)
    info = SubmissionInfo(sid, ids.application_id(None, sid), None, "", "", name, None, now)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    sha = hashlib.sha256(data).hexdigest()
    entry = DocumentEntry(ids.document_id(sid, sha, "1"), 0, "1", name, content_type, len(data), sha)
    return info, [(entry, data)]


def _entry(part: DocumentPart | IgnoredPart, index: int, submission_id: str) -> tuple[DocumentEntry, bytes]:
    if isinstance(part, IgnoredPart):  # not a document to read: its bytes are not kept
        data, sha, container = b"", EMPTY_SHA256, None
        decided: Decided | None = Decided("other", "ignored", part.reason, part.detail)
        size = part.size
    else:
        data, sha, container, size = part.data, part.sha256, part.container, len(part.data)
        decided = None
        if part.invalid_reason:
            decided = Decided("invalid", "invalid", part.invalid_reason, part.invalid_detail)
    entry = DocumentEntry(
        ids.document_id(submission_id, sha, part.position),
        index,
        part.position,
        part.filename,
        part.content_type,
        size,
        sha,
        container,
        decided,
    )
    return entry, data


def plan_entry(entry: DocumentEntry, data: bytes, limits: Limits) -> DocumentPlan:
    """Which pages of the document to read; a refused document comes back with its status and reason."""
    if entry.decided is not None:
        return DocumentPlan(entry.decided.status, entry.decided.reason, entry.decided.detail)  # type: ignore[arg-type]
    try:
        return plan_document(data, filename=entry.filename, content_type=entry.content_type, limits=limits)
    except Exception as exc:  # a parser bug on hostile bytes must become a status, not a crash loop
        logger.exception("planning %s failed", entry.filename)
        return DocumentPlan("invalid", "corrupt", f"could not be opened: {type(exc).__name__}: {exc}")


def decided_from_plan(plan: DocumentPlan) -> Decided | None:
    """The outcome of a document that planning refused (invalid or ignored); None when it is to be read."""
    if plan.status == "read":
        return None
    doc_type = "invalid" if plan.status == "invalid" else "other"
    return Decided(doc_type, plan.status, plan.reason, plan.detail)
