"""Document downloads: the original bytes streamed through the API, or a presigned S3 URL.

Originals carry PII in clear (SSNs, dates of birth, account and routing numbers printed on the
pages), so downloading them needs `pii:read` as well as `documents:read`; everyone else reads the
extracted fields, masked. Every access (granted or not found) writes an `access_log` row before
the answer leaves, so there is no download without its record.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from api.deps import ContentId as DocumentId
from api.deps import RequestInfoDep, ResourcesDep, SessionDep, require
from api.permissions import DOCUMENTS_READ, PII_READ
from api.security import Principal
from api.services.documents import (
    DocumentNotFoundError,
    chunks,
    download_original,
    log_access,
    presigned_url,
    stored_original,
)
from infra.errors import StorageError

router = APIRouter(prefix="/documents", tags=["documents"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such document, or its bytes are not stored"},
    403: {"description": "The caller's role lacks `documents:read` or `pii:read` (originals show PII)"},
}
ORIGINALS_NOTE = (
    "Originals carry PII in clear (SSNs, dates of birth, account and routing numbers printed on the "
    "pages), so this needs the permissions `documents:read` and `pii:read`; callers without "
    "`pii:read` read the extracted fields, masked, from the application instead."
)


async def originals_reader(
    principal: Annotated[Principal, Depends(require(PII_READ))],
) -> Principal:
    """The caller, when their role grants `pii:read` and `documents:read` (else 403)."""
    if not principal.can(DOCUMENTS_READ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"Requires the permission {DOCUMENTS_READ}")
    return principal


OriginalsReader = Annotated[Principal, Depends(originals_reader)]


class DownloadUrl(BaseModel):
    """A presigned URL that fetches the original bytes directly from the object store."""

    url: str
    expires_in: int


@router.get(
    "/{document_id}/content",
    response_class=StreamingResponse,
    responses=RESPONSES,
    summary="Download the original bytes (streamed; needs pii:read; access logged)",
    description=ORIGINALS_NOTE,
)
def download_document(
    document_id: DocumentId,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: OriginalsReader,
) -> StreamingResponse:
    """The document's original bytes as an attachment."""
    try:
        download = download_original(
            session, resources.store, principal=principal, request=info, document_id=document_id
        )
    except DocumentNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except StorageError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail="The object store is unavailable"
        ) from exc
    return StreamingResponse(chunks(download.data), media_type=download.media_type, headers=download.headers)


@router.get(
    "/{document_id}/download-url",
    response_model=DownloadUrl,
    responses={**RESPONSES, 409: {"description": "The object store cannot presign (local folder)"}},
    summary="A presigned URL to the original bytes (S3 object stores; needs pii:read; access logged)",
    description=ORIGINALS_NOTE,
)
def document_download_url(
    document_id: DocumentId,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: OriginalsReader,
) -> DownloadUrl:
    """A URL valid for the configured presign lifetime; 409 when the store cannot issue one."""
    started = time.monotonic()
    try:
        original = stored_original(
            session, principal=principal, request=info, document_id=document_id, started=started
        )
    except DocumentNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    seconds = resources.config.presign_seconds
    url = presigned_url(resources.store, uri=original.uri, expires_seconds=seconds)
    log_access(
        session,
        principal=principal,
        request=info,
        document_id=document_id,
        status_code=200 if url else 409,
        started=started,
    )
    if url is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="This object store cannot presign; use /content")
    return DownloadUrl(url=url, expires_in=seconds)
