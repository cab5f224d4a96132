"""FastAPI dependencies: resources, database sessions, the calling principal and permission checks.

Authentication: a session token (OAuth2 password flow, `Authorization: Bearer <jwt>`) for people,
an API key (`X-API-Key: mca_...`, or the same key as a bearer token) for partners. Missing or bad
credentials -> 401; a principal whose role lacks the route's permission -> 403.

Threads and connections: the principal lookup is a plain `def` (FastAPI's threadpool) with a
connection of its own, closed before it returns; the route's session is opened lazily inside the
route's own thread and closed on threads kept for closing. So no request ever holds a
database connection while it waits for a threadpool slot, which under load would deadlock the
two pools against each other (every slot waiting for a connection held by a request waiting for a
slot).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.audit import RequestInfo
from api.config import API_PREFIX
from api.resources import DATABASE_CONNECTIONS, ApiResources
from api.security import (
    InvalidCredentialsError,
    Principal,
    looks_like_api_key,
)
from api.services.principals import principal_of_api_key, principal_of_token

# Path ids: content-derived ids are lower-case sha256 hex, system-of-record ids uuid4 hex.
ContentId = Annotated[str, Path(pattern=r"^[0-9a-f]{1,64}$", description="A content-derived id (hex).")]
RecordId = Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$", description="A record id (hex).")]

# Closing returns the connection (a rollback round trip): on threads of their own, as many as the
# connections a process may hold, so a close never queues behind anything else.
_CLOSERS = ThreadPoolExecutor(max_workers=DATABASE_CONNECTIONS, thread_name_prefix="db-close")

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_resources(request: Request) -> ApiResources:
    """The app's clients (made by the lifespan)."""
    resources: ApiResources = request.app.state.resources
    return resources


ResourcesDep = Annotated[ApiResources, Depends(get_resources)]


async def get_session(resources: ResourcesDep) -> AsyncIterator[Session]:
    """A database session for one request (it connects at its first query, in the route's thread);
    what was not committed is rolled back when it closes, on the closing threads."""
    session = resources.database.session()
    try:
        yield session
    finally:
        await asyncio.get_running_loop().run_in_executor(_CLOSERS, session.close)


SessionDep = Annotated[Session, Depends(get_session)]


async def request_info(request: Request) -> RequestInfo:
    """The request's id, client address, user agent, method and path (for audit and access logs)."""
    request_id = getattr(request.state, "request_id", None) or uuid.uuid4().hex
    return RequestInfo(
        request_id=request_id,
        client_ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        method=request.method,
        path=request.url.path,
    )


RequestInfoDep = Annotated[RequestInfo, Depends(request_info)]


def _unauthenticated(detail: str = "Not authenticated") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def current_principal(
    resources: ResourcesDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """The caller, from an API key or a session token; 401 when there is none or it is not valid."""
    credential = api_key or token
    if not credential:
        raise _unauthenticated()
    cached = resources.principals.get(credential)
    if cached is not None:
        return cached
    try:
        with resources.database.engine.connect() as connection:
            if looks_like_api_key(credential):
                principal = principal_of_api_key(connection, key=credential)
            else:
                principal = principal_of_token(
                    connection, token=credential, secret=resources.config.jwt_secret
                )
    except InvalidCredentialsError as exc:
        raise _unauthenticated("Invalid credentials") from exc
    resources.principals.put(credential, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


class Requirement:
    """A dependency that lets through principals whose role grants `permission` (else 403).

    The route table test finds each route's permission through this class."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    async def __call__(self, principal: PrincipalDep) -> Principal:
        if not principal.can(self.permission):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"Requires the permission {self.permission}"
            )
        return principal


def require(permission: str) -> Requirement:
    """The dependency for routes that need `permission`."""
    return Requirement(permission)
