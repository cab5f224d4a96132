"""Webhook endpoint management: subscriptions, secrets shown once, the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from schemas.ids import EVENT_TYPES

if TYPE_CHECKING:
    EventType = str
else:
    # The event types are listed once, in schemas.ids; this Literal of them is the enum of the
    # OpenAPI document. mypy cannot read a Literal made at run time, so it checks them as str.
    EventType = Literal[EVENT_TYPES]

DAY_SECONDS = 24 * 3600


class EndpointCreate(BaseModel):
    """A new receiver; `event_types` empty means every type."""

    url: str = Field(min_length=1, max_length=2048, examples=["https://partner.example.com/hooks/mca"])
    description: str | None = Field(default=None, max_length=2000)
    event_types: list[EventType] = Field(default_factory=list)
    allow_private_addresses: bool = Field(
        default=False,
        description="Let the workers call a loopback, private or link-local address (only where this "
        "deployment allows such URLs at all).",
    )


class EndpointUpdate(BaseModel):
    """Fields to change; those left out stay as they are."""

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    description: str | None = Field(default=None, max_length=2000)
    event_types: list[EventType] | None = None


class Endpoint(BaseModel):
    """A webhook endpoint (its secrets are never shown again after creation or rotation)."""

    id: str
    url: str
    description: str | None = None
    status: str
    event_types: list[str]
    allow_private_addresses: bool
    previous_secret_expires_at: datetime | None = None
    consecutive_failures: int
    failing_since: datetime | None = None
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(Endpoint):
    """An endpoint just created or rotated: `secret` (whsec_...) is shown this once."""

    secret: str


class RotateSecret(BaseModel):
    """How long the previous secret keeps signing beside the new one."""

    overlap_seconds: int = Field(default=DAY_SECONDS, ge=0, le=30 * DAY_SECONDS)


class Delivery(BaseModel):
    """One logged delivery attempt."""

    id: int
    delivery_id: str
    event_id: str
    event_type: str
    application_id: str | None = None
    attempt: int
    outcome: str
    status_code: int | None = None
    latency_ms: int | None = None
    error: str | None = None
    response_excerpt: str | None = None
    attempted_at: datetime
    next_attempt_at: datetime | None = None


class DeliveryPage(BaseModel):
    """Attempts newest first; pass `next_cursor` as `cursor` for older ones."""

    items: list[Delivery]
    next_cursor: str | None = None


class DeliveryQueued(BaseModel):
    """A delivery task is on `mca.webhook.delivery`; its attempts will show in the delivery log."""

    delivery_id: str
    endpoint_id: str
    event_id: str
    event_type: str
