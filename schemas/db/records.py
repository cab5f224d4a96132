"""System-of-record tables, owned by the API: users, API keys, webhook endpoints and their
delivery attempts, the audit log and the access log, and failed sign-ins (throttling).

Unlike the projection these cannot be rebuilt from Kafka: they are migrated and backed up.
Secrets never rest in clear: passwords and API keys as one-way hashes, webhook signing secrets
sealed with the key ring (key id + AES-GCM ciphertext, so keys rotate). Ids are opaque text made
by the application (`new_id()`), identical on PostgreSQL and SQLite; log tables use a big serial.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schemas.db.base import Base, BigSerial, Json, UtcDateTime

ROLES: tuple[str, ...] = ("admin", "underwriter", "analyst", "partner")
ENDPOINT_STATUSES: tuple[str, ...] = ("enabled", "disabled")
DELIVERY_OUTCOMES: tuple[str, ...] = ("succeeded", "failed", "retrying", "dead_lettered")
RECORD_ID_LENGTH = 32


def new_id() -> str:
    """A fresh random id for a system-of-record row (uuid4 as 32 hex characters)."""
    return uuid.uuid4().hex


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _record_id() -> Mapped[str]:
    return mapped_column(String(RECORD_ID_LENGTH), primary_key=True, default=new_id)


class User(Base):
    """A person who signs in (OAuth2 password flow); the role decides what they may do."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[str] = _record_id()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApiKey(Base):
    """A partner's API key: shown once, stored as a hash; `prefix` finds it without the secret."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[str] = _record_id()
    name: Mapped[str] = mapped_column(String(255))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(
        String(RECORD_ID_LENGTH), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebhookEndpoint(Base):
    """A receiver of signed webhooks and the event types it subscribes to.

    `event_types` is a list of event type names (empty: every type). The signing secret is sealed
    with the key ring; during a rotation the previous one keeps signing until
    `previous_secret_expires_at`. `consecutive_failures` and `failing_since` drive the automatic
    disabling after sustained failure; `allow_private_addresses` lets an operator target loopback,
    private or link-local addresses on purpose.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (CheckConstraint(_in("status", ENDPOINT_STATUSES), name="status"),)

    id: Mapped[str] = _record_id()
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="enabled", index=True)
    event_types: Mapped[list[str]] = mapped_column(Json, default=list)
    secret_key_id: Mapped[str] = mapped_column(String(64))
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    previous_secret_key_id: Mapped[str | None] = mapped_column(String(64))
    previous_secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    allow_private_addresses: Mapped[bool] = mapped_column(Boolean, default=False)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", passive_deletes=True, order_by="WebhookDelivery.id"
    )


class WebhookDelivery(Base):
    """One delivery attempt of one event to one endpoint.

    `delivery_id` is the Standard Webhooks `webhook-id` (stable per event and endpoint, shared by
    every attempt); (delivery_id, attempt) is unique, so logging a replayed attempt is a no-op.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("delivery_id", "attempt"),
        CheckConstraint(_in("outcome", DELIVERY_OUTCOMES), name="outcome"),
        Index("ix_webhook_deliveries_endpoint_id_attempted_at", "endpoint_id", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigSerial, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(64), index=True)
    endpoint_id: Mapped[str] = mapped_column(
        String(RECORD_ID_LENGTH), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[str | None] = mapped_column(String(64), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")


class AuditRecord(Base):
    """Who did what to which thing: every change and every read of PII (append-only)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target_type_target_id", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(BigSerial, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[dict[str, Any] | None] = mapped_column(Json)
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64))


class AccessRecord(Base):
    """One access to a protected resource (a document download or presigned URL, an API call)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_resource_type_resource_id", "resource_type", "resource_id"),)

    id: Mapped[int] = mapped_column(BigSerial, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(255), index=True)
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(2048))
    status_code: Mapped[int] = mapped_column(Integer)
    resource_type: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(255))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    request_id: Mapped[str | None] = mapped_column(String(64))


SIGN_IN_SCOPES: tuple[str, ...] = ("account", "address")


class SignInFailures(Base):
    """Failed password sign-ins of one key (an account's email hash or a client address), shared by
    every API process: the count, the last failure and the lockout (api/sign_in_policy.py)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (CheckConstraint(_in("scope", SIGN_IN_SCOPES), name="scope"),)

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
