"""split agent: mca.email.received -> mca.document.received, one event per document of the email.

The raw email comes from the object store (claim check), is split in the CPU pool by the pipeline's
`split_submission`, and every document's bytes are stored content-addressed before its event is
published (keyed by application id, so all documents of an application meet in one partition).
An email without any document goes straight to mca.document.extracted as a document-less
announcement, so assemble still decides its outcome (rejected).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from infra.topics import DOCUMENT_EXTRACTED, DOCUMENT_RECEIVED, EMAIL_RECEIVED
from streams import pipeline
from streams.agents.contracts import Output
from streams.agents.faust_agent import stage_agent
from streams.agents.services import StageServices, services_for
from streams.dlq import SourceMessage
from streams.pipeline import DocumentEntry, SubmissionInfo
from streams.runtime import StreamsRuntime
from streams.stages.extract.document import EXTRACTOR_VERSION
from streams.wire.records import decided_fields, document_info, submission_context

logger = logging.getLogger(__name__)

BLOB_PREFIX = "blobs"  # the prefix ingest stores attachments under: same bytes, same object


def no_documents_event(info: SubmissionInfo, *, now: dt.datetime) -> dict[str, Any]:
    """The mca.document.extracted announcement of a submission that carries no document."""
    return {
        "submission": submission_context(info, 0),
        "document": None,
        "doc_type": "other",
        "status": "ignored",
        "reason": "no_documents",
        "detail": None,
        "page_count": 0,
        "pages": [],
        "classification_confidence": None,
        "fields": [],
        "transactions": None,
        "extractor_version": EXTRACTOR_VERSION,
        "extracted_at": now,
        "timings_ms": {},
    }


async def split_outputs(
    services: StageServices, info: SubmissionInfo, entries: Sequence[tuple[DocumentEntry, bytes]]
) -> list[Output]:
    """Store each document's bytes and describe it on mca.document.received."""
    if not entries:
        event = no_documents_event(info, now=dt.datetime.now(dt.UTC))
        return [Output(DOCUMENT_EXTRACTED.name, key=info.application_id, value=event)]
    outputs = []
    for entry, data in entries:
        blob = None
        if entry.decided is None:  # bytes over a limit, or of an ignored part, are not kept again
            blob = await services.keep(BLOB_PREFIX, data, content_type=entry.content_type)
        value = {
            "submission": submission_context(info, len(entries)),
            "document": document_info(entry, blob),
            **decided_fields(entry.decided),
        }
        outputs.append(Output(DOCUMENT_RECEIVED.name, key=info.application_id, value=value))
    return outputs


class EmailSplitter:
    """Splits one email.received event into its documents' events."""

    def __init__(self, runtime: StreamsRuntime, services: StageServices) -> None:
        self.runtime = runtime
        self.services = services

    async def handle(self, value: dict[str, Any], source: SourceMessage) -> list[Output]:
        """mca.email.received -> mca.document.received (or one document-less announcement)."""
        info = pipeline.submission_from_event(value)
        raw = await self.services.fetch(value["raw"])
        limits = self.services.limits
        entries = await self.runtime.run_cpu(pipeline.split_submission, raw, info.submission_id, limits)
        logger.info(
            "split %s: %d document(s)",
            info.submission_id,
            len(entries),
            extra={"application_id": info.application_id},
        )
        return await split_outputs(self.services, info, entries)


def register(runtime: StreamsRuntime) -> None:
    """Define the split agent on `runtime`."""
    splitter = EmailSplitter(runtime, services_for(runtime))
    stage_agent(
        runtime, stage="split", source=EMAIL_RECEIVED, handle=splitter.handle, concurrency=runtime.concurrency
    )
