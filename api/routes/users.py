"""Sign-in (OAuth2 password flow), the caller's identity, and users and API keys (admin only).

Every change is audited in the same transaction (api/services/user_admin.py, shared with the web
UI); passwords and keys are shown once and never stored in clear.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import PrincipalDep, RecordId, RequestInfoDep, ResourcesDep, SessionDep, require
from api.models import users as models
from api.permissions import USERS_MANAGE
from api.security import Principal, issue_token
from api.services import sign_in as throttle
from api.services import user_admin as admin
from api.services import users as service

logger = logging.getLogger(__name__)

auth_router = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(tags=["users"])
Admin = Annotated[Principal, Depends(require(USERS_MANAGE))]


@auth_router.post(
    "/token",
    response_model=models.Token,
    responses={
        401: {"description": "Wrong credentials"},
        429: {"description": "Too many failed sign-ins for the account or address: wait Retry-After seconds"},
    },
    summary="Sign in (OAuth2 password flow): username is the email",
)
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
) -> models.Token:
    """A session token for an active user's email and password (failed attempts are throttled)."""
    outcome = throttle.sign_in(
        session, email=form.username, password=form.password, request=info, policy=resources.config.sign_in
    )
    if isinstance(outcome, throttle.Throttled):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many failed sign-in attempts; try again later",
            headers={"Retry-After": str(outcome.retry_after)},
        )
    if isinstance(outcome, throttle.WrongCredentials):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = outcome.user
    config = resources.config
    token = issue_token(
        user_id=user.id, role=user.role, secret=config.jwt_secret, lifetime=config.token_lifetime
    )
    return models.Token(access_token=token, expires_in=int(config.token_lifetime.total_seconds()))


@auth_router.get("/me", response_model=models.Me, summary="Who am I")
def whoami(principal: PrincipalDep) -> models.Me:
    """The caller's identity, role and permissions."""
    return models.Me(
        actor=principal.actor,
        role=principal.role,
        permissions=sorted(principal.permissions),
        user_id=principal.user_id,
        api_key_id=principal.api_key_id,
        name=principal.display_name,
    )


@router.get("/users", response_model=list[models.User], summary="Every user")
def list_users(session: SessionDep, principal: Admin) -> list[models.User]:
    """Users ordered by email."""
    return [models.User.model_validate(user, from_attributes=True) for user in admin.all_users(session)]


@router.post(
    "/users",
    response_model=models.UserCreated,
    status_code=201,
    responses={409: {"description": "The email is taken"}},
    summary="Create a user",
)
def create_user(
    body: models.UserCreate, session: SessionDep, info: RequestInfoDep, principal: Admin
) -> models.UserCreated:
    """A new user; without a password the answer carries a one-time password (shown once)."""
    try:
        created = admin.add_user(
            session,
            principal=principal,
            request=info,
            email=body.email,
            role=body.role,
            full_name=body.full_name,
            password=body.password,
        )
    except service.DuplicateError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    user = models.User.model_validate(created.user, from_attributes=True)
    return models.UserCreated(**user.model_dump(), one_time_password=created.one_time_password)


@router.get(
    "/users/{user_id}",
    response_model=models.User,
    responses={404: {"description": "No such user"}},
    summary="One user",
)
def get_user(user_id: RecordId, session: SessionDep, principal: Admin) -> models.User:
    """The user with this id."""
    user = service.find_user(session, user_id=user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such user")
    return models.User.model_validate(user, from_attributes=True)


@router.patch(
    "/users/{user_id}",
    response_model=models.User,
    responses={404: {"description": "No such user"}},
    summary="Change a user's name, role, password or activity",
)
def update_user(
    user_id: RecordId,
    body: models.UserUpdate,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Admin,
) -> models.User:
    """Apply the given changes (audited with the names of the fields changed, never their values)."""
    try:
        user = admin.change_user(
            session,
            principal=principal,
            request=info,
            user_id=user_id,
            full_name=body.full_name,
            role=body.role,
            is_active=body.is_active,
            password=body.password,
        )
    except service.UnknownRecordError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such user") from exc
    resources.principals.clear()  # a demotion or deactivation applies to the next request
    return models.User.model_validate(user, from_attributes=True)


@router.get("/api-keys", response_model=list[models.ApiKey], summary="Every API key")
def list_api_keys(session: SessionDep, principal: Admin) -> list[models.ApiKey]:
    """API keys, newest first (never the keys themselves)."""
    return [models.ApiKey.model_validate(key, from_attributes=True) for key in admin.all_api_keys(session)]


@router.post(
    "/api-keys",
    response_model=models.ApiKeyCreated,
    status_code=201,
    responses={404: {"description": "No such user"}},
    summary="Create an API key (shown once)",
)
def create_api_key(
    body: models.ApiKeyCreate, session: SessionDep, info: RequestInfoDep, principal: Admin
) -> models.ApiKeyCreated:
    """A new key; the answer is the only place the key ever appears."""
    try:
        created = admin.add_api_key(
            session,
            principal=principal,
            request=info,
            name=body.name,
            role=body.role,
            user_id=body.user_id,
            expires_at=body.expires_at,
        )
    except service.UnknownRecordError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such user") from exc
    key = models.ApiKey.model_validate(created.row, from_attributes=True)
    return models.ApiKeyCreated(**key.model_dump(), key=created.key)


@router.delete(
    "/api-keys/{key_id}",
    response_model=models.ApiKey,
    responses={404: {"description": "No such key"}},
    summary="Revoke an API key",
)
def revoke_api_key(
    key_id: RecordId, session: SessionDep, resources: ResourcesDep, info: RequestInfoDep, principal: Admin
) -> models.ApiKey:
    """Revoke the key at once (idempotent)."""
    try:
        row = admin.revoke_key(session, principal=principal, request=info, key_id=key_id)
    except service.UnknownRecordError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such API key") from exc
    resources.principals.clear()  # the key stops working at the next request
    return models.ApiKey.model_validate(row, from_attributes=True)
