"""Managing webhook endpoints as an admin, audited: what the API's /webhooks routes and the web
UI's webhooks page both do. Each change is committed with its audit record (`commit_with_audit`,
target `webhook_endpoint`); pings and redeliveries are published as delivery tasks on the delivery
topic (sent by the webhook workers like any delivery) and audited once Kafka acknowledged them.

Errors: UrlRefusedError (the URL policy), webhooks.UnknownEndpointError,
webhooks.RedeliveryRefusedError, and TransientError when Kafka is away (nothing was queued).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import RequestInfo, commit_with_audit
from api.resources import ApiResources
from api.security import Principal
from api.services import webhooks as service
from api.url_policy import UrlRefusedError, check_webhook_url
from infra.crypto import KeyRing
from infra.topics import WEBHOOK_DELIVERY
from schemas.db.records import WebhookEndpoint

TARGET = "webhook_endpoint"


def all_endpoints(session: Session) -> list[WebhookEndpoint]:
    """Every endpoint, oldest first."""
    return list(
        session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))
    )


def checked_url(url: str, *, allow_private: bool, deployment_allows_private: bool) -> str:
    """The URL as registered, when the policy lets it through (a private target only where the
    deployment allows them and the endpoint asks for it). Raises UrlRefusedError (pure, plus DNS)."""
    if allow_private and not deployment_allows_private:
        raise UrlRefusedError("this deployment does not allow private webhook addresses")
    return check_webhook_url(url.strip(), allow_private=deployment_allows_private)


def register_endpoint(
    session: Session,
    *,
    principal: Principal,
    request: RequestInfo,
    url: str,
    description: str | None,
    event_types: Sequence[str],
    allow_private: bool,
    deployment_allows_private: bool,
    ring: KeyRing,
) -> service.EndpointSecret:
    """A new enabled endpoint (its secret in the result, once), audited `webhook.create`.

    Raises UrlRefusedError."""
    checked = checked_url(
        url, allow_private=allow_private, deployment_allows_private=deployment_allows_private
    )
    made = service.create_endpoint(
        session,
        url=checked,
        description=description,
        event_types=event_types,
        allow_private=allow_private,
        created_by=principal.actor,
        ring=ring,
    )
    commit_with_audit(session, principal=principal, request=request, action="webhook.create",
                      target=(TARGET, made.endpoint.id),
                      detail={"url": checked, "event_types": made.endpoint.event_types})
    return made


def rotate_endpoint_secret(
    session: Session,
    *,
    principal: Principal,
    request: RequestInfo,
    endpoint_id: str,
    ring: KeyRing,
    overlap: timedelta,
) -> service.EndpointSecret:
    """A new signing secret (shown once; the old one signs too for `overlap`), audited."""
    service.get_endpoint(session, endpoint_id=endpoint_id)
    made = service.rotate_secret(session, endpoint_id=endpoint_id, ring=ring, overlap=overlap)
    commit_with_audit(session, principal=principal, request=request, action="webhook.rotate_secret",
                      target=(TARGET, endpoint_id), detail={"overlap_seconds": int(overlap.total_seconds())})
    return made


def enable(
    session: Session, *, principal: Principal, request: RequestInfo, endpoint_id: str
) -> WebhookEndpoint:
    """Enable an endpoint again with its failure counters reset, audited `webhook.enable`."""
    endpoint = service.enable_endpoint(session, endpoint_id=endpoint_id)
    commit_with_audit(session, principal=principal, request=request, action="webhook.enable",
                      target=(TARGET, endpoint_id))
    return endpoint


def delete(session: Session, *, principal: Principal, request: RequestInfo, endpoint_id: str) -> None:
    """Remove an endpoint and its delivery log, audited `webhook.delete` (with its URL)."""
    endpoint = service.get_endpoint(session, endpoint_id=endpoint_id)
    session.delete(endpoint)
    commit_with_audit(session, principal=principal, request=request, action="webhook.delete",
                      target=(TARGET, endpoint_id), detail={"url": endpoint.url})


async def queue_delivery(
    resources: ApiResources, *, principal: Principal, request: RequestInfo, task: dict[str, Any], action: str
) -> None:
    """Publish a delivery task (awaiting Kafka's acknowledgement), then audit it as `action`."""
    await resources.publisher.publish(
        schema_topic=WEBHOOK_DELIVERY.name,
        topic=resources.config.topics.webhook_delivery,
        key=task["endpoint_id"],
        value=task,
    )

    def record(session: Session) -> None:
        commit_with_audit(session, principal=principal, request=request, action=action,
                          target=(TARGET, task["endpoint_id"]),
                          detail={"delivery_id": task["delivery_id"], "event_id": task["event_id"]})

    await resources.database.run(record)


async def send_ping(
    resources: ApiResources, *, principal: Principal, request: RequestInfo, endpoint_id: str
) -> dict[str, Any]:
    """Queue a signed test ping to a known endpoint; returns its delivery task."""
    await resources.database.run(lambda session: service.get_endpoint(session, endpoint_id=endpoint_id))
    task = service.ping_task(endpoint_id=endpoint_id, now=datetime.now(UTC))
    await queue_delivery(resources, principal=principal, request=request, task=task, action="webhook.ping")
    return task


async def send_again(
    resources: ApiResources, *, principal: Principal, request: RequestInfo, endpoint_id: str, delivery_id: str
) -> dict[str, Any]:
    """Queue one more attempt of a delivery that did not succeed (same webhook-id and body)."""

    def build(session: Session) -> dict[str, Any]:
        return service.redelivery_task(
            session,
            endpoint_id=endpoint_id,
            delivery_id=delivery_id,
            links_base_url=resources.config.links_base_url,
            now=datetime.now(UTC),
        )

    task = await resources.database.run(build)
    await queue_delivery(
        resources, principal=principal, request=request, task=task, action="webhook.redeliver"
    )
    return task
