"""Content-derived identifiers: a replay of the same input produces the same ids.

Pure functions only. Each id hashes a fixed prefix plus its parts, so ids of different kinds
can never collide even when their inputs look alike.
"""

from __future__ import annotations

import hashlib
import re
import uuid

# Fixed forever: changing it would give every redelivered event a new id.
EVENT_NAMESPACE = uuid.UUID("7d3c9f0e-4a51-5b8e-9a36-2f1c0d6e8b47")

EVENT_TYPES: tuple[str, ...] = (
    "application.received",
    "application.processed",
    "application.review_required",
    "application.rejected",
    "application.duplicate",
    "application.corrected",
    "application.reviewed",
    "application.failed",
)

_BRACKETED = re.compile(r"<([^<>]*)>")
_WHITESPACE = re.compile(r"\s+")


def _digest(kind: str, *parts: str) -> str:
    return hashlib.sha256("\x00".join((kind, *parts)).encode("utf-8")).hexdigest()


def submission_id(raw: bytes) -> str:
    """sha256 (hex) of the raw message bytes: the same bytes again are the same submission."""
    return hashlib.sha256(raw).hexdigest()


def document_id(submission_id: str, attachment_sha256: str, position: str) -> str:
    """Deterministic hex id of one document: its submission, its bytes' sha256 and where it sits.

    `position` tells apart identical bytes attached twice (e.g. '2', '1/0', '3!jan.pdf').
    """
    return _digest("document", submission_id, attachment_sha256.lower(), position)


def normalize_message_id(value: str | None) -> str | None:
    """The comparable form of a Message-ID header, or None when it is absent or blank.

    Takes the first `<...>` token (or the whole value when there are no brackets), drops
    whitespace (folded headers), and lower-cases the domain part, which is case-insensitive;
    the local part is kept as sent.
    """
    if value is None:
        return None
    bracketed = _BRACKETED.search(value)
    token = _WHITESPACE.sub("", bracketed.group(1) if bracketed else value).strip("<>")
    if not token:
        return None
    local, at, domain = token.rpartition("@")
    return f"{local}@{domain.lower()}" if at and local else token


def application_id(message_id: str | None, submission_id: str) -> str:
    """Hex id of the application a submission starts: from its normalised Message-ID when it has one,
    otherwise from the submission id (an email without Message-ID is its own application).

    A later submission with the same Message-ID maps to the same id, which is how a resend is
    recognised; the duplicate's own record uses `application_id(None, its submission id)`.
    """
    normalized = normalize_message_id(message_id)
    if normalized is None:
        return _digest("application/submission", submission_id)
    return _digest("application/message-id", normalized)


def event_id(application_id: str, transition: str, version: int) -> str:
    """Deterministic UUID (text) of one application event: the same (application, transition,
    version) always gets the same id, so consumers deduplicate redelivered events on it."""
    if not transition:
        raise ValueError("transition must not be empty")
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{application_id}|{transition}|{version}"))


def delivery_id(event_id: str, endpoint_id: str) -> str:
    """Deterministic webhook-id of one event delivered to one endpoint (stable across retries)."""
    return "msg_" + _digest("webhook-delivery", event_id, endpoint_id)[:32]
