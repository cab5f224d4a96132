"""Sign-in and sign-out: the session cookie (see api/ui/session.py), checked CSRF on both forms.

Failed sign-ins are throttled per account and per client address (api/services/sign_in.py): a
locked one gets the sign-in page again with a 429 and Retry-After, whether or not the account exists.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from api.deps import RequestInfoDep, ResourcesDep, SessionDep
from api.security import Principal
from api.services import sign_in as throttle
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
WRONG_CREDENTIALS = "Incorrect email or password."


def throttled_message(retry_after: int) -> str:
    """What a locked-out person reads: how long to wait, in minutes once it is a minute or more (pure)."""
    if retry_after < 60:
        wait = f"{retry_after} second{'s' if retry_after != 1 else ''}"
    else:
        minutes = -(-retry_after // 60)
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"Too many failed sign-in attempts. Try again in {wait}."


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
    info: RequestInfoDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str | None, Form()] = None,  # noqa: A002 (form field name)
) -> Response:
    """Check the throttle and the credentials, start a session (fresh CSRF nonce) and go on to `next`;
    401 for wrong credentials, 429 with Retry-After while the account or the address is locked."""
    outcome = throttle.sign_in(
        session, email=email, password=password, request=info, policy=resources.config.sign_in
    )
    context = {"next": safe_next(next), "email": email, "title": "Sign in"}
    if isinstance(outcome, throttle.Throttled):
        context["error"] = throttled_message(outcome.retry_after)
        page = render(request, "sign_in.html", context, status_code=429)
        page.headers["Retry-After"] = str(outcome.retry_after)
        return page
    if isinstance(outcome, throttle.WrongCredentials):
        context["error"] = WRONG_CREDENTIALS
        return render(request, "sign_in.html", context, status_code=401)
    user = outcome.user
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
