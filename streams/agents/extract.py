"""extract agent: mca.document.read -> mca.document.extracted, one event per document.

The document's page words are fetched from the object store and put back together by the
pipeline's `document_reading`; `extract_entry` classifies and extracts it in the CPU pool. Every
value becomes an ExtractedField with its confidence, page and box; SSNs, dates of birth, account
and routing numbers are encrypted field by field before the event is published. A statement's
parsed transactions go to the object store for the figures assemble computes across statements.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any

from infra.crypto import KeyRing
from infra.topics import DOCUMENT_EXTRACTED, DOCUMENT_READ
from streams import pipeline
from streams.agents.contracts import Output
from streams.agents.faust_agent import stage_agent
from streams.agents.services import StageServices, services_for
from streams.dlq import SourceMessage
from streams.pipeline import DocumentOutcome
from streams.pool import CpuPoolError
from streams.runtime import StreamsRuntime
from streams.stages.assemble import DocumentResult
from streams.stages.extract.document import EXTRACTOR_VERSION
from streams.wire import pages as wire_pages
from streams.wire.extraction import extraction_fields, transactions_to_json
from streams.wire.records import document_entry

logger = logging.getLogger(__name__)


def read_source(outcome: DocumentOutcome) -> str:
    """How a document's values were read: `ocr` when any page was OCR'd, else `text_layer`."""
    return "ocr" if any(page.source == "ocr" for page in outcome.text.pages) else "text_layer"


def extracted_event(
    value: Mapping[str, Any],
    result: DocumentResult,
    outcome: DocumentOutcome,
    ring: KeyRing,
    *,
    transactions: Mapping[str, Any] | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The mca.document.extracted event of a document read as `value` (its document.read event)."""
    extraction = result.extraction
    fields = extraction_fields(extraction, ring, source=read_source(outcome)) if extraction else []
    return {
        "submission": value["submission"],
        "document": value["document"],
        "doc_type": result.doc_type,
        "status": result.status,
        "reason": result.reason,
        "detail": outcome.detail or value.get("detail") or None,
        "page_count": result.pages,
        "pages": list(value.get("pages") or []),
        "classification_confidence": extraction.classification.confidence if extraction else None,
        "fields": fields,
        "transactions": dict(transactions) if transactions else None,
        "extractor_version": EXTRACTOR_VERSION,
        "extracted_at": now,
        "timings_ms": dict(value.get("timings_ms") or {}),
    }


class DocumentExtractor:
    """Turns one document.read event into its document.extracted event."""

    def __init__(self, runtime: StreamsRuntime, services: StageServices) -> None:
        self.runtime = runtime
        self.services = services

    async def outcome(self, value: Mapping[str, Any]) -> DocumentOutcome:
        """The document as read: its pages' words fetched and put together (or its refusal)."""
        entry = document_entry(value["document"], value)
        if entry.decided is not None:
            return pipeline.refused_outcome(entry.decided)
        pages = [p for p in value["pages"] if p["engine"] != wire_pages.SKIPPED]
        blobs = await asyncio.gather(*(self.services.fetch(p["words"]) for p in pages))
        outcomes = [
            wire_pages.outcome_from_json(p["page_number"], p["raster"], data)
            for p, data in zip(pages, blobs, strict=True)
        ]
        form_fields: dict[str, str] = {}
        if value.get("form_fields"):
            form_fields = json.loads(await self.services.fetch(value["form_fields"]))
        page_count = value["page_count"]
        return pipeline.document_reading(
            page_count=page_count,
            planned_pages=min(page_count, self.services.limits.max_read_pages),
            raster=any(p["raster"] for p in value["pages"]),
            outcomes=outcomes,
            form_fields=form_fields,
        )

    async def handle(self, value: dict[str, Any], source: SourceMessage) -> list[Output]:
        """mca.document.read -> mca.document.extracted."""
        entry = document_entry(value["document"], value)
        outcome = await self.outcome(value)
        data = None
        if pipeline.needs_bytes(outcome):  # the second engine may read scanned pages again
            data = await self.services.fetch(value["document"]["blob"])
        try:
            limits = self.services.limits
            result = await self.runtime.run_cpu(pipeline.extract_entry, entry, outcome, data, limits)
        except CpuPoolError as exc:
            logger.error("extracting %s failed in the pool: %s", entry.document_id, exc)
            result = pipeline.extraction_failed(entry, outcome.page_count)
        transactions = None
        statement = result.extraction.statement if result.extraction else None
        if statement is not None:
            transactions = await self.services.keep(
                "transactions",
                transactions_to_json(statement.transactions),
                suffix=".json",
                content_type="application/json",
            )
        event = extracted_event(
            value, result, outcome, self.services.ring, transactions=transactions, now=dt.datetime.now(dt.UTC)
        )
        return [Output(DOCUMENT_EXTRACTED.name, key=value["submission"]["application_id"], value=event)]


def register(runtime: StreamsRuntime) -> None:
    """Define the extract agent on `runtime`."""
    extractor = DocumentExtractor(runtime, services_for(runtime))
    stage_agent(
        runtime,
        stage="extract",
        source=DOCUMENT_READ,
        handle=extractor.handle,
        concurrency=runtime.concurrency,
    )
