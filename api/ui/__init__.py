"""The underwriters' web UI: server-rendered pages (Jinja2) with htmx, served by the API app under /ui.

`mount_ui(app, settings)` mounts the pages, the static files (htmx vendored, CSS, a little JS) and
the handlers that turn a missing session into the sign-in page, a missing permission into a 403
page and a missing CSRF token into a refusal. The pages reuse the API's services, auth, roles and
PII masking; nothing here reads or writes data the API could not.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import State

from api.ui.config import UI_PREFIX, ui_config
from api.ui.routes import applications, auth, dashboard, documents, review, users, webhooks
from api.ui.session import CsrfRefusedError, ForbiddenError, SignInRequiredError
from api.ui.templating import redirect, render
from infra.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
ROUTERS = (
    auth.router,
    dashboard.router,
    applications.router,
    documents.router,
    review.router,
    webhooks.router,
    users.router,
)


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequiredError)
    return redirect(request, f"{UI_PREFIX}/sign-in?{urlencode({'next': exc.next_path})}")


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ForbiddenError)
    message = f"Your role does not allow this page (it needs {exc.permission})."
    return render(request, "error.html", {"title": "Not allowed", "message": message}, status_code=403)


async def _csrf(request: Request, exc: Exception) -> Response:
    message = "This form has expired or did not come from this site. Reload the page and try again."
    return render(request, "error.html", {"title": "Form refused", "message": message}, status_code=403)


def ui_app(settings: Settings, state: State) -> FastAPI:
    """The UI as an app of its own (no OpenAPI schema), sharing `state` (the resources) with the API."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state = state
    app.state.ui_config = ui_config(settings)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(SignInRequiredError, _sign_in)
    app.add_exception_handler(ForbiddenError, _forbidden)
    app.add_exception_handler(CsrfRefusedError, _csrf)
    return app


async def _home(request: Request) -> Response:
    return RedirectResponse(f"{UI_PREFIX}/", status_code=307)


def mount_ui(app: FastAPI, settings: Settings) -> None:
    """Serve the web UI from `app` under /ui (its own sub-application, so the API's OpenAPI schema and
    route table hold API routes only), and send / there."""
    app.mount(UI_PREFIX, ui_app(settings, app.state), name="ui")
    app.add_route("/", _home, include_in_schema=False)
