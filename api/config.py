"""The API's own frozen configuration, built once from Settings at the process edge.

Inner code receives `ApiConfig`, never Settings. Topic names can be overridden (tests publish to
uuid topics); the events themselves are always encoded with the platform topic's schema.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from api.sign_in_policy import SignInPolicy, ThrottlePolicy
from infra.errors import ConfigurationError
from infra.settings import Settings
from infra.topic_admin import admin_client_config
from infra.topics import APPLICATION_CORRECTION, WEBHOOK_DELIVERY

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class ApiTopics:
    """Where the API publishes its commands and webhook delivery tasks."""

    correction: str = APPLICATION_CORRECTION.name
    webhook_delivery: str = WEBHOOK_DELIVERY.name


@dataclass(frozen=True)
class ApiConfig:
    """Everything the routes need to know from the settings."""

    database_url: str
    jwt_secret: str
    token_lifetime: timedelta
    read_your_writes_seconds: float
    presign_seconds: int
    metrics_refresh_seconds: float
    auth_cache_seconds: float
    allow_private_webhooks: bool
    links_base_url: str
    topics: ApiTopics = field(default_factory=ApiTopics)
    kafka_admin: dict[str, Any] = field(default_factory=dict)
    consumer_groups: dict[str, str] = field(default_factory=dict)  # group id -> stage name
    sign_in: SignInPolicy = field(default_factory=SignInPolicy)


def api_config(settings: Settings, topics: ApiTopics | None = None) -> ApiConfig:
    """The API configuration of `settings` (topics overridable)."""
    return ApiConfig(
        database_url=settings.resolved_database_url,
        jwt_secret=jwt_secret(settings),
        token_lifetime=timedelta(minutes=settings.api_token_minutes),
        read_your_writes_seconds=settings.api_read_your_writes_seconds,
        presign_seconds=settings.api_presign_seconds,
        metrics_refresh_seconds=settings.api_metrics_refresh_seconds,
        auth_cache_seconds=settings.api_auth_cache_seconds,
        allow_private_webhooks=settings.webhook_allow_private_urls,
        # As the webhook workers build their payload links (consumers.webhooks.commands.links_base_url).
        links_base_url=settings.webhook_links_base_url or f"http://{settings.api_host}:{settings.api_port}",
        topics=topics or ApiTopics(),
        kafka_admin=admin_client_config(settings),
        consumer_groups={
            settings.streams_app_id: "streams",
            settings.postgres_sink_group_id: "postgres-sink",
            settings.s3_sink_group_id: "s3-sink",
            settings.webhook_fanout_group_id: "webhooks-fanout",
            settings.webhook_delivery_group_id: "webhooks-delivery",
        },
        sign_in=sign_in_policy(settings),
    )


def sign_in_policy(settings: Settings) -> SignInPolicy:
    """The throttle of failed password sign-ins (MCA_SIGNIN_*), per account and per client address."""

    def throttle(max_failures: int) -> ThrottlePolicy:
        return ThrottlePolicy(
            max_failures=max_failures,
            window=timedelta(seconds=settings.signin_window_seconds),
            lockout=timedelta(seconds=settings.signin_lockout_seconds),
            max_lockout=timedelta(seconds=settings.signin_max_lockout_seconds),
        )

    return SignInPolicy(
        account=throttle(settings.signin_max_failures), address=throttle(settings.signin_address_max_failures)
    )


def jwt_secret(settings: Settings) -> str:
    """MCA_JWT_SECRET; outside production without one, a random secret kept under home/secrets
    (mode 0600) so tokens survive a restart of the embedded stack."""
    if settings.jwt_secret is not None and settings.jwt_secret.get_secret_value():
        return settings.jwt_secret.get_secret_value()
    if settings.environment == "production":
        raise ConfigurationError("MCA_JWT_SECRET must be set in production")
    path = settings.home_dir / "secrets" / "jwt_secret"
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first; use theirs
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
