"""The page images the document viewer shows, and original downloads.

The page image route awaits the object store and the renderer in worker threads; every page image
and download writes an access record. Originals print PII in clear: without `pii:read` page images
come redacted (the PII fields' boxes covered) and the original cannot be downloaded, as in the API.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import ContentId, RequestInfoDep, ResourcesDep, SessionDep
from api.permissions import DOCUMENTS_READ, PII_READ
from api.resources import ApiResources
from api.security import Principal
from api.services.documents import DocumentNotFoundError, download_original, find_document, log_access
from api.services.redaction import pii_boxes
from api.ui.page_images import PageImageCache, PageNotRenderableError, Redaction, redact, render_page
from api.ui.session import ui_require
from api.ui.templating import finish, render
from infra.errors import StorageError
from schemas.db.projection import Document

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
_page_images = PageImageCache()


async def _page_png(
    resources: ApiResources, document: Document, page: int, redaction: Redaction
) -> bytes | None:
    """The page as the caller may see it (cached by redaction), or None when it cannot be shown."""
    document_id = document.document_id
    png = _page_images.get(document_id, page, redaction)
    if png is not None or not document.blob_uri:
        return png
    clear = _page_images.get(document_id, page, None)
    try:
        if clear is None:
            data = await asyncio.to_thread(resources.store.get, document.blob_uri)
            content_type = document.blob_content_type or document.content_type
            clear = await asyncio.to_thread(render_page, data, content_type, page)
            _page_images.put(document_id, page, None, clear)
    except (StorageError, PageNotRenderableError) as exc:
        logger.info("document %s page %d not shown: %s", document_id, page, exc)
        return None
    if redaction is None:
        return clear
    png = await asyncio.to_thread(redact, clear, redaction)
    _page_images.put(document_id, page, redaction, png)
    return png


@router.get("/documents/{document_id}/pages/{page}")
async def page_image(
    document_id: ContentId,
    page: Annotated[int, Path(ge=1, le=10_000)],
    request: Request,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(ui_require(DOCUMENTS_READ))],
) -> Response:
    """A PNG of one page of a document (rendered once, then cached; every access logged). Without
    `pii:read` the PII read from the page is covered by opaque boxes."""
    started = time.monotonic()
    clear = principal.can(PII_READ)

    def look(session: Session) -> tuple[Document | None, Redaction]:
        document = find_document(session, document_id=document_id)
        if document is None or clear:
            return document, None
        return document, pii_boxes(session, document_id=document_id, page=page)

    document, redaction = await resources.database.run(look)
    png = None if document is None else await _page_png(resources, document, page, redaction)
    await resources.database.run(
        lambda session: log_access(
            session,
            principal=principal,
            request=info,
            document_id=document_id,
            status_code=200 if png is not None else 404,
            started=started,
        )
    )
    if png is None:
        return finish(request, Response("No such page", status_code=404, media_type="text/plain"))
    response = Response(png, media_type="image/png")
    finish(request, response)
    # A clear page is never kept by the browser (another person may sign in on it next); a
    # redacted one may be, for the same signed-in session only.
    response.headers["Cache-Control"] = "private, no-store" if redaction is None else "private, max-age=300"
    response.headers["Vary"] = "Cookie"
    return response


@router.get("/documents/{document_id}/content")
def original_document(
    document_id: ContentId,
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Annotated[Principal, Depends(ui_require(PII_READ))],
) -> Response:
    """The original document as an attachment, as `GET /api/v1/documents/{id}/content` answers it
    (needs `pii:read` and `documents:read`: originals show PII in clear; access logged)."""
    if not principal.can(DOCUMENTS_READ):
        forbidden = {"title": "Not allowed", "message": "Your role may not download documents."}
        return render(request, "error.html", forbidden, status_code=403)
    try:
        download = download_original(
            session, resources.store, principal=principal, request=info, document_id=document_id
        )
    except DocumentNotFoundError:
        missing = {"title": "Not found", "message": "This document's original is not stored."}
        return render(request, "error.html", missing, status_code=404)
    except StorageError:
        unavailable = {"title": "Unavailable", "message": "The document store is unavailable; try again."}
        return render(request, "error.html", unavailable, status_code=503)
    response = Response(download.data, media_type=download.media_type, headers=download.headers)
    return finish(request, response)
