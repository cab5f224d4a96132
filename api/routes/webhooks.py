"""Webhook endpoints (admin only): CRUD, secret rotation, re-enabling, test ping, delivery log, redelivery.

URLs pass the webhook URL policy at registration (no loopback, private or link-local targets
unless this deployment allows them); the workers check again before every attempt. Secrets are
shown once, when made. Pings and redeliveries are delivery tasks on `mca.webhook.delivery`, sent
by the webhook workers like any other delivery. Every change is audited (api/services/webhook_admin.py,
shared with the web UI).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy.orm import Session

from api.audit import commit_with_audit
from api.deps import RecordId as EndpointId
from api.deps import RequestInfoDep, ResourcesDep, SessionDep, require
from api.models import webhooks as models
from api.permissions import WEBHOOKS_MANAGE
from api.routes.answers import kafka_or_503
from api.security import Principal
from api.services import webhook_admin
from api.services import webhooks as service
from api.url_policy import UrlRefusedError, check_webhook_url
from schemas.db.records import WebhookEndpoint

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Admin = Annotated[Principal, Depends(require(WEBHOOKS_MANAGE))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such endpoint"}}


def _endpoint(row: WebhookEndpoint) -> models.Endpoint:
    return models.Endpoint.model_validate(row, from_attributes=True)


def _with_secret(made: service.EndpointSecret) -> models.EndpointWithSecret:
    return models.EndpointWithSecret(**_endpoint(made.endpoint).model_dump(), secret=made.secret)


@contextmanager
def _answered_errors() -> Iterator[None]:
    """Answer the webhook services' errors of the block: an unknown endpoint or delivery 404, a
    redelivery refused 409, a URL refused by the URL policy 422."""
    try:
        yield
    except service.UnknownEndpointError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except service.RedeliveryRefusedError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    except UrlRefusedError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"URL refused: {exc}") from exc


def _found(session: Session, endpoint_id: str) -> WebhookEndpoint:
    with _answered_errors():
        return service.get_endpoint(session, endpoint_id=endpoint_id)


@router.get("", response_model=list[models.Endpoint], summary="Every webhook endpoint")
def list_endpoints(session: SessionDep, principal: Admin) -> list[models.Endpoint]:
    """Endpoints, oldest first."""
    return [_endpoint(row) for row in webhook_admin.all_endpoints(session)]


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
    with _answered_errors():
        made = webhook_admin.register_endpoint(
            session,
            principal=principal,
            request=info,
            url=body.url,
            description=body.description,
            event_types=body.event_types,
            allow_private=body.allow_private_addresses,
            deployment_allows_private=resources.config.allow_private_webhooks,
            ring=resources.ring,
        )
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
        with _answered_errors():
            url = check_webhook_url(body.url, allow_private=resources.config.allow_private_webhooks)
    endpoint, changed = service.update_endpoint(
        session, endpoint_id=endpoint.id, url=url, description=body.description, event_types=body.event_types
    )
    if changed:
        commit_with_audit(session, principal=principal, request=info, action="webhook.update",
                          target=("webhook_endpoint", endpoint_id), detail={"fields": changed})
    else:
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
    with _answered_errors():
        webhook_admin.delete(session, principal=principal, request=info, endpoint_id=endpoint_id)
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
    with _answered_errors():
        made = webhook_admin.rotate_endpoint_secret(
            session, principal=principal, request=info, endpoint_id=endpoint_id, ring=resources.ring,
            overlap=overlap,
        )
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
    with _answered_errors():
        endpoint = webhook_admin.enable(session, principal=principal, request=info, endpoint_id=endpoint_id)
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
    with kafka_or_503(), _answered_errors():
        task = await webhook_admin.send_ping(
            resources, principal=principal, request=info, endpoint_id=endpoint_id
        )
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
    with kafka_or_503(), _answered_errors():
        task = await webhook_admin.send_again(
            resources, principal=principal, request=info, endpoint_id=endpoint_id, delivery_id=delivery_id
        )
    return _queued(task)
