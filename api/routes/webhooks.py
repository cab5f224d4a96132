"""Webhook endpoints (admin only): CRUD, secret rotation, re-enabling, test ping, delivery log, redelivery.

URLs pass the webhook URL policy at registration (no loopback, private or link-local targets
unless this deployment allows them); the workers check again before every attempt. Secrets are
shown once, when made. Pings and redeliveries are delivery tasks on `mca.webhook.delivery`, sent
by the webhook workers like any other delivery. Every change is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import RequestInfo, audit, commit_with_audit
from api.deps import RecordId as EndpointId
from api.deps import RequestInfoDep, ResourcesDep, SessionDep, require
from api.models import webhooks as models
from api.permissions import WEBHOOKS_MANAGE
from api.resources import ApiResources
from api.security import Principal
from api.services import webhooks as service
from api.url_policy import UrlRefusedError, check_webhook_url
from infra.errors import TransientError
from infra.topics import WEBHOOK_DELIVERY
from schemas.db.records import WebhookEndpoint

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Admin = Annotated[Principal, Depends(require(WEBHOOKS_MANAGE))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such endpoint"}}


def _endpoint(row: WebhookEndpoint) -> models.Endpoint:
    return models.Endpoint.model_validate(row, from_attributes=True)


def _with_secret(made: service.EndpointSecret) -> models.EndpointWithSecret:
    return models.EndpointWithSecret(**_endpoint(made.endpoint).model_dump(), secret=made.secret)


def _checked_url(url: str, *, allow_private: bool) -> str:
    try:
        return check_webhook_url(url, allow_private=allow_private)
    except UrlRefusedError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"URL refused: {exc}") from exc


def _found(session: Session, endpoint_id: str) -> WebhookEndpoint:
    try:
        return service.get_endpoint(session, endpoint_id=endpoint_id)
    except service.UnknownEndpointError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


@router.get("", response_model=list[models.Endpoint], summary="Every webhook endpoint")
def list_endpoints(session: SessionDep, principal: Admin) -> list[models.Endpoint]:
    """Endpoints, oldest first."""
    rows = session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))
    return [_endpoint(row) for row in rows]


@router.post(
    "",
    response_model=models.EndpointWithSecret,
    status_code=201,
    responses={422: {"description": "URL refused by the URL policy"}},
    summary="Register an endpoint (its signing secret is shown once)",
)
def create_endpoint(
    body: models.EndpointCreate,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Admin,
) -> models.EndpointWithSecret:
    """A new enabled endpoint subscribed to `event_types` (all when empty)."""
    allowed = resources.config.allow_private_webhooks
    if body.allow_private_addresses and not allowed:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="This deployment does not allow private webhook addresses",
        )
    url = _checked_url(body.url, allow_private=allowed)
    made = service.create_endpoint(
        session,
        url=url,
        description=body.description,
        event_types=body.event_types,
        allow_private=body.allow_private_addresses,
        created_by=principal.actor,
        ring=resources.ring,
    )
    commit_with_audit(session, principal=principal, request=info, action="webhook.create",
                      target=("webhook_endpoint", made.endpoint.id),
                      detail={"url": url, "event_types": made.endpoint.event_types})
    return _with_secret(made)


@router.get("/{endpoint_id}", response_model=models.Endpoint, responses=NOT_FOUND, summary="One endpoint")
def get_endpoint(endpoint_id: EndpointId, session: SessionDep, principal: Admin) -> models.Endpoint:
    """The endpoint (never its secrets)."""
    return _endpoint(_found(session, endpoint_id))


@router.patch(
    "/{endpoint_id}",
    response_model=models.Endpoint,
    responses=NOT_FOUND,
    summary="Change an endpoint's URL, description or subscriptions",
)
def update_endpoint(
    endpoint_id: EndpointId,
    body: models.EndpointUpdate,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Admin,
) -> models.Endpoint:
    """Apply the given changes; a new URL passes the URL policy first."""
    endpoint = _found(session, endpoint_id)
    url = None
    if body.url is not None:
        url = _checked_url(body.url, allow_private=resources.config.allow_private_webhooks)
    endpoint, changed = service.update_endpoint(
        session, endpoint_id=endpoint.id, url=url, description=body.description, event_types=body.event_types
    )
    if changed:
        audit(
            session,
            principal=principal,
            action="webhook.update",
            target_type="webhook_endpoint",
            target_id=endpoint_id,
            request=info,
            detail={"fields": changed},
        )
    session.commit()
    return _endpoint(endpoint)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    response_class=Response,
    responses=NOT_FOUND,
    summary="Delete an endpoint and its delivery log",
)
def delete_endpoint(
    endpoint_id: EndpointId, session: SessionDep, info: RequestInfoDep, principal: Admin
) -> Response:
    """Remove the endpoint; tasks still queued for it are dropped by the workers."""
    endpoint = _found(session, endpoint_id)
    audit(
        session,
        principal=principal,
        action="webhook.delete",
        target_type="webhook_endpoint",
        target_id=endpoint_id,
        request=info,
        detail={"url": endpoint.url},
    )
    session.delete(endpoint)
    session.commit()
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=models.EndpointWithSecret,
    responses=NOT_FOUND,
    summary="Rotate the signing secret (the old one keeps signing for the overlap)",
)
def rotate_secret(
    endpoint_id: EndpointId,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Admin,
    body: models.RotateSecret | None = None,
) -> models.EndpointWithSecret:
    """A new secret, shown once; deliveries carry both signatures until the overlap ends."""
    overlap = timedelta(seconds=(body or models.RotateSecret()).overlap_seconds)
    _found(session, endpoint_id)
    made = service.rotate_secret(session, endpoint_id=endpoint_id, ring=resources.ring, overlap=overlap)
    commit_with_audit(session, principal=principal, request=info, action="webhook.rotate_secret",
                      target=("webhook_endpoint", endpoint_id),
                      detail={"overlap_seconds": int(overlap.total_seconds())})
    return _with_secret(made)


@router.post(
    "/{endpoint_id}/enable",
    response_model=models.Endpoint,
    responses=NOT_FOUND,
    summary="Re-enable an endpoint disabled after sustained failure",
)
def enable_endpoint(
    endpoint_id: EndpointId, session: SessionDep, info: RequestInfoDep, principal: Admin
) -> models.Endpoint:
    """Enable it with its failure counters reset."""
    _found(session, endpoint_id)
    endpoint = service.enable_endpoint(session, endpoint_id=endpoint_id)
    commit_with_audit(session, principal=principal, request=info, action="webhook.enable",
                      target=("webhook_endpoint", endpoint_id))
    return _endpoint(endpoint)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=models.DeliveryPage,
    responses=NOT_FOUND,
    summary="The endpoint's delivery log, newest first",
)
def list_deliveries(
    endpoint_id: EndpointId,
    session: SessionDep,
    principal: Admin,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> models.DeliveryPage:
    """Every logged attempt (status code, latency, response excerpt, error)."""
    _found(session, endpoint_id)
    rows, before = service.list_deliveries(
        session, endpoint_id=endpoint_id, before_id=int(cursor) if cursor else None, limit=limit
    )
    return models.DeliveryPage(
        items=[models.Delivery.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=str(before) if before is not None else None,
    )


async def _queue(
    resources: ApiResources, principal: Principal, info: RequestInfo, task: dict[str, Any], action: str
) -> None:
    try:
        await resources.publisher.publish(
            schema_topic=WEBHOOK_DELIVERY.name,
            topic=resources.config.topics.webhook_delivery,
            key=task["endpoint_id"],
            value=task,
        )
    except TransientError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="Kafka is unavailable") from exc

    def record(session: Session) -> None:
        commit_with_audit(session, principal=principal, request=info, action=action,
                          target=("webhook_endpoint", task["endpoint_id"]),
                          detail={"delivery_id": task["delivery_id"], "event_id": task["event_id"]})

    await resources.database.run(record)


def _queued(task: dict[str, Any]) -> models.DeliveryQueued:
    return models.DeliveryQueued(
        delivery_id=task["delivery_id"],
        endpoint_id=task["endpoint_id"],
        event_id=task["event_id"],
        event_type=task["event_type"],
    )


@router.post(
    "/{endpoint_id}/ping",
    response_model=models.DeliveryQueued,
    status_code=202,
    responses=NOT_FOUND,
    summary="Send a signed test ping through the delivery workers",
)
async def ping_endpoint(
    endpoint_id: EndpointId, resources: ResourcesDep, info: RequestInfoDep, principal: Admin
) -> models.DeliveryQueued:
    """Queue a `webhook.ping` delivery; its attempt shows in the delivery log."""
    await resources.database.run(lambda session: _found(session, endpoint_id))
    task = service.ping_task(endpoint_id=endpoint_id, now=datetime.now(UTC))
    await _queue(resources, principal, info, task, "webhook.ping")
    return _queued(task)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    response_model=models.DeliveryQueued,
    status_code=202,
    responses={**NOT_FOUND, 409: {"description": "Delivered already, still retrying, or endpoint off"}},
    summary="Send a failed delivery again (same webhook-id and body)",
)
async def redeliver(
    endpoint_id: EndpointId,
    delivery_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")],
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Admin,
) -> models.DeliveryQueued:
    """Queue one more attempt of a delivery that did not succeed."""

    def build(session: Session) -> dict[str, Any]:
        return service.redelivery_task(
            session,
            endpoint_id=endpoint_id,
            delivery_id=delivery_id,
            links_base_url=resources.config.links_base_url,
            now=datetime.now(UTC),
        )

    try:
        task = await resources.database.run(build)
    except service.UnknownEndpointError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except service.RedeliveryRefusedError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    await _queue(resources, principal, info, task, "webhook.redeliver")
    return _queued(task)
