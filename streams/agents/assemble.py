"""assemble agent: mca.document.extracted -> mca.application (full state) + mca.application.event.

A Faust table keyed by application id (state recovers from its changelog) collects each
submission's extracted documents; once all `document_count` are in, the pipeline's
`assemble_submission` decides the application exactly as `mca extract` does. The memory of
earlier submissions comes from two places: this table (the first submission that claimed an
application id owns it, so a resend of its Message-ID is a duplicate) and a global table of
submissions by EIN (another ISO broker's copy, a same-ISO resubmission).

Every output is recorded with the document whose arrival caused it; a redelivered document
publishes exactly those outputs again (same record version, same event ids), so a crash between
the table update and Kafka's acknowledgement loses nothing and duplicates nothing new.

`register` also defines the assemble-pages agent (streams/agents/pages.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from faust.tables.globaltable import GlobalTable

from infra.crypto import KeyRing
from infra.topics import APPLICATION, APPLICATION_EVENT, DOCUMENT_EXTRACTED
from schemas import ids
from streams import pipeline
from streams.agents.base import Output, stage_agent
from streams.agents.pages import register_collector
from streams.agents.services import StageServices, services_for
from streams.dlq import SourceMessage
from streams.pipeline import SubmissionInfo
from streams.runtime import StreamsRuntime
from streams.stages.assemble import Application, DocumentResult
from streams.stages.assemble_memory import AssembleMemory, SeenSubmission
from streams.wire.application import DocumentMeta, application_record
from streams.wire.events import application_event, received_event
from streams.wire.extraction import extraction_from_fields, transactions_from_json
from streams.wire.jsonable import from_jsonable, to_jsonable
from streams.wire.records import document_entry, submission_info

logger = logging.getLogger(__name__)

APPLICATIONS_TABLE = "applications"
MERCHANTS_TABLE = "merchants-by-ein"
NO_DOCUMENT = "none"


def result_from_extracted(
    event: Mapping[str, Any], ring: KeyRing, transactions: Sequence[Any] = ()
) -> DocumentResult:
    """The DocumentResult a document.extracted event describes (PII decrypted)."""
    extraction = None
    if event["status"] == "read":
        extraction = extraction_from_fields(
            event["doc_type"],
            event.get("classification_confidence"),
            event["fields"],
            ring,
            transactions=transactions,
        )
    name = event["document"].get("filename") or ""
    return DocumentResult(
        name, event["doc_type"], event["status"], event.get("reason"), event["page_count"], extraction
    )


def meta_from_extracted(event: Mapping[str, Any]) -> DocumentMeta:
    """What the application record lists of a document.extracted event's document."""
    pages = event.get("pages") or []
    skews = [p["skew_degrees"] for p in pages if p["raster"]]
    return DocumentMeta(
        entry=document_entry(event["document"]),
        blob=event["document"].get("blob"),
        raster=any(p["raster"] for p in pages),
        skew_deg=max(skews, key=abs) if skews else None,
        detail=event.get("detail"),
    )


def _ein(app: Application) -> str | None:
    field = (app.merchant or {}).get("ein")
    return str(field.value) if field is not None and field.value else None


class ApplicationAssembler:
    """The assemble stage over its two tables (a dict-like per application id, one per EIN)."""

    def __init__(
        self,
        services: StageServices,
        applications: Any,
        merchants: Any,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.services = services
        self.applications = applications
        self.merchants = merchants
        self.clock = clock

    async def handle(self, value: dict[str, Any], source: SourceMessage) -> list[Output]:
        """One document.extracted event: record it and, when its submission is complete, assemble."""
        info = submission_info(value["submission"])
        key = info.application_id
        raw = self.applications.get(key)
        state = from_jsonable(raw) if raw is not None else {"owner": None, "submissions": {}}
        submission = state["submissions"].setdefault(
            info.submission_id,
            {"count": value["submission"]["document_count"], "documents": {}, "emitted": {}},
        )
        document_key = value["document"]["document_id"] if value["document"] else NO_DOCUMENT
        if document_key in submission["documents"]:
            return [
                Output(o["topic"], key=o["key"], value=o["value"])
                for o in submission["emitted"].get(document_key, [])
            ]
        state["owner"] = state["owner"] or info.submission_id
        duplicate = state["owner"] != info.submission_id
        own_id = ids.application_id(None, info.submission_id) if duplicate else key
        submission["documents"][document_key] = value
        outputs = []
        now = self.clock()
        if len(submission["documents"]) == 1:
            outputs.append(
                Output(
                    APPLICATION_EVENT.name, key=own_id, value=received_event(info, own_id, occurred_at=now)
                )
            )
        if len(submission["documents"]) >= submission["count"]:
            outputs += await self._complete(
                info, list(submission["documents"].values()), own_id, duplicate, now
            )
        submission["emitted"][document_key] = [
            {"topic": o.topic, "key": o.key, "value": o.value} for o in outputs
        ]
        self.applications[key] = to_jsonable(state)
        return outputs

    async def _complete(
        self,
        info: SubmissionInfo,
        events: list[dict[str, Any]],
        own_id: str,
        duplicate: bool,
        now: dt.datetime,
    ) -> list[Output]:
        documents = sorted(
            (e for e in events if e["document"] is not None), key=lambda e: e["document"]["index"]
        )
        results = [await self._result(e) for e in documents]
        memory = AssembleMemory()
        if duplicate:  # the application id is already claimed by an earlier submission of the Message-ID
            memory = memory.remember(SeenSubmission(info.application_id, info.message_id, "", None, None))
        seen: list[dict[str, Any]] = []
        ein = None
        if not duplicate:
            probe, _ = pipeline.assemble_submission(info, results, memory)
            ein = _ein(probe)
            seen = list(self.merchants.get(ein) or []) if ein else []
            if seen:
                memory = AssembleMemory.from_dict({"by_message_id": {}, "by_ein": {ein: seen}})
        app, after = pipeline.assemble_submission(info, results, memory)
        record = application_record(
            app,
            [meta_from_extracted(e) for e in documents],
            info,
            version=1,
            ring=self.services.ring,
            updated_at=now,
            related=[s["application_id"] for s in seen],
        )
        if ein and not duplicate:
            self.merchants[ein] = after.to_dict()["by_ein"].get(ein, [])
        logger.info("application %s: %s", own_id, app.status, extra={"application_id": own_id})
        event = application_event(record, f"application.{app.status}", occurred_at=now)
        return [
            Output(APPLICATION.name, key=own_id, value=record),
            Output(APPLICATION_EVENT.name, key=own_id, value=event),
        ]

    async def _result(self, event: Mapping[str, Any]) -> DocumentResult:
        transactions: Sequence[Any] = ()
        if event.get("transactions"):
            transactions = transactions_from_json(await self.services.fetch(event["transactions"]))
        return result_from_extracted(event, self.services.ring, transactions)


class OnePartitionGlobalTable(GlobalTable):
    """A global table on a one-partition changelog (Faust's advice for global tables read by several
    workers), written from agents whose source topics have more partitions."""

    def partition_for_key(self, key: Any) -> int:
        """Every key lives in partition 0."""
        return 0


def register(runtime: StreamsRuntime) -> None:
    """Define the assemble agent (and the assemble-pages agent) with their tables on `runtime`."""
    register_collector(runtime)
    applications = runtime.app.Table(APPLICATIONS_TABLE, default=None, key_type=str)
    # Every worker reads the whole EIN table: any application may meet any merchant.
    merchants = runtime.app.tables.add(
        OnePartitionGlobalTable(
            runtime.app,
            name=MERCHANTS_TABLE,
            default=None,
            key_type=str,
            beacon=runtime.app.tables.beacon,
            partitions=1,
            standby_buffer_size=1,
            recovery_buffer_size=1,
            is_global=True,
            help="Submissions seen per merchant EIN (assemble's memory across applications).",
        )
    )
    assembler = ApplicationAssembler(services_for(runtime), applications, merchants)
    stage_agent(runtime, stage="assemble", source=DOCUMENT_EXTRACTED, handle=assembler.handle)
