"""The dashboard, and its live part that htmx polls (polling does not extend the session)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.deps import ResourcesDep, SessionDep
from api.permissions import APPLICATIONS_READ
from api.security import Principal
from api.ui.dashboard import Dashboard, read_dashboard
from api.ui.session import ui_require
from api.ui.templating import render

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 10


def _read(session: SessionDep, resources: ResourcesDep) -> Dashboard:
    snapshot = resources.metrics.snapshot
    return read_dashboard(
        session, now=datetime.now(UTC), progress=snapshot.kafka, lag_read_at=snapshot.refreshed_at
    )


@router.get("/")
def dashboard_page(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    principal: Annotated[Principal, Depends(ui_require(APPLICATIONS_READ))],
) -> Response:
    """Counts, decision times, backlog and recent activity (refreshing itself)."""
    context = {
        "d": _read(session, resources),
        "refresh": REFRESH_SECONDS,
        "title": "Dashboard",
        "nav": "dashboard",
    }
    return render(request, "dashboard.html", context)


@router.get("/dashboard/live")
def dashboard_live(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    principal: Annotated[Principal, Depends(ui_require(APPLICATIONS_READ, quiet=True))],
) -> Response:
    """The dashboard's numbers alone (the fragment htmx swaps in)."""
    return render(
        request, "_dashboard_live.html", {"d": _read(session, resources), "refresh": REFRESH_SECONDS}
    )
