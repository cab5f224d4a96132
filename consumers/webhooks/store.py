"""The webhook workers' view of the database: endpoint state (read through a short cache) and the
delivery log in `webhook_deliveries`.

Recording an attempt is one transaction: the endpoint row is locked (FOR UPDATE on PostgreSQL;
SQLite serialises writers), its failure counters go through the pure decision, the counters,
a possible disabling and the attempt row are written together. So the log, the counters and the
routing that follows always agree, and a task read again after a crash finds its attempt logged.
Endpoints are re-read at most every `cache_seconds`: re-enabling through the API (a column flip)
reaches the workers within that time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consumers.webhooks.policy import Decision, EndpointHealth, RecordedAttempt
from consumers.webhooks.signing import SigningSecretError, active_secrets, open_signing_secret
from infra.crypto import DecryptionError, KeyRing
from infra.errors import MCAError
from schemas.db.records import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)


class AttemptAlreadyLoggedError(MCAError):
    """Another worker logged the same attempt of the same delivery first."""


class EndpointMissingError(MCAError):
    """The endpoint of a task no longer exists (deleted through the API)."""


@dataclass(frozen=True)
class Endpoint:
    """An endpoint as the workers need it, secrets opened (None when they cannot be opened)."""

    id: str
    url: str
    enabled: bool
    event_types: tuple[str, ...]
    allow_private_addresses: bool
    secret: str | None
    previous_secret: str | None
    previous_secret_expires_at: datetime | None

    def subscribes_to(self, event_type: str) -> bool:
        """Whether the endpoint wants `event_type` (no types listed: every type)."""
        return not self.event_types or event_type in self.event_types

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign at `now` (empty when the current one cannot be opened)."""
        if self.secret is None:
            return []
        return active_secrets(self.secret, self.previous_secret, self.previous_secret_expires_at, now)


class WebhookStore:
    """Endpoint reads (cached for `cache_seconds`) and the delivery log; thread-safe."""

    def __init__(self, engine: Engine, ring: KeyRing, *, cache_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._ring = ring
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._endpoints: dict[str, tuple[float, Endpoint | None]] = {}
        self._enabled: tuple[float, list[Endpoint]] | None = None

    def subscribers(self, event_type: str) -> list[Endpoint]:
        """Enabled endpoints subscribed to `event_type`, ordered by id."""
        with self._lock:
            cached = self._enabled
        if cached is None or self._clock() - cached[0] > self._cache_seconds:
            with Session(self._engine) as session:
                rows = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.status == "enabled")
                                       .order_by(WebhookEndpoint.id)).all()
                cached = (self._clock(), [self._endpoint(row) for row in rows])
            with self._lock:
                self._enabled = cached
        return [endpoint for endpoint in cached[1] if endpoint.subscribes_to(event_type)]

    def endpoint(self, endpoint_id: str) -> Endpoint | None:
        """The endpoint `endpoint_id`, enabled or not; None when it does not exist."""
        with self._lock:
            cached = self._endpoints.get(endpoint_id)
        if cached is not None and self._clock() - cached[0] <= self._cache_seconds:
            return cached[1]
        with Session(self._engine) as session:
            row = session.get(WebhookEndpoint, endpoint_id)
            endpoint = self._endpoint(row) if row is not None else None
        with self._lock:
            self._endpoints[endpoint_id] = (self._clock(), endpoint)
        return endpoint

    def forget(self, endpoint_id: str) -> None:
        """Drop cached state of `endpoint_id` (after this process changed it)."""
        with self._lock:
            self._endpoints.pop(endpoint_id, None)
            self._enabled = None

    def history(self, delivery_id: str) -> list[RecordedAttempt]:
        """Every logged attempt of `delivery_id`, in attempt order."""
        with Session(self._engine) as session:
            rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.delivery_id == delivery_id)
                                   .order_by(WebhookDelivery.attempt)).all()
            return [RecordedAttempt(row.attempt, row.outcome, row.next_attempt_at, row.status_code, row.error,
                                    row.latency_ms, row.attempted_at) for row in rows]

    def record(
        self,
        task: Mapping[str, Any],
        *,
        attempt: int,
        attempted_at: datetime,
        decide: Callable[[EndpointHealth], Decision],
        status_code: int | None = None,
        latency_ms: int | None = None,
        response_excerpt: str | None = None,
        error: str | None = None,
    ) -> Decision:
        """Log attempt `attempt` of `task` and apply `decide(counters)` to its endpoint, atomically.

        Returns the decision. Raises EndpointMissingError when the endpoint is gone and
        AttemptAlreadyLoggedError when the same attempt is already logged.
        """
        endpoint_id = str(task["endpoint_id"])
        try:
            with Session(self._engine) as session, session.begin():
                row = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                                      .with_for_update()).one_or_none()
                if row is None:
                    raise EndpointMissingError(f"endpoint {endpoint_id} does not exist")
                decision = decide(EndpointHealth(row.consecutive_failures or 0, row.failing_since))
                row.consecutive_failures = decision.health.consecutive_failures
                row.failing_since = decision.health.failing_since
                if decision.disable_reason and row.status == "enabled":
                    row.status, row.disabled_reason = "disabled", decision.disable_reason
                    row.disabled_at = row.updated_at = attempted_at
                session.add(WebhookDelivery(
                    delivery_id=task["delivery_id"], endpoint_id=endpoint_id, event_id=task["event_id"],
                    event_type=task["event_type"], application_id=task.get("application_id"), attempt=attempt,
                    outcome=decision.outcome, status_code=status_code, latency_ms=latency_ms, error=error,
                    response_excerpt=response_excerpt, attempted_at=attempted_at,
                    next_attempt_at=decision.next_attempt_at,
                ))
        except IntegrityError as exc:
            raise AttemptAlreadyLoggedError(f"attempt {attempt} of {task['delivery_id']} is logged") from exc
        if decision.disable_reason:
            self.forget(endpoint_id)
        return decision

    def _endpoint(self, row: WebhookEndpoint) -> Endpoint:
        previous = None
        if row.previous_secret_key_id and row.previous_secret_ciphertext:
            previous = self._open(row.id, row.previous_secret_key_id, row.previous_secret_ciphertext)
        return Endpoint(
            id=row.id, url=row.url, enabled=row.status == "enabled", event_types=tuple(row.event_types or ()),
            allow_private_addresses=bool(row.allow_private_addresses),
            secret=self._open(row.id, row.secret_key_id, row.secret_ciphertext),
            previous_secret=previous, previous_secret_expires_at=row.previous_secret_expires_at,
        )

    def _open(self, endpoint_id: str, key_id: str, ciphertext: bytes) -> str | None:
        try:
            return open_signing_secret(self._ring, key_id, ciphertext)
        except (DecryptionError, SigningSecretError) as exc:
            logger.error("signing secret of endpoint %s cannot be opened: %s", endpoint_id, exc)
            return None
