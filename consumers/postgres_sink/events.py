"""An `mca.application.event` value (the decoded Avro dict) as a row of `application_events`, pure.

Events carry no PII (the contract says so), so the row is the event flattened as it is. The
event id is deterministic per (application, transition, version): a redelivered event maps to
the same row and the writer's upsert makes it a no-op.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consumers.postgres_sink.mapping import Row, UnprojectableError, _timestamp


@dataclass(frozen=True)
class ProjectedEvent:
    """One event row of an application's processing history."""

    event_id: str
    application_id: str
    row: Row


def project_event(value: Mapping[str, Any]) -> ProjectedEvent:
    """The `application_events` row of one decoded event; raises UnprojectableError when it does not fit."""
    try:
        row: Row = {
            "event_id": str(value["event_id"]),
            "application_id": str(value["application_id"]),
            "type": str(value["type"]),
            "version": int(value["version"]),
            "occurred_at": _timestamp(value["occurred_at"]),
            "status": value.get("status"),
            "previous_status": value.get("previous_status"),
            "reasons": [str(item) for item in value.get("reasons") or ()],
            "warnings": [str(item) for item in value.get("warnings") or ()],
            "submission_id": str(value["submission_id"]),
            "iso_broker": str(value["iso_broker"]),
            "duplicate_of": value.get("duplicate_of"),
            "merchant_name": value.get("merchant_name"),
            "amount_requested": value.get("amount_requested"),
            "extractor_version": value.get("extractor_version"),
            "actor": value.get("actor"),
            "command_id": value.get("command_id"),
            "corrected_fields": [str(item) for item in value.get("corrected_fields") or ()],
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise UnprojectableError(f"application event does not fit the projection: {exc!r}") from exc
    return ProjectedEvent(row["event_id"], row["application_id"], row)
