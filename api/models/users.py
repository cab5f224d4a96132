"""Users, API keys, session tokens and the caller's own identity."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["admin", "underwriter", "analyst", "partner"]


class Token(BaseModel):
    """An OAuth2 bearer token (a JWT valid for `expires_in` seconds)."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    """Who the caller is and what their role allows."""

    actor: str
    role: str
    permissions: list[str]
    user_id: str | None = None
    api_key_id: str | None = None
    name: str | None = None


class UserCreate(BaseModel):
    """A new user; without `password` a one-time password is made and shown once."""

    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    full_name: str | None = Field(default=None, max_length=255)
    role: Role
    password: str | None = Field(default=None, min_length=12, max_length=256)


class UserUpdate(BaseModel):
    """Fields to change; those left out stay as they are."""

    full_name: str | None = Field(default=None, max_length=255)
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=12, max_length=256)


class User(BaseModel):
    """A user (never the password hash)."""

    id: str
    email: str
    full_name: str | None = None
    role: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None = None


class UserCreated(User):
    """A user just created; `one_time_password` is shown once when no password was given."""

    one_time_password: str | None = None


class ApiKeyCreate(BaseModel):
    """A new API key; the role defaults to its user's role (partner when it has no user)."""

    name: str = Field(min_length=1, max_length=255)
    role: Role | None = None
    user_id: str | None = Field(default=None, max_length=32)
    expires_at: datetime | None = None


class ApiKey(BaseModel):
    """An API key (never the key itself after creation)."""

    id: str
    name: str
    prefix: str
    role: str
    user_id: str | None = None
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKey):
    """An API key just created: `key` is shown this once."""

    key: str
