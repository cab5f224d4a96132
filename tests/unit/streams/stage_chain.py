"""The Faust path without Kafka, for tests: the stage agents' handlers chained by hand.

Every event goes through its topic's Avro schema (the serde of schemas/serde.py on an in-memory
registry), blobs through a real encrypted local object store, tables are plain dicts. Events of
one step are handed on in reverse order, so pages and documents arrive out of order as they may
from several partitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.crypto import new_key_spec, parse_key_ring
from infra.object_store import LocalObjectStore, content_key
from infra.topics import (
    APPLICATION,
    APPLICATION_EVENT,
    DOCUMENT_EXTRACTED,
    DOCUMENT_READ,
    DOCUMENT_RECEIVED,
    EMAIL_RECEIVED,
    PAGE_READ,
    PAGE_READY,
)
from ingest.authentication import Verdicts
from ingest.event import build_event
from ingest.parse import parse_email
from schemas.ids import submission_id
from schemas.serde import AvroSerde
from streams.agents.assemble import ApplicationAssembler
from streams.agents.extract import DocumentExtractor
from streams.agents.ocr import PageReader
from streams.agents.pages import PageCollector
from streams.agents.render import DocumentRenderer
from streams.agents.services import StageServices
from streams.agents.split import EmailSplitter
from streams.dlq import SourceMessage
from streams.stages.limits import Limits

RECEIVED_AT = dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.UTC)


class InlineRuntime:
    """What the stage handlers use of a runtime: `run_cpu`, here run inline."""

    concurrency = 1

    async def run_cpu(
        self, fn: Callable[..., Any], *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> Any:
        return fn(*args, **kwargs)


def make_services(root: Path, limits: Limits | None = None) -> StageServices:
    """Services on an encrypted local object store under `root`, with a fresh key ring."""
    ring = parse_key_ring(new_key_spec("test"))
    return StageServices(LocalObjectStore(root, ring), ring, limits or Limits())


def email_event(raw: bytes, services: StageServices) -> dict[str, Any]:
    """The mca.email.received event ingest would publish for `raw` (raw bytes stored first)."""
    sid = submission_id(raw)
    stored = services.store.put(content_key("raw", sid, ".eml"), raw, content_type="message/rfc822")
    blob = {"uri": stored.uri, "size": stored.size, "sha256": stored.sha256, "content_type": "message/rfc822"}
    return build_event(
        submission_id=sid,
        parsed=parse_email(raw),
        raw_blob=blob,
        channel="file",
        envelope_sender=None,
        envelope_recipients=None,
        received_at=RECEIVED_AT,
        verdicts=Verdicts(),
        attachments=[],
    )


class StageChain:
    """Runs emails through split, render, ocr, assemble-pages, extract and assemble."""

    def __init__(self, services: StageServices) -> None:
        runtime = InlineRuntime()
        self.services = services
        self.serde = AvroSerde("mock://stage-chain")
        self.applications: dict[str, Any] = {}
        self.merchants: dict[str, Any] = {}
        self.pages: dict[str, Any] = {}
        self.handlers = {
            EMAIL_RECEIVED.name: EmailSplitter(runtime, services).handle,  # type: ignore[arg-type]
            DOCUMENT_RECEIVED.name: DocumentRenderer(runtime, services).handle,  # type: ignore[arg-type]
            PAGE_READY.name: PageReader(runtime, services).handle,  # type: ignore[arg-type]
            PAGE_READ.name: PageCollector(self.pages).handle,
            DOCUMENT_READ.name: DocumentExtractor(runtime, services).handle,  # type: ignore[arg-type]
            DOCUMENT_EXTRACTED.name: ApplicationAssembler(services, self.applications, self.merchants).handle,
        }
        self.published: list[tuple[str, str | bytes | None, dict[str, Any]]] = []

    async def run(self, raw: bytes) -> list[dict[str, Any]]:
        """Every value published on mca.application for `raw`, decoded."""
        start = len(self.published)
        queue = [
            (
                EMAIL_RECEIVED.name,
                None,
                self.serde.encode(EMAIL_RECEIVED.name, email_event(raw, self.services)),
            )
        ]
        while queue:
            step, queue = queue, []
            for offset, (topic, key, data) in enumerate(reversed(step)):
                value = self.serde.decode(topic, data)
                source = SourceMessage(topic, 0, offset, key if isinstance(key, bytes) else None, data)
                for output in await self.handlers[topic](value, source):
                    encoded = self.serde.encode(output.topic, output.value)
                    self.published.append(
                        (output.topic, output.key, self.serde.decode(output.topic, encoded))
                    )
                    if output.topic in self.handlers:
                        queue.append((output.topic, output.key, encoded))
        return [value for topic, _, value in self.published[start:] if topic == APPLICATION.name]

    def events(self) -> list[dict[str, Any]]:
        """Every mca.application.event value published so far."""
        return [value for topic, _, value in self.published if topic == APPLICATION_EVENT.name]
