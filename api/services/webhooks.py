"""Webhook endpoints in the system of record, and the delivery tasks the API publishes for them.

Secrets are made and sealed exactly as the webhook workers open them (`consumers.webhooks.signing`),
and the bodies of pings and redeliveries are built by the workers' own pure payload functions, so a
redelivery carries the very bytes (and webhook-id) of the original delivery. Functions add to the
caller's session; the caller audits and commits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consumers.webhooks.payload import delivery_task, iso_timestamp, webhook_payload
from consumers.webhooks.signing import new_signing_secret, seal_signing_secret
from infra.crypto import KeyRing
from schemas.db.projection import ApplicationEvent
from schemas.db.records import WebhookDelivery, WebhookEndpoint

PING_EVENT_TYPE = "webhook.ping"


class UnknownEndpointError(LookupError):
    """No endpoint (or no delivery of it) with that id (404)."""


class RedeliveryRefusedError(ValueError):
    """A delivery that cannot be sent again now (409): delivered already, still retrying, endpoint off."""


@dataclass(frozen=True)
class EndpointSecret:
    """An endpoint row and its clear signing secret, to show once."""

    endpoint: WebhookEndpoint
    secret: str


def get_endpoint(session: Session, *, endpoint_id: str) -> WebhookEndpoint:
    """The endpoint; raises UnknownEndpointError."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise UnknownEndpointError("no such webhook endpoint")
    return endpoint


def create_endpoint(
    session: Session,
    *,
    url: str,
    description: str | None,
    event_types: Sequence[str],
    allow_private: bool,
    created_by: str,
    ring: KeyRing,
) -> EndpointSecret:
    """Add an enabled endpoint with a fresh signing secret (the URL must have passed the URL policy)."""
    secret = new_signing_secret()
    key_id, sealed = seal_signing_secret(ring, secret)
    now = datetime.now(UTC)
    endpoint = WebhookEndpoint(
        url=url,
        description=description,
        status="enabled",
        event_types=sorted(set(event_types)),
        secret_key_id=key_id,
        secret_ciphertext=sealed,
        allow_private_addresses=allow_private,
        consecutive_failures=0,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    return EndpointSecret(endpoint, secret)


def update_endpoint(
    session: Session,
    *,
    endpoint_id: str,
    url: str | None = None,
    description: str | None = None,
    event_types: Sequence[str] | None = None,
) -> tuple[WebhookEndpoint, list[str]]:
    """Apply the given changes; returns the endpoint and the names of the fields changed."""
    endpoint = get_endpoint(session, endpoint_id=endpoint_id)
    changes: dict[str, Any] = {
        "url": url,
        "description": description,
        "event_types": sorted(set(event_types)) if event_types is not None else None,
    }
    changed = [
        name for name, value in changes.items() if value is not None and getattr(endpoint, name) != value
    ]
    for name in changed:
        setattr(endpoint, name, changes[name])
    if changed:
        endpoint.updated_at = datetime.now(UTC)
    return endpoint, changed


def rotate_secret(session: Session, *, endpoint_id: str, ring: KeyRing, overlap: timedelta) -> EndpointSecret:
    """A new signing secret; the current one keeps signing beside it until now + `overlap`."""
    endpoint = get_endpoint(session, endpoint_id=endpoint_id)
    secret = new_signing_secret()
    now = datetime.now(UTC)
    endpoint.previous_secret_key_id = endpoint.secret_key_id
    endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
    endpoint.previous_secret_expires_at = now + overlap
    endpoint.secret_key_id, endpoint.secret_ciphertext = seal_signing_secret(ring, secret)
    endpoint.updated_at = now
    return EndpointSecret(endpoint, secret)


def enable_endpoint(session: Session, *, endpoint_id: str) -> WebhookEndpoint:
    """Enable an endpoint again with its failure counters reset."""
    endpoint = get_endpoint(session, endpoint_id=endpoint_id)
    endpoint.status = "enabled"
    endpoint.consecutive_failures = 0
    endpoint.failing_since = endpoint.disabled_reason = endpoint.disabled_at = None
    endpoint.updated_at = datetime.now(UTC)
    return endpoint


def list_deliveries(
    session: Session, *, endpoint_id: str, before_id: int | None, limit: int
) -> tuple[list[WebhookDelivery], int | None]:
    """Logged attempts of an endpoint, newest first, and the id to continue before (None at the end)."""
    get_endpoint(session, endpoint_id=endpoint_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    rows = list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit + 1)))
    return rows[:limit], rows[limit - 1].id if len(rows) > limit else None


def ping_task(*, endpoint_id: str, now: datetime) -> dict[str, Any]:
    """A delivery task of a test ping to one endpoint (a fresh event id, so every ping is new)."""
    ping = {"event_id": str(uuid.uuid4()), "type": PING_EVENT_TYPE, "application_id": ""}
    body = {
        "type": PING_EVENT_TYPE,
        "timestamp": iso_timestamp(now),
        "data": {"endpoint_id": endpoint_id, "ping_id": ping["event_id"]},
    }
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return delivery_task(ping, endpoint_id, payload, created_at=now)


def redelivery_task(
    session: Session, *, endpoint_id: str, delivery_id: str, links_base_url: str, now: datetime
) -> dict[str, Any]:
    """The task that sends a delivery once more: same webhook-id and body, numbered after its last
    logged attempt (so the workers send it rather than skip it as superseded).

    Raises UnknownEndpointError, or RedeliveryRefusedError when it was delivered already, is still
    being retried, the endpoint is disabled, or its event is no longer known.
    """
    endpoint = get_endpoint(session, endpoint_id=endpoint_id)
    attempts = list(
        session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.delivery_id == delivery_id,
            )
            .order_by(WebhookDelivery.attempt)
        )
    )
    if not attempts:
        raise UnknownEndpointError("no such delivery for this endpoint")
    if any(row.outcome == "succeeded" for row in attempts):
        raise RedeliveryRefusedError("this delivery succeeded already")
    if attempts[-1].outcome == "retrying":
        raise RedeliveryRefusedError("this delivery is still being retried")
    if endpoint.status != "enabled":
        raise RedeliveryRefusedError("the endpoint is disabled; enable it first")
    event = session.get(ApplicationEvent, attempts[-1].event_id)
    if event is None:
        raise RedeliveryRefusedError("the event of this delivery is no longer known")
    values = {column.key: getattr(event, column.key) for column in ApplicationEvent.__table__.columns}
    task = delivery_task(
        values, endpoint_id, webhook_payload(values, links_base_url=links_base_url), created_at=now
    )
    return {**task, "attempt": attempts[-1].attempt}
