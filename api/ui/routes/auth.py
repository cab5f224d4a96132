"""Sign-in and sign-out: the session cookie (see api/ui/session.py), checked CSRF on both forms."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from api.deps import ResourcesDep, SessionDep
from api.security import Principal
from api.services.users import authenticate
from api.ui.config import UI_PREFIX
from api.ui.csrf import new_nonce
from api.ui.session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    csrf_protected,
    session_token,
    set_cookie_later,
    ui_config_of,
)
from api.ui.templating import redirect, render

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
HOME = f"{UI_PREFIX}/"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path inside the UI, never another site (pure)."""
    if not target or not target.startswith(UI_PREFIX) or "//" in target or "\\" in target:
        return HOME
    return target


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 (query name)
    """The sign-in form."""
    return render(request, "sign_in.html", {"next": safe_next(next), "title": "Sign in"})


@router.post("/sign-in", dependencies=[Depends(csrf_protected)])
def sign_in(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str | None, Form()] = None,  # noqa: A002 (form field name)
) -> Response:
    """Check the credentials, start a session (fresh CSRF nonce) and go on to `next`."""
    user = authenticate(session, email=email, password=password)
    if user is None:
        context = {
            "next": safe_next(next),
            "email": email,
            "error": "Incorrect email or password.",
            "title": "Sign in",
        }
        return render(request, "sign_in.html", context, status_code=401)
    session.commit()
    principal = Principal(actor=f"user:{user.id}", role=user.role, user_id=user.id, display_name=user.email)
    set_cookie_later(request, SESSION_COOKIE, session_token(resources, ui_config_of(request), principal))
    set_cookie_later(request, CSRF_COOKIE, new_nonce())
    logger.info("user %s signed in to the web UI", user.id)
    return redirect(request, safe_next(next))


@router.post("/sign-out", dependencies=[Depends(csrf_protected)])
def sign_out(request: Request) -> Response:
    """End the session (both cookies) and show the sign-in page."""
    set_cookie_later(request, SESSION_COOKIE, None)
    set_cookie_later(request, CSRF_COOKIE, None)
    return redirect(request, f"{UI_PREFIX}/sign-in")
