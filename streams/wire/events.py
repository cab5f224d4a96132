"""Application transitions on the wire: the mca.application.event of a state, its event_id the same
for the same (application, transition, version) however often it is sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from schemas import ids
from streams.pipeline import SubmissionInfo


def application_event(
    record: Mapping[str, Any],
    transition: str,
    *,
    occurred_at: dt.datetime,
    previous_status: str | None = None,
) -> dict[str, Any]:
    """The mca.application.event of a transition of `record` (e.g. application.processed); its
    event_id is the same for the same (application, transition, version), however often it is sent."""
    merchant = record.get("merchant") or {}
    funding = record.get("funding") or {}
    status = None if transition == "application.received" else record["status"]
    return {
        "event_id": ids.event_id(record["application_id"], transition, record["version"]),
        "type": transition,
        "application_id": record["application_id"],
        "version": record["version"],
        "occurred_at": occurred_at,
        "status": status,
        "previous_status": previous_status,
        "reasons": [] if status is None else list(dict.fromkeys(f["code"] for f in record["review_reasons"])),
        "warnings": [] if status is None else [f["code"] for f in record["warnings"]],
        "submission_id": record["submission"]["submission_id"],
        "iso_broker": record["iso_broker"],
        "duplicate_of": record.get("duplicate_of"),
        "merchant_name": merchant.get("legal_name"),
        "amount_requested": funding.get("amount_requested"),
        "extractor_version": record.get("extractor_version"),
        "actor": None,
        "command_id": None,
        "corrected_fields": [],
    }


def received_event(info: SubmissionInfo, application_id: str, *, occurred_at: dt.datetime) -> dict[str, Any]:
    """The application.received event of a submission's application (version 1, no status yet)."""
    return {
        "event_id": ids.event_id(application_id, "application.received", 1),
        "type": "application.received",
        "application_id": application_id,
        "version": 1,
        "occurred_at": occurred_at,
        "status": None,
        "previous_status": None,
        "reasons": [],
        "warnings": [],
        "submission_id": info.submission_id,
        "iso_broker": info.iso_broker,
        "duplicate_of": None,
        "merchant_name": None,
        "amount_requested": None,
        "extractor_version": None,
        "actor": None,
        "command_id": None,
        "corrected_fields": [],
    }
