"""The topic map: every Kafka topic of the platform, declared once.

`mca topics apply` creates or updates these idempotently; agents, sinks and tests take
names from here, never from string literals. Replication comes from settings, so the same
map serves the single-node stack (1) and a production cluster (3, min.insync.replicas 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its name, shape, retention and what its key means."""

    name: str
    partitions: int
    cleanup_policy: Literal["delete", "compact", "compact,delete"]
    retention_ms: int
    key: str
    value_schema: str
    doc: str

    @property
    def value_subject(self) -> str:
        """Registry subject under the topic-name strategy."""
        return f"{self.name}-value"


EMAIL_RECEIVED = TopicSpec(
    "mca.email.received", 6, "delete", 30 * DAY_MS, "submission_id",
    "email_received", "One event per accepted email (claim check to the raw bytes in the object store).",
)
DOCUMENT_RECEIVED = TopicSpec(
    "mca.document.received", 6, "delete", 30 * DAY_MS, "application_id",
    "document_received", "One event per document found in a submission (PDF, image, zipped or forwarded).",
)
PAGE_READY = TopicSpec(
    "mca.page.ready", 12, "delete", 7 * DAY_MS, "document_id:page",
    "page_ready", "One event per page: text layer found, or a cleaned page image stored for OCR.",
)
PAGE_READ = TopicSpec(
    "mca.page.read", 6, "delete", 7 * DAY_MS, "application_id",
    "page_read", "One event per page read: words, boxes and confidences in the object store.",
)
DOCUMENT_READ = TopicSpec(
    "mca.document.read", 6, "delete", 30 * DAY_MS, "application_id",
    "document_read", "A document whose pages are all read, in page order.",
)
DOCUMENT_EXTRACTED = TopicSpec(
    "mca.document.extracted", 6, "delete", 30 * DAY_MS, "application_id",
    "document_extracted", "Document type, fields with confidence and provenance boxes.",
)
APPLICATION = TopicSpec(
    "mca.application", 6, "compact", -1, "application_id",
    "application", "Compacted: the latest full state of each application.",
)
APPLICATION_EVENT = TopicSpec(
    "mca.application.event", 6, "delete", 90 * DAY_MS, "application_id",
    "application_event", "Application lifecycle events (received, processed, review_required, ...).",
)
APPLICATION_CORRECTION = TopicSpec(
    "mca.application.correction", 6, "delete", 90 * DAY_MS, "application_id",
    "application_correction", "Commands from the API: field corrections, review decisions, reprocess.",
)
DLQ = TopicSpec(
    "mca.dlq", 3, "delete", 30 * DAY_MS, "source topic:partition:offset",
    "dead_letter", "Poison messages from any stage: original bytes, error and stage.",
)
WEBHOOK_DELIVERY = TopicSpec(
    "mca.webhook.delivery", 6, "delete", 7 * DAY_MS, "endpoint_id",
    "webhook_delivery", "One delivery task per (event, subscribed endpoint).",
)
WEBHOOK_RETRY_1M = TopicSpec(
    "mca.webhook.retry.1m", 3, "delete", 7 * DAY_MS, "endpoint_id",
    "webhook_delivery", "Deliveries waiting about a minute before their next attempt.",
)
WEBHOOK_RETRY_10M = TopicSpec(
    "mca.webhook.retry.10m", 3, "delete", 7 * DAY_MS, "endpoint_id",
    "webhook_delivery", "Deliveries waiting about ten minutes before their next attempt.",
)
WEBHOOK_RETRY_1H = TopicSpec(
    "mca.webhook.retry.1h", 3, "delete", 7 * DAY_MS, "endpoint_id",
    "webhook_delivery", "Deliveries waiting about an hour before their next attempt.",
)
WEBHOOK_DLQ = TopicSpec(
    "mca.webhook.dlq", 3, "delete", 90 * DAY_MS, "endpoint_id",
    "webhook_delivery", "Deliveries that exhausted their retries.",
)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    EMAIL_RECEIVED, DOCUMENT_RECEIVED, PAGE_READY, PAGE_READ, DOCUMENT_READ, DOCUMENT_EXTRACTED,
    APPLICATION, APPLICATION_EVENT, APPLICATION_CORRECTION, DLQ,
    WEBHOOK_DELIVERY, WEBHOOK_RETRY_1M, WEBHOOK_RETRY_10M, WEBHOOK_RETRY_1H, WEBHOOK_DLQ,
)

BY_NAME: dict[str, TopicSpec] = {t.name: t for t in ALL_TOPICS}


def topic_config(spec: TopicSpec, *, min_insync_replicas: int) -> dict[str, str]:
    """The broker-side configs a topic is created or altered with."""
    config = {
        "cleanup.policy": spec.cleanup_policy,
        "retention.ms": str(spec.retention_ms),
        "min.insync.replicas": str(min_insync_replicas),
    }
    if "compact" in spec.cleanup_policy:
        config["min.compaction.lag.ms"] = "0"
    return config
