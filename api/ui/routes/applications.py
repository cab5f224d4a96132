"""The applications table (filters, search, sort, cursor pages, CSV export), the application
detail page with its document viewer, the page images the viewer shows, and original downloads.

Database reads are plain `def` routes (FastAPI's threadpool), as in api/routes; the page image
route awaits the object store and the renderer in worker threads. A detail page that shows PII in
clear is audited by `present_application`; every page image and download writes an access record.
Originals print PII in clear: without `pii:read` page images come redacted (the PII fields' boxes
covered) and the original cannot be downloaded, as in the API.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import ContentId, RequestInfoDep, ResourcesDep, SessionDep
from api.permissions import APPLICATIONS_READ, DOCUMENTS_READ, PII_READ
from api.resources import ApiResources
from api.security import Principal
from api.services.detail import present_application
from api.services.documents import DocumentNotFoundError, download_original, find_document, log_access
from api.services.loading import load_application
from api.services.redaction import pii_boxes
from api.ui.listing import (
    SORT_KINDS,
    STATUSES,
    InvalidListCursorError,
    ListQuery,
    iso_brokers,
    list_page,
)
from api.ui.page_images import PageImageCache, PageNotRenderableError, Redaction, redact, render_page
from api.ui.session import ui_require
from api.ui.templating import finish, render
from api.ui.views import document_views
from infra.errors import StorageError
from schemas.db.projection import Document

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(ui_require(APPLICATIONS_READ))]
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
EXPORT_BATCH = 500
CSV_COLUMNS = (
    "application_id",
    "received_at",
    "status",
    "iso_broker",
    "merchant_name",
    "dba_name",
    "ein",
    "amount_requested",
    "monthly_true_revenue",
    "positions",
    "review_reasons",
)
_page_images = PageImageCache()


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def list_query(
    status: Annotated[str | None, Query(max_length=32)] = None,
    received_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    received_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    iso: Annotated[str | None, Query(max_length=255)] = None,
    q: Annotated[str | None, Query(max_length=255)] = None,
    sort: Annotated[str, Query(max_length=16)] = "received",
    direction: Annotated[str, Query(alias="dir", max_length=4)] = "desc",
) -> ListQuery:
    """The table's query from its URL parameters (unknown values fall back to the defaults)."""
    return ListQuery(
        status=status if status in STATUSES else None,
        received_from=_date(received_from),
        received_to=_date(received_to),
        iso_broker=iso or None,
        search=q or None,
        sort=sort if sort in SORT_KINDS else "received",
        descending=direction != "asc",
    )


ListQueryDep = Annotated[ListQuery, Depends(list_query)]


def query_params(query: ListQuery, **changes: str | None) -> dict[str, str]:
    """The URL parameters of `query` (with `changes`), empty ones left out (pure)."""
    params: dict[str, str | None] = {
        "status": query.status,
        "from": query.received_from.isoformat() if query.received_from else None,
        "to": query.received_to.isoformat() if query.received_to else None,
        "iso": query.iso_broker,
        "q": query.search,
        "sort": query.sort,
        "dir": "desc" if query.descending else "asc",
        **changes,
    }
    return {key: value for key, value in params.items() if value}


@router.get("/applications")
def applications_page(
    request: Request,
    session: SessionDep,
    principal: Reader,
    query: ListQueryDep,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> Response:
    """The table; htmx requests get only the results (or only the next rows)."""
    try:
        page = list_page(session, query, cursor=cursor, limit=PAGE_SIZE)
    except InvalidListCursorError:
        page = list_page(session, query, cursor=None, limit=PAGE_SIZE)
    context = {
        "page": page,
        "query": query,
        "params": query_params(query),
        "statuses": STATUSES,
        "title": "Applications",
        "nav": "applications",
        "page_size": PAGE_SIZE,
    }
    target = request.headers.get("hx-target")
    if target == "more-row":
        return render(request, "_application_rows.html", context)
    if target == "results":
        return render(request, "_application_results.html", context)
    context["brokers"] = iso_brokers(session)
    return render(request, "applications.html", context)


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (pure)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def export_rows(session: Session, query: ListQuery) -> list[list[str]]:
    """Every matching row (up to EXPORT_LIMIT) as CSV cells, in the table's order."""
    rows: list[list[str]] = []
    cursor = None
    while len(rows) < EXPORT_LIMIT:
        page = list_page(session, query, cursor=cursor, limit=EXPORT_BATCH)
        for row in page.rows:
            reasons = ";".join(str(reason.get("code")) for reason in row.review_reasons)
            values = (
                row.application_id,
                row.received_at.isoformat(),
                row.status,
                row.iso_broker,
                row.merchant_name,
                row.dba_name,
                row.ein,
                row.amount_requested,
                row.monthly_true_revenue,
                row.positions,
                reasons,
            )
            rows.append([csv_cell(value) for value in values])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return rows[:EXPORT_LIMIT]


@router.get("/applications.csv")
def applications_csv(
    request: Request, session: SessionDep, principal: Reader, query: ListQueryDep
) -> Response:
    """The table's rows (every page) as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(export_rows(session, query))
    response = Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="applications.csv"'},
    )
    return finish(request, response)


@router.get("/applications/{application_id}")
def application_page(
    application_id: ContentId,
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Reader,
) -> Response:
    """One application in full, with the document viewer (PII in clear only for pii:read, audited)."""
    rows = load_application(session, application_id=application_id)
    if rows is None:
        missing = {"title": "Not found", "message": "There is no application with this id."}
        return render(request, "error.html", missing, status_code=404)
    detail = present_application(
        session, rows=rows, principal=principal, request=info, ring=resources.ring, reveal=True
    )
    documents, loose = document_views(detail)
    context: dict[str, Any] = {
        "a": detail,
        "documents": documents,
        "loose_fields": loose,
        "title": _title(detail),
        "nav": "applications",
    }
    return render(request, "application.html", context)


def _title(detail: object) -> str:
    merchant = getattr(detail, "merchant", None)
    return (merchant.legal_name if merchant and merchant.legal_name else None) or "Application"


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
