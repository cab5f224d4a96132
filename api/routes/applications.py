"""GET /applications (filtered, cursor-paginated) and GET /applications/{id} (detail with ETag).

Both are plain `def` routes: FastAPI runs them in its threadpool, so the database reads never
block the event loop. A detail read that shows PII in clear is audited (committed before the
response leaves); callers without `pii:read` see masks only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status

from api.cursor import InvalidCursorError, decode_cursor
from api.deps import ContentId as ApplicationId
from api.deps import RequestInfoDep, ResourcesDep, SessionDep, require
from api.etag import etag_of, etag_versions
from api.models.applications import ApplicationDetail, ApplicationPage, ApplicationStatus
from api.permissions import APPLICATIONS_READ
from api.security import Principal
from api.services.applications import ApplicationFilters, list_applications
from api.services.detail import present_application
from api.services.loading import current_version, load_application

router = APIRouter(prefix="/applications", tags=["applications"])


def _utc(value: datetime | None) -> datetime | None:
    """Query datetimes without a zone are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get("", response_model=ApplicationPage, summary="List applications, newest first")
def get_applications(
    session: SessionDep,
    principal: Annotated[Principal, Depends(require(APPLICATIONS_READ))],
    status_: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
    received_from: Annotated[datetime | None, Query(description="Received at or after (UTC).")] = None,
    received_to: Annotated[datetime | None, Query(description="Received before (UTC).")] = None,
    iso_broker: Annotated[str | None, Query(max_length=255, description="ISO broker domain.")] = None,
    merchant: Annotated[
        str | None, Query(max_length=255, description="Part of the legal or DBA name.")
    ] = None,
    ein: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Annotated[
        str | None, Query(max_length=512, description="next_cursor of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ApplicationPage:
    """Applications matching every filter given, newest first, `limit` per page."""
    try:
        after = decode_cursor(cursor) if cursor else None
    except InvalidCursorError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="Invalid cursor") from exc
    filters = ApplicationFilters(
        status=status_,
        received_from=_utc(received_from),
        received_to=_utc(received_to),
        iso_broker=iso_broker,
        merchant=merchant,
        ein=ein,
    )
    return list_applications(session, filters=filters, cursor=after, limit=limit)


@router.get(
    "/{application_id}",
    response_model=ApplicationDetail,
    summary="One application in full",
    responses={
        304: {"description": "Not modified (If-None-Match names the current version)"},
        404: {"description": "No such application"},
    },
)
def get_application(
    application_id: ApplicationId,
    response: Response,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(require(APPLICATIONS_READ))],
    reveal_pii: Annotated[bool, Query(description="With pii:read, show PII in clear (audited).")] = True,
    if_none_match: Annotated[str | None, Header()] = None,
) -> ApplicationDetail | Response:
    """The application with provenance and history; the ETag header carries its version."""
    if if_none_match:
        version = current_version(session, application_id=application_id)
        if version is not None and version in etag_versions(if_none_match):
            return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_of(version)})
    rows = load_application(session, application_id=application_id)
    if rows is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such application")
    etag = etag_of(rows.application["version"])
    detail = present_application(
        session, rows=rows, principal=principal, request=info, ring=resources.ring, reveal=reveal_pii
    )
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-store"
    return detail
