"""Webhook endpoints (webhooks:manage): register, subscriptions, secret rotation (secret shown once),
test ping, re-enable, delete, the delivery log with status codes, and redelivery.

Every change goes through api/services/webhook_admin.py, audited as the API's routes are (they share
it); pings and redeliveries are delivery tasks on the delivery topic, sent by the webhook workers.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import RecordId, RequestInfoDep, ResourcesDep, SessionDep
from api.models.webhooks import DAY_SECONDS, EventType
from api.permissions import WEBHOOKS_MANAGE
from api.resources import ApiResources
from api.security import Principal
from api.services import webhook_admin
from api.services import webhooks as service
from api.ui.config import UI_PREFIX
from api.ui.session import csrf_protected, ui_require
from api.ui.templating import redirect, render
from api.url_policy import UrlRefusedError
from infra.errors import TransientError

router = APIRouter(include_in_schema=False)
Manager = Annotated[Principal, Depends(ui_require(WEBHOOKS_MANAGE))]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]
DELIVERIES_SHOWN = 25
WEBHOOKS = f"{UI_PREFIX}/webhooks"


def _page(request: Request, session: Session, resources: ApiResources, **context: Any) -> Response:
    values = {
        "endpoints": webhook_admin.all_endpoints(session),
        "event_types": EVENT_TYPES,
        "title": "Webhooks",
        "nav": "webhooks",
        "allow_private": resources.config.allow_private_webhooks,
        **context,
    }
    return render(request, "webhooks.html", values, status_code=context.pop("status_code", 200))


@router.get("/webhooks")
def webhooks_page(
    request: Request, session: SessionDep, resources: ResourcesDep, principal: Manager
) -> Response:
    """Every endpoint with its actions, and the form to register one."""
    return _page(request, session, resources)


@router.post("/webhooks", dependencies=[Depends(csrf_protected)])
def create_webhook(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Manager,
    url: Annotated[str, Form(min_length=1, max_length=2048)],
    description: Annotated[str | None, Form(max_length=2000)] = None,
    event_types: Annotated[list[str] | None, Form()] = None,
    allow_private: Annotated[bool, Form()] = False,
) -> Response:
    """Register an endpoint (URL policy first); its signing secret is shown this once."""
    try:
        made = webhook_admin.register_endpoint(
            session,
            principal=principal,
            request=info,
            url=url,
            description=description or None,
            event_types=[kind for kind in event_types or [] if kind in EVENT_TYPES],
            allow_private=allow_private,
            deployment_allows_private=resources.config.allow_private_webhooks,
            ring=resources.ring,
        )
    except UrlRefusedError as exc:
        return _page(request, session, resources, error=f"URL refused: {exc}", form_url=url, status_code=422)
    return _page(request, session, resources, secret=made.secret, secret_for=made.endpoint)


@router.post("/webhooks/{endpoint_id}/rotate", dependencies=[Depends(csrf_protected)])
def rotate_secret(
    endpoint_id: RecordId,
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Manager,
) -> Response:
    """A new signing secret, shown once; the old one keeps signing for a day."""
    try:
        made = webhook_admin.rotate_endpoint_secret(
            session,
            principal=principal,
            request=info,
            endpoint_id=endpoint_id,
            ring=resources.ring,
            overlap=timedelta(seconds=DAY_SECONDS),
        )
    except service.UnknownEndpointError:
        return _page(request, session, resources, error="No such endpoint.", status_code=404)
    return _page(request, session, resources, secret=made.secret, secret_for=made.endpoint)


@router.post("/webhooks/{endpoint_id}/enable", dependencies=[Depends(csrf_protected)])
def enable_webhook(
    endpoint_id: RecordId, request: Request, session: SessionDep, info: RequestInfoDep, principal: Manager
) -> Response:
    """Re-enable an endpoint disabled after sustained failure."""
    with suppress(service.UnknownEndpointError):
        webhook_admin.enable(session, principal=principal, request=info, endpoint_id=endpoint_id)
    return redirect(request, WEBHOOKS)


@router.post("/webhooks/{endpoint_id}/delete", dependencies=[Depends(csrf_protected)])
def delete_webhook(
    endpoint_id: RecordId, request: Request, session: SessionDep, info: RequestInfoDep, principal: Manager
) -> Response:
    """Delete an endpoint and its delivery log."""
    with suppress(service.UnknownEndpointError):
        webhook_admin.delete(session, principal=principal, request=info, endpoint_id=endpoint_id)
    return redirect(request, WEBHOOKS)


@router.get("/webhooks/{endpoint_id}/deliveries")
def deliveries(
    endpoint_id: RecordId,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(ui_require(WEBHOOKS_MANAGE, quiet=True))],
) -> Response:
    """The endpoint's latest delivery attempts (the fragment the page polls)."""
    try:
        rows, _ = service.list_deliveries(
            session, endpoint_id=endpoint_id, before_id=None, limit=DELIVERIES_SHOWN
        )
    except service.UnknownEndpointError:
        rows = []
    return render(request, "_deliveries.html", {"rows": rows, "endpoint_id": endpoint_id})


@router.post("/webhooks/{endpoint_id}/ping", dependencies=[Depends(csrf_protected)])
async def ping(
    endpoint_id: RecordId, request: Request, resources: ResourcesDep, info: RequestInfoDep, principal: Manager
) -> Response:
    """Queue a signed test ping; its attempt shows in the delivery log."""
    try:
        task = await webhook_admin.send_ping(
            resources, principal=principal, request=info, endpoint_id=endpoint_id
        )
    except service.UnknownEndpointError:
        return render(request, "_notice.html", {"error": "No such endpoint."}, status_code=404)
    except TransientError:
        return render(request, "_notice.html", {"error": "Kafka is unavailable; try again shortly."})
    return render(request, "_notice.html", {"message": f"Test ping queued (delivery {task['delivery_id']})."})


@router.post(
    "/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver", dependencies=[Depends(csrf_protected)]
)
async def redeliver(
    endpoint_id: RecordId,
    delivery_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")],
    request: Request,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Manager,
) -> Response:
    """Send a failed delivery once more (same webhook-id and body)."""
    try:
        await webhook_admin.send_again(
            resources, principal=principal, request=info, endpoint_id=endpoint_id, delivery_id=delivery_id
        )
    except (service.UnknownEndpointError, service.RedeliveryRefusedError) as exc:
        return render(request, "_notice.html", {"error": f"Not redelivered: {exc}."})
    except TransientError:
        return render(request, "_notice.html", {"error": "Kafka is unavailable; try again shortly."})
    return render(request, "_notice.html", {"message": "Redelivery queued."})
