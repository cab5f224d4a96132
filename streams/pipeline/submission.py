"""The facts of one submission's email that the pipeline uses, from either door (raw bytes or the
ingest event), and the assemble step that decides its application against earlier submissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ingest.parse import parse_email
from schemas import ids
from streams.stages.assemble import (
    Application,
    DocumentResult,
    StageFailure,
    Submission,
    assemble_application,
)
from streams.stages.assemble_memory import AssembleMemory


@dataclass(frozen=True)
class SubmissionInfo:
    """The facts of one email that the pipeline uses, whichever door it came through."""

    submission_id: str
    application_id: str
    message_id: str | None
    sender: str
    iso_broker: str
    subject: str
    email_date: dt.datetime | None
    received_at: dt.datetime
    reading: int = 0  # 0 the first reading, one more per reprocess run

    def as_submission(self) -> Submission:
        """The assemble stage's view of the email (its Date header is the time windows' clock)."""
        return Submission(self.message_id, self.sender, self.email_date, self.subject)


def submission_from_email(raw: bytes, *, received_at: dt.datetime | None = None) -> SubmissionInfo:
    """The facts of a raw email, parsed as ingest parses them (so both paths agree)."""
    parsed = parse_email(raw)
    sid = ids.submission_id(raw)
    return SubmissionInfo(
        submission_id=sid,
        application_id=ids.application_id(parsed.message_id, sid),
        message_id=parsed.message_id,
        sender=parsed.sender,
        iso_broker=parsed.sender_domain.lower(),
        subject=parsed.subject,
        email_date=parsed.date,
        received_at=received_at or parsed.date or dt.datetime.now(dt.UTC),
    )


def submission_from_event(event: Mapping[str, Any]) -> SubmissionInfo:
    """The facts of an mca.email.received event (built by ingest from the same parser)."""
    sid = event["submission_id"]
    return SubmissionInfo(
        submission_id=sid,
        application_id=ids.application_id(event.get("message_id"), sid),
        message_id=event.get("message_id"),
        sender=event.get("sender") or "",
        iso_broker=(event.get("sender_domain") or "").lower(),
        subject=event.get("subject") or "",
        email_date=_utc(event.get("date")),
        received_at=_utc(event.get("received_at")) or dt.datetime.now(dt.UTC),
        reading=int(event.get("reading") or 0),
    )


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def assemble_submission(
    info: SubmissionInfo,
    results: Sequence[DocumentResult],
    memory: AssembleMemory,
    failures: Sequence[StageFailure] = (),
) -> tuple[Application, AssembleMemory]:
    """The application of one submission against the memory of earlier ones, and the memory after it.
    `failures`: stages that failed on the whole submission (split); the application is then `failed`.

    A duplicate (a resend of a seen Message-ID) gets an application id of its own, so its record
    never replaces the original's; `duplicate_of` links it to the original.
    """
    app, after = assemble_application(
        info.as_submission(), list(results), memory, application_id=info.application_id, failures=failures
    )
    if app.status == "duplicate":
        app = replace(app, application_id=ids.application_id(None, info.submission_id))
    return app, after
