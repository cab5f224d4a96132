"""Document downloads: the original bytes streamed through the API, or a presigned S3 URL.

Every access (granted or not found) writes an `access_log` row before the answer leaves, so
there is no download without its record.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.audit import RequestInfo, access
from api.deps import ContentId as DocumentId
from api.deps import RequestInfoDep, ResourcesDep, SessionDep, require
from api.permissions import DOCUMENTS_READ
from api.security import Principal
from api.services.documents import chunks, content_disposition, find_document, presigned_url
from infra.errors import StorageError
from infra.object_store import ObjectNotFoundError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/documents", tags=["documents"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such document, or its bytes are not stored"}
}


class DownloadUrl(BaseModel):
    """A presigned URL that fetches the original bytes directly from the object store."""

    url: str
    expires_in: int


def _blob_uri(
    session: Session, info: RequestInfo, principal: Principal, document_id: str, started: float
) -> tuple[str, str, str | None]:
    document = find_document(session, document_id=document_id)
    if document is None or not document.blob_uri:
        access(
            session,
            principal=principal,
            request=info,
            status_code=404,
            resource_type="document",
            resource_id=document_id,
            latency_ms=round((time.monotonic() - started) * 1000),
        )
        session.commit()
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such document, or its bytes are not stored")
    content_type = document.blob_content_type or document.content_type or "application/octet-stream"
    return document.blob_uri, content_type, document.filename


@router.get(
    "/{document_id}/content",
    response_class=StreamingResponse,
    responses=NOT_FOUND,
    summary="Download the original bytes (streamed; access logged)",
)
def download_document(
    document_id: DocumentId,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(require(DOCUMENTS_READ))],
) -> StreamingResponse:
    """The document's original bytes as an attachment."""
    started = time.monotonic()
    uri, content_type, filename = _blob_uri(session, info, principal, document_id, started)
    try:
        data = resources.store.get(uri)
    except ObjectNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="The document's bytes are missing") from exc
    except StorageError as exc:
        logger.error("document %s unreadable: %s", document_id, exc)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail="The object store is unavailable"
        ) from exc
    access(
        session,
        principal=principal,
        request=info,
        status_code=200,
        resource_type="document",
        resource_id=document_id,
        latency_ms=round((time.monotonic() - started) * 1000),
    )
    session.commit()
    headers = {
        "Content-Disposition": content_disposition(filename, document_id),
        "Content-Length": str(len(data)),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(chunks(data), media_type=content_type, headers=headers)


@router.get(
    "/{document_id}/download-url",
    response_model=DownloadUrl,
    responses={**NOT_FOUND, 409: {"description": "The object store cannot presign (local folder)"}},
    summary="A presigned URL to the original bytes (S3 object stores; access logged)",
)
def document_download_url(
    document_id: DocumentId,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(require(DOCUMENTS_READ))],
) -> DownloadUrl:
    """A URL valid for the configured presign lifetime; 409 when the store cannot issue one."""
    started = time.monotonic()
    uri, _, _ = _blob_uri(session, info, principal, document_id, started)
    seconds = resources.config.presign_seconds
    url = presigned_url(resources.store, uri=uri, expires_seconds=seconds)
    code = 200 if url else 409
    access(
        session,
        principal=principal,
        request=info,
        status_code=code,
        resource_type="document",
        resource_id=document_id,
        latency_ms=round((time.monotonic() - started) * 1000),
    )
    session.commit()
    if url is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="This object store cannot presign; use /content")
    return DownloadUrl(url=url, expires_in=seconds)
