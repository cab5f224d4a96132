"""Users and API keys (users:manage): list, create (a one-time password or key shown once), change
role or activity, revoke keys. Through api/services/user_admin.py, the same audited changes the
API's routes make; the principal cache is cleared after every change so it applies at the next
request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.deps import RecordId, RequestInfoDep, ResourcesDep, SessionDep
from api.models.users import ApiKeyCreate, UserCreate
from api.permissions import USERS_MANAGE
from api.security import Principal
from api.services import user_admin as admin
from api.services import users as service
from api.ui.config import UI_PREFIX
from api.ui.session import csrf_protected, ui_require
from api.ui.templating import redirect, render
from schemas.db.records import ROLES

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, Depends(ui_require(USERS_MANAGE))]
USERS = f"{UI_PREFIX}/users"


def _page(request: Request, session: Session, *, status_code: int = 200, **context: Any) -> Response:
    values = {
        "users": admin.all_users(session),
        "keys": admin.all_api_keys(session),
        "roles": ROLES,
        "title": "Users and API keys",
        "nav": "users",
        **context,
    }
    return render(request, "users.html", values, status_code=status_code)


@router.get("/users")
def users_page(request: Request, session: SessionDep, principal: Admin) -> Response:
    """Every user and API key, with the forms to add and change them."""
    return _page(request, session)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"


@router.post("/users", dependencies=[Depends(csrf_protected)])
def create_user(
    request: Request,
    session: SessionDep,
    info: RequestInfoDep,
    principal: Admin,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form(max_length=32)],
    full_name: Annotated[str | None, Form(max_length=255)] = None,
) -> Response:
    """A new user with a one-time password, shown once."""
    try:
        body = UserCreate(email=email.strip(), role=role, full_name=full_name or None)  # type: ignore[arg-type]
        created = admin.add_user(
            session, principal=principal, request=info, email=body.email, role=body.role,
            full_name=body.full_name,
        )
    except ValidationError as exc:
        return _page(request, session, error=_first_error(exc), status_code=422)
    except service.DuplicateError as exc:
        return _page(request, session, error=str(exc), status_code=409)
    return _page(request, session, password=created.one_time_password, password_for=created.user.email)


@router.post("/users/{user_id}", dependencies=[Depends(csrf_protected)])
def update_user(
    user_id: RecordId,
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Admin,
    role: Annotated[str, Form(max_length=32)],
    active: Annotated[bool, Form()] = False,
) -> Response:
    """Change a user's role and whether they may sign in."""
    if role not in ROLES:
        return _page(request, session, error=f"Unknown role {role}.", status_code=422)
    if user_id == principal.user_id and (role != principal.role or not active):
        return _page(request, session, error="You cannot demote or deactivate yourself.", status_code=409)
    try:
        admin.change_user(
            session, principal=principal, request=info, user_id=user_id, role=role, is_active=active
        )
    except service.UnknownRecordError:
        return _page(request, session, error="No such user.", status_code=404)
    resources.principals.clear()
    return redirect(request, USERS)


@router.post("/api-keys", dependencies=[Depends(csrf_protected)])
def create_api_key(
    request: Request,
    session: SessionDep,
    info: RequestInfoDep,
    principal: Admin,
    name: Annotated[str, Form(max_length=255)],
    role: Annotated[str, Form(max_length=32)] = "partner",
) -> Response:
    """A new API key, shown once."""
    try:
        body = ApiKeyCreate(name=name.strip(), role=role)  # type: ignore[arg-type]
    except ValidationError as exc:
        return _page(request, session, error=_first_error(exc), status_code=422)
    created = admin.add_api_key(session, principal=principal, request=info, name=body.name, role=body.role)
    return _page(request, session, api_key=created.key, api_key_name=created.row.name)


@router.post("/api-keys/{key_id}/revoke", dependencies=[Depends(csrf_protected)])
def revoke_api_key(
    key_id: RecordId,
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    info: RequestInfoDep,
    principal: Admin,
) -> Response:
    """Revoke a key at once."""
    try:
        admin.revoke_key(session, principal=principal, request=info, key_id=key_id)
    except service.UnknownRecordError:
        return _page(request, session, error="No such API key.", status_code=404)
    resources.principals.clear()
    return redirect(request, USERS)
