"""What a webhook says: the JSON body built from an application event, and the delivery task that
carries it through the delivery, retry and dead-letter topics (pure functions, no I/O).

The body follows the Standard Webhooks payload shape (`type`, `timestamp`, `data`) and carries no
PII: identifiers, status, reason and warning codes, the version, timestamps and a link to the API,
where a caller with the right role reads the rest. It is serialised deterministically (sorted keys,
ASCII), so the same event always gives the same bytes: one webhook-id never names two bodies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from schemas.ids import delivery_id

API_PREFIX = "/api/v1"


def iso_timestamp(value: datetime | int) -> str:
    """`value` (aware datetime or epoch milliseconds) as ISO 8601 UTC with milliseconds and a Z."""
    moment = datetime.fromtimestamp(value / 1000, UTC) if isinstance(value, int) else value.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def webhook_payload(event: Mapping[str, Any], *, links_base_url: str) -> str:
    """The JSON body POSTed for `event` (an `mca.application.event` value).

    Keeps only non-personal fields: never the merchant name, amounts, the actor or anything from
    the documents. `links_base_url` is where the API is reachable (e.g. https://mca.example.com).
    """
    application_id = str(event["application_id"])
    application_url = f"{links_base_url.rstrip('/')}{API_PREFIX}/applications/{application_id}"
    body = {
        "type": event["type"],
        "timestamp": iso_timestamp(event["occurred_at"]),
        "data": {
            "event_id": event["event_id"],
            "application_id": application_id,
            "version": event["version"],
            "status": event.get("status"),
            "previous_status": event.get("previous_status"),
            "reasons": list(event.get("reasons") or ()),
            "warnings": list(event.get("warnings") or ()),
            "duplicate_of": event.get("duplicate_of"),
            "extractor_version": event.get("extractor_version"),
            "corrected_fields": list(event.get("corrected_fields") or ()),
            "links": {"application": application_url},
        },
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def delivery_task(
    event: Mapping[str, Any], endpoint_id: str, payload: str, *, created_at: datetime
) -> dict[str, Any]:
    """A fresh `mca.webhook.delivery` value: `event` to `endpoint_id`, no attempt made, due now."""
    return {
        "delivery_id": delivery_id(str(event["event_id"]), endpoint_id),
        "endpoint_id": endpoint_id,
        "event_id": event["event_id"],
        "event_type": event["type"],
        "application_id": event["application_id"],
        "payload": payload,
        "attempt": 0,
        "created_at": created_at,
        "next_attempt_at": None,
        "last_attempt_at": None,
        "last_status_code": None,
        "last_error": None,
        "last_latency_ms": None,
    }


def after_attempt(
    task: Mapping[str, Any],
    *,
    attempt: int,
    attempted_at: datetime,
    status_code: int | None,
    error: str | None,
    latency_ms: int | None,
    next_attempt_at: datetime | None,
) -> dict[str, Any]:
    """`task` as it travels on after attempt number `attempt` (to a retry topic or the DLQ)."""
    return {
        **task,
        "attempt": attempt,
        "next_attempt_at": next_attempt_at,
        "last_attempt_at": attempted_at,
        "last_status_code": status_code,
        "last_error": error,
        "last_latency_ms": latency_ms,
    }
