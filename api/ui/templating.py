"""Rendering the UI's Jinja2 templates, and what every UI response carries: cookies decided during
the request, the CSRF token for its forms, and security headers (CSP without inline code, no
framing, no caching of pages that may show PII)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.permissions import (
    APPLICATIONS_CORRECT,
    APPLICATIONS_REPROCESS,
    APPLICATIONS_REVIEW,
    DOCUMENTS_READ,
    PII_READ,
    USERS_MANAGE,
    WEBHOOKS_MANAGE,
)
from api.ui import formatting
from api.ui.config import STATIC_PATH, UI_PREFIX
from api.ui.session import apply_cookies, form_token

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "private, no-store",
}
PERMISSION_NAMES = {
    "correct": APPLICATIONS_CORRECT,
    "review": APPLICATIONS_REVIEW,
    "reprocess": APPLICATIONS_REPROCESS,
    "documents": DOCUMENTS_READ,
    "pii": PII_READ,
    "webhooks": WEBHOOKS_MANAGE,
    "users": USERS_MANAGE,
}

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update(
    money=formatting.money,
    when=formatting.when,
    day=formatting.day,
    percent=formatting.percent,
    duration=formatting.duration,
    plain=formatting.plain,
    label=formatting.label,
)


def query_string(params: dict[str, str], **changes: str | None) -> str:
    """`params` with `changes` as a URL query (None or empty values left out), pure."""
    merged = {**params, **changes}
    return urlencode({key: value for key, value in merged.items() if value})


templates.env.globals.update(UI=UI_PREFIX, STATIC=STATIC_PATH, qs=query_string)


def finish(request: Request, response: Response) -> Response:
    """Apply this request's cookies and the security headers to `response`."""
    apply_cookies(request, response)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Template `name` with `context`, the signed-in principal, what they may do, and a CSRF token."""
    principal = getattr(request.state, "ui_principal", None)
    secret = request.app.state.resources.config.jwt_secret
    may = {key: bool(principal and principal.can(value)) for key, value in PERMISSION_NAMES.items()}
    values = {
        "principal": principal,
        "may": may,
        "csrf_token": form_token(request, secret),
        "htmx": request.headers.get("hx-request") == "true",
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    finish(request, response)
    return response


def redirect(request: Request, url: str) -> Response:
    """A 303 to `url` (for htmx requests an HX-Redirect, which htmx follows as a full navigation)."""
    if request.headers.get("hx-request") == "true":
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    return finish(request, response)
