"""Build the ingest dependencies from Settings (the process edge of every door)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from infra.object_store import object_store_from_settings
from infra.settings import Settings
from infra.topics import EMAIL_RECEIVED
from ingest.accept import IngestDeps, IngestPolicy
from ingest.producer import EventProducer, producer_config
from schemas.serde import AvroSerde

logger = logging.getLogger(__name__)


def ingest_policy(settings: Settings) -> IngestPolicy:
    """The limits and trust settings accept_email applies."""
    return IngestPolicy(
        max_attachments=settings.max_attachments,
        max_attachment_bytes=settings.max_attachment_bytes,
        body_preview_chars=settings.body_preview_chars,
        trusted_authserv_ids=tuple(settings.smtp_authserv_ids),
        verify_sender=settings.smtp_verify_sender,
        authserv_id=settings.smtp_hostname,
    )


def kafka_security(settings: Settings) -> dict[str, str]:
    """librdkafka security settings (empty for PLAINTEXT)."""
    config: dict[str, str] = {}
    if settings.kafka_security_protocol.upper() != "PLAINTEXT":
        config["security.protocol"] = settings.kafka_security_protocol
    if settings.kafka_sasl_mechanism:
        config["sasl.mechanism"] = settings.kafka_sasl_mechanism
    if settings.kafka_sasl_username:
        config["sasl.username"] = settings.kafka_sasl_username
    if settings.kafka_sasl_password is not None:
        config["sasl.password"] = settings.kafka_sasl_password.get_secret_value()
    return config


def build_producer(settings: Settings, **overrides: Any) -> EventProducer:
    """The idempotent producer of the ingest doors."""
    config = producer_config(
        settings.kafka_bootstrap,
        delivery_timeout_ms=settings.kafka_delivery_timeout_ms,
        security=kafka_security(settings),
    )
    return EventProducer({**config, **overrides})


@contextmanager
def ingest_deps(settings: Settings, *, topic: str = EMAIL_RECEIVED.name) -> Iterator[IngestDeps]:
    """IngestDeps for the configured store, registry and Kafka; the producer is flushed on exit."""
    producer = build_producer(settings)
    try:
        yield IngestDeps(
            store=object_store_from_settings(settings),
            serde=AvroSerde(settings.registry_url),
            producer=producer,
            policy=ingest_policy(settings),
            topic=topic,
        )
    finally:
        producer.close()
