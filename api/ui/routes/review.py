"""The review queue: applications in `review_required` with their reasons; inline corrections,
sign-off and reprocessing, each sent exactly as the API sends it.

Corrections and sign-offs go through the API's own `submit_command` (If-Match with the version
the card showed, the command published to Kafka, audited, then the read-your-writes wait), so the
card shows the new value once the projection has it; when the wait runs out the card polls until
it does. Reprocessing goes through the API's `request_reprocess`.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import Response

from api.audit import RequestInfo
from api.deps import ContentId, RequestInfoDep, ResourcesDep, SessionDep
from api.etag import etag_of
from api.fields import FieldError
from api.permissions import (
    APPLICATIONS_CORRECT,
    APPLICATIONS_READ,
    APPLICATIONS_REPROCESS,
    APPLICATIONS_REVIEW,
)
from api.resources import ApiResources
from api.routes.corrections import submit_command
from api.routes.reprocess import request_reprocess
from api.security import Principal
from api.services.command_makers import CommandMaker, correction_maker, review_maker
from api.ui.fields import form_value
from api.ui.listing import ListQuery, list_page
from api.ui.review_queue import Card, read_card
from api.ui.session import csrf_protected, ui_require
from api.ui.templating import render

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
QUEUE_SIZE = 20
POLL_SECONDS = 2


@router.get("/review")
def review_page(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(ui_require(APPLICATIONS_READ))],
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> Response:
    """The oldest applications waiting for review first, a card each."""
    query = ListQuery(status="review_required", sort="received", descending=False)
    page = list_page(session, query, cursor=cursor, limit=QUEUE_SIZE)
    cards = [
        card
        for row in page.rows
        if (
            card := read_card(
                session,
                application_id=row.application_id,
                principal=principal,
                request=info,
                ring=resources.ring,
            )
        )
        is not None
    ]
    context = {"cards": cards, "next_cursor": page.next_cursor, "title": "Review queue", "nav": "review"}
    return render(request, "review.html", context)


def _card_response(request: Request, card: Card | None, **context: Any) -> Response:
    if card is None:
        return render(request, "_review_gone.html", context)
    return render(request, "_review_card.html", {"card": card, **context})


@router.get("/review/{application_id}")
def review_card(
    application_id: ContentId,
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(ui_require(APPLICATIONS_READ, quiet=True))],
    above: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """One card; with `above`, keeps polling until the application's version is past it."""
    card = read_card(
        session, application_id=application_id, principal=principal, request=info, ring=resources.ring
    )
    if card is not None and above is not None and card.detail.version <= above:
        return _pending(request, card, above)
    message = "Applied." if above is not None else None
    return _card_response(request, card, message=message)


async def _current_card(
    resources: ApiResources, info: RequestInfo, principal: Principal, application_id: str
) -> Card | None:
    """The card as it is now (read in a worker thread)."""
    return await resources.database.run(
        lambda s: read_card(
            s, application_id=application_id, principal=principal, request=info, ring=resources.ring
        )
    )


def _pending(request: Request, card: Card | None, above: int) -> Response:
    """A card that polls until the application's version is past `above`."""
    message = "Sent; waiting for the pipeline to apply it…"
    return _card_response(request, card, pending_above=above, poll=POLL_SECONDS, message=message)


async def _after_command(
    request: Request,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Principal,
    application_id: str,
    answer: Response,
    done: str,
) -> Response:
    """The card after a command: the new state (200), or a polling card (202)."""
    card = await _current_card(resources, info, principal, application_id)
    if answer.status_code == 202:
        return _pending(request, card, int(json.loads(bytes(answer.body))["expected_version"]))
    return _card_response(request, card, message=done)


async def _refused(
    request: Request,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Principal,
    application_id: str,
    exc: HTTPException,
) -> Response:
    reasons = {
        412: "Someone changed this application meanwhile: the card now shows its current state; check and "
        "try again.",
        422: f"Not saved: {exc.detail}",
        428: "Not saved: the card did not say which version it was made against.",
        503: "Not saved: Kafka is unavailable. Try again shortly.",
    }
    card = await _current_card(resources, info, principal, application_id)
    return _card_response(request, card, error=reasons.get(exc.status_code, str(exc.detail)))


async def _submit(
    request: Request,
    resources: ApiResources,
    info: RequestInfo,
    principal: Principal,
    application_id: str,
    *,
    version: int,
    make: CommandMaker,
    action: str,
    done: str,
) -> Response:
    """Send a command made against `version` as the API does, and answer with the card after it."""
    try:
        answer = await submit_command(
            resources=resources,
            principal=principal,
            info=info,
            application_id=application_id,
            if_match=etag_of(version),
            make=make,
            action=action,
            reveal=False,
        )
    except HTTPException as exc:
        return await _refused(request, resources, info, principal, application_id, exc)
    return await _after_command(request, resources, info, principal, application_id, answer, done)


@router.post("/applications/{application_id}/corrections", dependencies=[Depends(csrf_protected)])
async def correct_field(
    application_id: ContentId,
    request: Request,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(ui_require(APPLICATIONS_CORRECT))],
    field: Annotated[str, Form(min_length=1, max_length=200)],
    version: Annotated[int, Form(ge=0)],
    value: Annotated[str | None, Form(max_length=2000)] = None,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Correct one field as `POST /api/v1/applications/{id}/corrections` does, against `version`."""
    try:
        typed = form_value(field, value)
    except FieldError as exc:
        refused = HTTPException(422, str(exc))
        return await _refused(request, resources, info, principal, application_id, refused)
    make = correction_maker(
        application_id=application_id,
        actor=principal.actor,
        field=field,
        value=typed,
        reason=reason or None,
        ring=resources.ring,
    )
    return await _submit(
        request, resources, info, principal, application_id,
        version=version, make=make, action="application.correct", done=f"Corrected {field}.",
    )


@router.post("/applications/{application_id}/review", dependencies=[Depends(csrf_protected)])
async def review_application(
    application_id: ContentId,
    request: Request,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(ui_require(APPLICATIONS_REVIEW))],
    version: Annotated[int, Form(ge=0)],
    decision: Annotated[str, Form(pattern="^(approve|reject)$")] = "approve",
    note: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Sign off (approve, i.e. mark reviewed) or reject, as `POST /api/v1/applications/{id}/review`."""
    make = review_maker(
        application_id=application_id, actor=principal.actor, decision=decision, note=note or None
    )
    done = "Marked reviewed." if decision == "approve" else "Rejected."
    return await _submit(
        request, resources, info, principal, application_id,
        version=version, make=make, action="application.review", done=done,
    )


@router.post("/applications/{application_id}/reprocess", dependencies=[Depends(csrf_protected)])
async def reprocess_application(
    application_id: ContentId,
    request: Request,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(ui_require(APPLICATIONS_REPROCESS))],
    reason: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Ask the pipeline to read the application's documents again (corrections are kept)."""
    try:
        await request_reprocess(
            resources=resources,
            principal=principal,
            info=info,
            application_id=application_id,
            document_id=None,
            reason=reason or "requested in the web UI",
        )
    except HTTPException as exc:
        return await _refused(request, resources, info, principal, application_id, exc)
    card = await _current_card(resources, info, principal, application_id)
    return _card_response(request, card, message="Reprocessing requested; the card updates when it is done.")
