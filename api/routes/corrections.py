"""Corrections, discarded corrections and review decisions, with If-Match and read-your-writes.

Each is an `async def` route: it publishes a command (awaiting Kafka's acknowledgement) and then
waits, bounded and without blocking, until the projection shows a version past the one the
command was made against; every database call runs in a worker thread. Answers: 200 with the new
state (and its ETag) when it shows in time, else 202 with a Location to poll; 428 without
If-Match, 412 when If-Match is not the current version, 422 for a field or value that does not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.audit import RequestInfo, audit
from api.config import API_PREFIX
from api.deps import ContentId as ApplicationId
from api.deps import RequestInfoDep, ResourcesDep, require
from api.etag import PreconditionFailedError, PreconditionRequiredError, etag_of, expected_version
from api.fields import FieldError, field_spec
from api.models.applications import ApplicationDetail
from api.models.commands import CommandAccepted, CorrectionRequest, DiscardRequest, ReviewRequest
from api.permissions import APPLICATIONS_CORRECT, APPLICATIONS_REVIEW
from api.resources import ApiResources
from api.security import Principal
from api.services.command_makers import correction_maker, review_maker
from api.services.commands import command, publish_command, wait_for_version
from api.services.detail import present_application
from api.services.loading import current_version, load_application
from infra.errors import TransientError

router = APIRouter(prefix="/applications", tags=["corrections"])
IfMatch = Annotated[str | None, Header(description="The ETag of the version the command was made against.")]
Reveal = Annotated[bool, Query(description="With pii:read, show PII in clear in the new state (audited).")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": CommandAccepted, "description": "Published; the new state is not projected yet"},
    404: {"description": "No such application"},
    412: {"description": "If-Match is not the current version"},
    422: {"description": "Not a correctable field, or a value that does not fit it"},
    428: {"description": "If-Match is missing"},
    503: {"description": "Kafka is unavailable; nothing was published"},
}


async def submit_command(
    *,
    resources: ApiResources,
    principal: Principal,
    info: RequestInfo,
    application_id: str,
    if_match: str | None,
    make: Callable[[int], dict[str, Any]],
    action: str,
    reveal: bool,
) -> JSONResponse:
    """Check the precondition, publish `make(expected_version)`, audit it, and wait for the projection."""
    database = resources.database
    current = await database.run(lambda session: current_version(session, application_id=application_id))
    if current is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such application")
    try:
        expected = expected_version(if_match, current)
    except PreconditionRequiredError as exc:
        raise HTTPException(status.HTTP_428_PRECONDITION_REQUIRED, detail=str(exc)) from exc
    except PreconditionFailedError as exc:
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED, detail=str(exc), headers={"ETag": etag_of(current)}
        ) from exc
    try:
        value = make(expected)
    except FieldError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    try:
        await publish_command(resources.publisher, topic=resources.config.topics.correction, value=value)
    except TransientError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="Kafka is unavailable") from exc

    def record(session: Session) -> None:
        audit(
            session,
            principal=principal,
            action=action,
            target_type="application",
            target_id=application_id,
            request=info,
            detail={
                "command_id": value["command_id"],
                "field": value.get("field"),
                "decision": value.get("decision"),
                "expected_version": expected,
            },
        )
        session.commit()

    await database.run(record)
    headers = {"X-Command-Id": value["command_id"]}
    shown = await wait_for_version(
        database,
        application_id=application_id,
        above=expected,
        seconds=resources.config.read_your_writes_seconds,
    )
    if shown is None:
        location = f"{API_PREFIX}/applications/{application_id}"
        accepted = CommandAccepted(
            command_id=value["command_id"],
            application_id=application_id,
            type=value["type"],
            expected_version=expected,
            location=location,
        )
        return JSONResponse(
            accepted.model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers={**headers, "Location": location},
        )

    def read(session: Session) -> ApplicationDetail | None:
        rows = load_application(session, application_id=application_id)
        if rows is None:
            return None
        return present_application(
            session, rows=rows, principal=principal, request=info, ring=resources.ring, reveal=reveal
        )

    detail = await database.run(read)
    if detail is None:  # removed meanwhile (a tombstone)
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such application")
    headers.update({"ETag": etag_of(detail.version), "Cache-Control": "private, no-store"})
    return JSONResponse(detail.model_dump(mode="json"), headers=headers)


@router.post(
    "/{application_id}/corrections",
    response_model=ApplicationDetail,
    responses=RESPONSES,
    summary="Correct one field (If-Match required)",
)
async def correct_field(
    application_id: ApplicationId,
    body: CorrectionRequest,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(require(APPLICATIONS_CORRECT))],
    if_match: IfMatch = None,
    reveal_pii: Reveal = True,
) -> JSONResponse:
    """Publish a correct_field command; PII values are encrypted before they leave the API."""
    make = correction_maker(application_id=application_id, actor=principal.actor, field=body.field,
                            value=body.value, reason=body.reason, ring=resources.ring)
    return await submit_command(
        resources=resources,
        principal=principal,
        info=info,
        application_id=application_id,
        if_match=if_match,
        make=make,
        action="application.correct",
        reveal=reveal_pii,
    )


@router.post(
    "/{application_id}/corrections/discard",
    response_model=ApplicationDetail,
    responses=RESPONSES,
    summary="Discard a human correction so the extracted value applies (If-Match required)",
)
async def discard_correction(
    application_id: ApplicationId,
    body: DiscardRequest,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(require(APPLICATIONS_CORRECT))],
    if_match: IfMatch = None,
    reveal_pii: Reveal = True,
) -> JSONResponse:
    """Publish a discard_correction command for one field."""

    def make(expected: int) -> dict[str, Any]:
        field_spec(body.field)
        return command(
            command_type="discard_correction",
            application_id=application_id,
            actor=principal.actor,
            expected_version=expected,
            field=body.field,
            reason=body.reason,
        )

    return await submit_command(
        resources=resources,
        principal=principal,
        info=info,
        application_id=application_id,
        if_match=if_match,
        make=make,
        action="application.discard_correction",
        reveal=reveal_pii,
    )


@router.post(
    "/{application_id}/review",
    response_model=ApplicationDetail,
    responses=RESPONSES,
    summary="Record a reviewer's decision (If-Match required)",
)
async def review_application(
    application_id: ApplicationId,
    body: ReviewRequest,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(require(APPLICATIONS_REVIEW))],
    if_match: IfMatch = None,
    reveal_pii: Reveal = True,
) -> JSONResponse:
    """Publish a review command (approve or reject)."""
    make = review_maker(application_id=application_id, actor=principal.actor, decision=body.decision,
                        note=body.note)
    return await submit_command(
        resources=resources,
        principal=principal,
        info=info,
        application_id=application_id,
        if_match=if_match,
        make=make,
        action="application.review",
        reveal=reveal_pii,
    )
