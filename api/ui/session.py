"""Browser sessions of the web UI: the session cookie, the idle timeout, permission checks and CSRF.

The session cookie holds the same JWT the API issues (`api.security.issue_token`), with the idle
timeout as its lifetime; requests a person makes re-issue it once half of that has passed, so the
session ends after `idle` without activity (live dashboard polling does not count as activity).
Cookies are HttpOnly and SameSite=Strict, Secure over https (or as configured), and scoped to /ui.
The principal is looked up exactly as the API's `current_principal` does (`principal_of_token`,
the shared principal cache), in FastAPI's threadpool: these dependencies are plain `def`s.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from api.deps import ResourcesDep
from api.resources import ApiResources
from api.security import InvalidCredentialsError, Principal, issue_token
from api.services.principals import principal_of_token
from api.ui.config import UI_PREFIX, UiConfig
from api.ui.csrf import csrf_token, csrf_valid, is_nonce, new_nonce

logger = logging.getLogger(__name__)

SESSION_COOKIE = "mca_session"
CSRF_COOKIE = "mca_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class SignInRequiredError(Exception):
    """No valid session: the browser is sent to the sign-in page (then back to `next_path`)."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in required")
        self.next_path = next_path


class ForbiddenError(Exception):
    """The signed-in person's role lacks `permission` (403 page)."""

    def __init__(self, permission: str) -> None:
        super().__init__(f"requires {permission}")
        self.permission = permission


class CsrfRefusedError(Exception):
    """A state-changing request without a valid CSRF token (403)."""


def ui_config_of(request: Request) -> UiConfig:
    """The UI configuration the app was made with."""
    config: UiConfig = request.app.state.ui_config
    return config


def _pending(request: Request) -> dict[str, str | None]:
    """Cookies to set (value) or delete (None) on the response of this request."""
    pending: dict[str, str | None] | None = getattr(request.state, "ui_cookies", None)
    if pending is None:
        pending = {}
        request.state.ui_cookies = pending
    return pending


def set_cookie_later(request: Request, name: str, value: str | None) -> None:
    """Set (or with None, delete) cookie `name` on this request's response."""
    _pending(request)[name] = value


def csrf_nonce(request: Request) -> str:
    """This browser's CSRF nonce; a new one (set on the response) when it has none yet."""
    pending = _pending(request).get(CSRF_COOKIE)
    if pending:
        return pending
    nonce = request.cookies.get(CSRF_COOKIE)
    if is_nonce(nonce):
        return nonce or ""
    fresh = new_nonce()
    set_cookie_later(request, CSRF_COOKIE, fresh)
    return fresh


def form_token(request: Request, secret: str) -> str:
    """The CSRF token that this request's pages put in their forms."""
    return csrf_token(secret, csrf_nonce(request))


def apply_cookies(request: Request, response: Any) -> None:
    """Write the cookies this request decided on (HttpOnly, SameSite=Strict, path /ui)."""
    config = ui_config_of(request)
    secure = config.secure_cookies if config.secure_cookies is not None else request.url.scheme == "https"
    for name, value in _pending(request).items():
        if value is None:
            response.delete_cookie(name, path=UI_PREFIX, secure=secure, httponly=True, samesite="strict")
        else:
            response.set_cookie(name, value, path=UI_PREFIX, secure=secure, httponly=True, samesite="strict")


def expires_within(token: str, seconds: float, *, now: float | None = None) -> bool:
    """Whether a (verified) token's `exp` is less than `seconds` away (pure apart from the clock)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return True
    expires = claims.get("exp")
    return not isinstance(expires, int | float) or expires - (now or time.time()) < seconds


def session_token(resources: ApiResources, config: UiConfig, principal: Principal) -> str:
    """A fresh session JWT for a signed-in user, valid for the idle timeout."""
    if principal.user_id is None:
        raise ValueError("only people (users) have browser sessions")
    return issue_token(
        user_id=principal.user_id,
        role=principal.role,
        secret=resources.config.jwt_secret,
        lifetime=config.idle,
    )


def _principal(request: Request, resources: ApiResources) -> tuple[Principal, str]:
    """The principal of the session cookie (blocking); raises SignInRequiredError."""
    token = request.cookies.get(SESSION_COOKIE)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise SignInRequiredError(target)
    principal = resources.principals.get(token)
    if principal is None:
        try:
            with resources.database.engine.connect() as connection:
                principal = principal_of_token(connection, token=token, secret=resources.config.jwt_secret)
        except InvalidCredentialsError as exc:
            set_cookie_later(request, SESSION_COOKIE, None)
            raise SignInRequiredError(target) from exc
        resources.principals.put(token, principal)
    elif expires_within(token, 0):
        set_cookie_later(request, SESSION_COOKIE, None)
        raise SignInRequiredError(target)
    return principal, token


def signed_in(request: Request, resources: ResourcesDep) -> Principal:
    """The signed-in person; slides the idle timeout (re-issues the cookie past half of it)."""
    principal, token = _principal(request, resources)
    config = ui_config_of(request)
    if expires_within(token, config.idle.total_seconds() / 2):
        set_cookie_later(request, SESSION_COOKIE, session_token(resources, config, principal))
    request.state.ui_principal = principal
    return principal


def signed_in_quietly(request: Request, resources: ResourcesDep) -> Principal:
    """The signed-in person, without counting the request as activity (live refreshes)."""
    principal, _ = _principal(request, resources)
    request.state.ui_principal = principal
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


class UiRequirement:
    """A dependency letting through people whose role grants `permission` (else the 403 page)."""

    def __init__(self, permission: str, *, quiet: bool = False) -> None:
        self.permission = permission
        self.quiet = quiet

    def __call__(self, request: Request, resources: ResourcesDep) -> Principal:
        principal = (signed_in_quietly if self.quiet else signed_in)(request, resources)
        if not principal.can(self.permission):
            raise ForbiddenError(self.permission)
        return principal


def ui_require(permission: str, *, quiet: bool = False) -> UiRequirement:
    """The dependency of pages that need `permission`."""
    return UiRequirement(permission, quiet=quiet)


async def csrf_protected(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token (header or form field) does not match."""
    token = request.headers.get(CSRF_HEADER)
    if not token:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    secret = request.app.state.resources.config.jwt_secret
    if not csrf_valid(secret, request.cookies.get(CSRF_COOKIE), token):
        logger.info("%s %s refused: missing or invalid CSRF token", request.method, request.url.path)
        raise CsrfRefusedError()
