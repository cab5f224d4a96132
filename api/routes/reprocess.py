"""Reprocess an application or one of its documents: a `reprocess` command for the pipeline.

Reprocessing takes as long as reading the documents again, so these answer 202 at once with a
Location to poll; the new state carries the extractor version that produced it, and human
corrections survive it (the assemble stage re-applies them).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.audit import RequestInfo, audit
from api.config import API_PREFIX
from api.deps import ContentId as Id
from api.deps import RequestInfoDep, ResourcesDep, require
from api.models.commands import CommandAccepted, ReprocessRequest
from api.permissions import APPLICATIONS_REPROCESS
from api.resources import ApiResources
from api.security import Principal
from api.services.commands import command, publish_command
from api.services.documents import find_document
from api.services.loading import current_version
from infra.errors import TransientError

router = APIRouter(tags=["reprocess"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown application or document"},
    503: {"description": "Kafka is unavailable"},
}


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
    try:
        await publish_command(resources.publisher, topic=resources.config.topics.correction, value=value)
    except TransientError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="Kafka is unavailable") from exc

    def record(session: Session) -> None:
        audit(
            session,
            principal=principal,
            action="application.reprocess",
            target_type="application",
            target_id=application_id,
            request=info,
            detail={"command_id": value["command_id"], "document_id": document_id},
        )
        session.commit()

    await resources.database.run(record)
    location = f"{API_PREFIX}/applications/{application_id}"
    accepted = CommandAccepted(
        command_id=value["command_id"], application_id=application_id, type="reprocess", location=location
    )
    return JSONResponse(
        accepted.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": location, "X-Command-Id": value["command_id"]},
    )


@router.post(
    "/applications/{application_id}/reprocess",
    status_code=202,
    response_model=CommandAccepted,
    responses=RESPONSES,
    summary="Reprocess every document of an application",
)
async def reprocess_application(
    application_id: Id,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(require(APPLICATIONS_REPROCESS))],
    body: Annotated[ReprocessRequest | None, Body()] = None,
) -> JSONResponse:
    """Ask the pipeline to read the application's documents again."""
    version = await resources.database.run(lambda s: current_version(s, application_id=application_id))
    if version is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such application")
    return await request_reprocess(
        resources=resources,
        principal=principal,
        info=info,
        application_id=application_id,
        document_id=None,
        reason=body.reason if body else None,
    )


@router.post(
    "/documents/{document_id}/reprocess",
    status_code=202,
    response_model=CommandAccepted,
    responses=RESPONSES,
    summary="Reprocess one document of an application",
)
async def reprocess_document(
    document_id: Id,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(require(APPLICATIONS_REPROCESS))],
    body: Annotated[ReprocessRequest | None, Body()] = None,
) -> JSONResponse:
    """Ask the pipeline to read one document again (its application is reassembled)."""
    document = await resources.database.run(lambda s: find_document(s, document_id=document_id))
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such document")
    return await request_reprocess(
        resources=resources,
        principal=principal,
        info=info,
        application_id=document.application_id,
        document_id=document_id,
        reason=body.reason if body else None,
    )
