"""Reprocess an application or one of its documents: a `reprocess` command for the pipeline.

Reprocessing takes as long as reading the documents again, so these answer 202 at once with a
Location to poll; the new state carries the extractor version that produced it, and human
corrections survive it (the assemble stage re-applies them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, status
from fastapi.responses import JSONResponse

from api.audit import RequestInfo
from api.deps import ContentId as Id
from api.deps import RequestInfoDep, ResourcesDep, require
from api.models.commands import CommandAccepted, ReprocessRequest
from api.permissions import APPLICATIONS_REPROCESS
from api.resources import ApiResources
from api.routes.answers import command_accepted, kafka_or_503
from api.security import Principal
from api.services.commands import command, send_command
from api.services.documents import find_document
from api.services.loading import current_version

router = APIRouter(tags=["reprocess"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown application or document"},
    503: {"description": "Kafka is unavailable"},
}
ReprocessBody = Annotated[ReprocessRequest | None, Body()]


async def request_reprocess(
    *,
    resources: ApiResources,
    principal: Principal,
    info: RequestInfo,
    application_id: str,
    document_id: str | None,
    reason: str | None,
) -> JSONResponse:
    """Publish a reprocess command, audit it, and answer 202 with the application's Location."""
    value = command(
        command_type="reprocess",
        application_id=application_id,
        actor=principal.actor,
        expected_version=None,
        document_id=document_id,
        reason=reason,
    )
    with kafka_or_503():
        await send_command(
            resources,
            principal=principal,
            request=info,
            value=value,
            action="application.reprocess",
            detail={"document_id": document_id},
        )
    return command_accepted(value)


@dataclass(frozen=True)
class Reprocessing:
    """A call of a reprocess route, all but its target, body and caller."""

    resources: ApiResources
    info: RequestInfo

    async def request(
        self,
        *,
        principal: Principal,
        application_id: str,
        document_id: str | None,
        body: ReprocessRequest | None,
    ) -> JSONResponse:
        """`request_reprocess` for this call, sent by `principal` with the reason given in `body` if any."""
        return await request_reprocess(
            resources=self.resources,
            principal=principal,
            info=self.info,
            application_id=application_id,
            document_id=document_id,
            reason=body.reason if body else None,
        )


async def reprocessing(resources: ResourcesDep, info: RequestInfoDep) -> Reprocessing:
    """The dependency of the reprocess routes."""
    return Reprocessing(resources, info)


ReprocessingDep = Annotated[Reprocessing, Depends(reprocessing)]
Reprocessor = Annotated[Principal, Depends(require(APPLICATIONS_REPROCESS))]


@router.post(
    "/applications/{application_id}/reprocess",
    status_code=202,
    response_model=CommandAccepted,
    responses=RESPONSES,
    summary="Reprocess every document of an application",
)
async def reprocess_application(
    application_id: Id, call: ReprocessingDep, principal: Reprocessor, body: ReprocessBody = None
) -> JSONResponse:
    """Ask the pipeline to read the application's documents again."""
    version = await call.resources.database.run(lambda s: current_version(s, application_id=application_id))
    if version is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such application")
    return await call.request(principal=principal, application_id=application_id, document_id=None, body=body)


@router.post(
    "/documents/{document_id}/reprocess",
    status_code=202,
    response_model=CommandAccepted,
    responses=RESPONSES,
    summary="Reprocess one document of an application",
)
async def reprocess_document(
    document_id: Id, call: ReprocessingDep, principal: Reprocessor, body: ReprocessBody = None
) -> JSONResponse:
    """Ask the pipeline to read one document again (its application is reassembled)."""
    document = await call.resources.database.run(lambda s: find_document(s, document_id=document_id))
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such document")
    return await call.request(
        principal=principal, application_id=document.application_id, document_id=document_id, body=body
    )
