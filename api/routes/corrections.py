"""Corrections, discarded corrections and review decisions, with If-Match and read-your-writes.

Each is an `async def` route: it publishes a command (awaiting Kafka's acknowledgement) and then
waits, bounded and without blocking, until the projection shows a version past the one the
command was made against; every database call runs in a worker thread. Answers: 200 with the new
state (and its ETag) when it shows in time, else 202 with a Location to poll; 428 without
If-Match, 412 when If-Match is not the current version, 422 for a field or value that does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.audit import RequestInfo
from api.deps import ContentId as ApplicationId
from api.deps import RequestInfoDep, ResourcesDep, require
from api.etag import PreconditionFailedError, PreconditionRequiredError, etag_of, expected_version
from api.fields import FieldError
from api.models.applications import ApplicationDetail
from api.models.commands import CommandAccepted, CorrectionRequest, DiscardRequest, ReviewRequest
from api.permissions import APPLICATIONS_CORRECT, APPLICATIONS_REVIEW
from api.resources import ApiResources
from api.routes.answers import command_accepted, kafka_or_503
from api.security import Principal
from api.services.command_makers import CommandMaker, correction_maker, discard_maker, review_maker
from api.services.commands import send_command, wait_for_version
from api.services.detail import present_application
from api.services.loading import current_version, load_application

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
    make: CommandMaker,
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
    audited = {"field": value.get("field"), "decision": value.get("decision"), "expected_version": expected}
    with kafka_or_503():
        await send_command(
            resources, principal=principal, request=info, value=value, action=action, detail=audited
        )
    shown = await wait_for_version(
        database,
        application_id=application_id,
        above=expected,
        seconds=resources.config.read_your_writes_seconds,
    )
    if shown is None:
        return command_accepted(value)

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
    headers = {
        "X-Command-Id": value["command_id"],
        "ETag": etag_of(detail.version),
        "Cache-Control": "private, no-store",
    }
    return JSONResponse(detail.model_dump(mode="json"), headers=headers)


@dataclass(frozen=True)
class CommandCall:
    """A call of a command route, all but its body and caller: the application, If-Match, and whether
    the new state may show PII in clear."""

    application_id: str
    resources: ApiResources
    info: RequestInfo
    if_match: str | None
    reveal: bool

    async def submit(self, make: CommandMaker, *, principal: Principal, action: str) -> JSONResponse:
        """`submit_command` for this call, sent by `principal`."""
        return await submit_command(
            resources=self.resources,
            principal=principal,
            info=self.info,
            application_id=self.application_id,
            if_match=self.if_match,
            make=make,
            action=action,
            reveal=self.reveal,
        )


async def command_call(
    application_id: ApplicationId,
    resources: ResourcesDep,
    info: RequestInfoDep,
    if_match: IfMatch = None,
    reveal_pii: Reveal = True,
) -> CommandCall:
    """The dependency that reads a command route's path, If-Match and `reveal_pii` parameters."""
    return CommandCall(application_id, resources, info, if_match, reveal_pii)


CommandCallDep = Annotated[CommandCall, Depends(command_call)]
Corrector = Annotated[Principal, Depends(require(APPLICATIONS_CORRECT))]
Reviewer = Annotated[Principal, Depends(require(APPLICATIONS_REVIEW))]


@router.post(
    "/{application_id}/corrections",
    response_model=ApplicationDetail,
    responses=RESPONSES,
    summary="Correct one field (If-Match required)",
)
async def correct_field(body: CorrectionRequest, call: CommandCallDep, principal: Corrector) -> JSONResponse:
    """Publish a correct_field command; PII values are encrypted before they leave the API."""
    make = correction_maker(
        application_id=call.application_id,
        actor=principal.actor,
        field=body.field,
        value=body.value,
        reason=body.reason,
        ring=call.resources.ring,
    )
    return await call.submit(make, principal=principal, action="application.correct")


@router.post(
    "/{application_id}/corrections/discard",
    response_model=ApplicationDetail,
    responses=RESPONSES,
    summary="Discard a human correction so the extracted value applies (If-Match required)",
)
async def discard_correction(
    body: DiscardRequest, call: CommandCallDep, principal: Corrector
) -> JSONResponse:
    """Publish a discard_correction command for one field."""
    make = discard_maker(
        application_id=call.application_id, actor=principal.actor, field=body.field, reason=body.reason
    )
    return await call.submit(make, principal=principal, action="application.discard_correction")


@router.post(
    "/{application_id}/review",
    response_model=ApplicationDetail,
    responses=RESPONSES,
    summary="Record a reviewer's decision (If-Match required)",
)
async def review_application(body: ReviewRequest, call: CommandCallDep, principal: Reviewer) -> JSONResponse:
    """Publish a review command (approve or reject)."""
    make = review_maker(
        application_id=call.application_id, actor=principal.actor, decision=body.decision, note=body.note
    )
    return await call.submit(make, principal=principal, action="application.review")
