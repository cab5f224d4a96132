"""The applications table (filters, search, sort, cursor pages, CSV export) and the application
detail page with its document viewer (page images and downloads: api/ui/routes/documents.py).

Database reads are plain `def` routes (FastAPI's threadpool), as in api/routes. A detail page that
shows PII in clear is audited by `present_application`.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import ContentId, RequestInfoDep, ResourcesDep, SessionDep
from api.permissions import APPLICATIONS_READ
from api.security import Principal
from api.services.detail import present_application
from api.services.loading import load_application
from api.ui.csv_export import CSV_COLUMNS, export_rows
from api.ui.listing import (
    SORT_KINDS,
    STATUSES,
    InvalidListCursorError,
    ListQuery,
    iso_brokers,
    list_page,
)
from api.ui.session import ui_require
from api.ui.templating import finish, render
from api.ui.views import document_views

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(ui_require(APPLICATIONS_READ))]
PAGE_SIZE = 50


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
