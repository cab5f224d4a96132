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

Commands from the API (corrections, review decisions, reprocess) are applied to the same table by
the agents of streams/agents/assemble_commands.py. A reprocess run (the submission read again)
is collected here apart from the first reading and, once complete, reassembled at the next
version with the human corrections in force re-applied (streams/stages/commands.py).

A dead letter of a stage upstream (split, render, ocr, assemble-pages, extract) reaches this table
through the agents of streams/agents/assemble_failures.py (assemble consumes mca.dlq, the one record
of a failure): the document counts as arrived, failed, so the submission still completes, as a
`failed` application (streams/stages/assemble.py). A reading of a failed document that comes later
(`mca dlq replay` after a fix) replaces the failure, and the application is assembled again at the
next version with its real status and the corrections in force, as for a reprocess run. A failure
never replaces a reading. When split failed on the whole submission, its entry stands for every
document until split reads it after all.

`register` also defines the assemble-pages agent (streams/agents/pages.py), the command agents and
the failure agents.
"""

from __future__ import annotations

import asyncio
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
from streams.stages.commands import new_state, reassemble
from streams.wire.application import DocumentMeta, application_record
from streams.wire.events import application_event, received_event
from streams.wire.extraction import extraction_from_fields, transactions_from_json
from streams.wire.failures import failed_result, is_failure, stage_failure
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
    """The assemble stage over its two tables (a dict-like per application id, one per EIN).

    A table value holds, per application id: the submissions claiming it (their documents and what
    each document's arrival emitted), `app` (the owner's state: base and current record, see
    streams/stages/commands.py), the commands applied lately (`commands`) and a pending
    `reprocess` run. The command agent (streams/agents/assemble_commands.py) shares `lock`, so the
    two agents never interleave a read-modify-write of one value.
    """

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
        self.lock = asyncio.Lock()

    def load(self, key: str) -> dict[str, Any] | None:
        """The table value of application `key` as plain values, or None."""
        raw = self.applications.get(key)
        return from_jsonable(raw) if raw is not None else None

    def save(self, key: str, state: dict[str, Any]) -> None:
        """Write the table value of application `key` (its changelog makes it survive restarts)."""
        self.applications[key] = to_jsonable(state)

    async def handle(self, value: dict[str, Any], source: SourceMessage) -> list[Output]:
        """One document.extracted event: record it and, when its submission is complete, assemble."""
        async with self.lock:
            return await self._document(value)

    async def fail(self, entry: dict[str, Any]) -> list[Output]:
        """One failure entry (streams/wire/failures.py): the failed document counts as arrived, as
        the document.extracted event it stands for would (assemble-failures calls this)."""
        async with self.lock:
            return await self._document(entry)

    async def _document(self, value: dict[str, Any]) -> list[Output]:
        info = submission_info(value["submission"])
        key = info.application_id
        state = self.load(key) or {"owner": None, "submissions": {}}
        submission = state["submissions"].setdefault(
            info.submission_id,
            {"count": value["submission"]["document_count"], "documents": {}, "emitted": {}},
        )
        document_key = value["document"]["document_id"] if value["document"] else NO_DOCUMENT
        rerun = state.get("reprocess")
        if rerun is not None and rerun["submission_id"] == info.submission_id:
            return await self._rerun(state, key, info, value, document_key)
        documents = submission["documents"]
        existing = documents.get(document_key)
        if existing is not None:
            if is_failure(existing) and not is_failure(value):
                return await self._replace(state, key, info, submission, value, document_key)
            if is_failure(value) and not is_failure(existing):
                logger.info("%s failed again after it was read; the reading stands", document_key,
                            extra={"application_id": key})
                return []
            return replay(_emitted(state, submission, document_key), state, key)
        if not _admit(documents, value):
            logger.info("submission %s was split after all; its split failure is ignored", info.submission_id,
                        extra={"application_id": key})
            return []
        if _split_failed(documents):  # split read it after all (a redriven split): its documents count
            del documents[NO_DOCUMENT]
            submission["count"] = value["submission"]["document_count"]
        state["owner"] = state["owner"] or info.submission_id
        duplicate = state["owner"] != info.submission_id
        own_id = ids.application_id(None, info.submission_id) if duplicate else key
        first = not submission["emitted"]
        documents[document_key] = value
        outputs = []
        now = self.clock()
        if first:
            outputs.append(
                Output(
                    APPLICATION_EVENT.name, key=own_id, value=received_event(info, own_id, occurred_at=now)
                )
            )
        if len(documents) >= submission["count"]:
            outputs += await self._complete(state, info, list(documents.values()), own_id, duplicate, now)
        submission["emitted"][document_key] = stored(outputs)
        self.save(key, state)
        return outputs

    async def _complete(
        self,
        state: dict[str, Any],
        info: SubmissionInfo,
        events: list[dict[str, Any]],
        own_id: str,
        duplicate: bool,
        now: dt.datetime,
    ) -> list[Output]:
        """A submission just became complete: its first state (version 1), or, when the application
        was assembled before (a failed split read again), the next version of it."""
        if not duplicate and state.get("app") is not None:
            return await self._reassembled(state, info, events, now)
        record = await self._assemble(info, events, own_id, duplicate, now)
        if not duplicate:
            state["app"] = new_state(record)
        event = application_event(record, f"application.{record['status']}", occurred_at=now)
        return [
            Output(APPLICATION.name, key=own_id, value=record),
            Output(APPLICATION_EVENT.name, key=own_id, value=event),
        ]

    async def _reassembled(
        self, state: dict[str, Any], info: SubmissionInfo, events: list[dict[str, Any]], now: dt.datetime
    ) -> list[Output]:
        """The owner's documents assembled again, at the next version, with the human corrections in
        force re-applied (as for a reprocess run)."""
        key = info.application_id
        base = await self._assemble(info, events, key, False, now, again=True)
        app = state.get("app") or app_of(state, key)
        if app is None:  # assembled before this table kept states: start afresh
            app_state, record = new_state(base), base
            event = application_event(record, f"application.{record['status']}", occurred_at=now)
        else:
            app_state, record, event = reassemble(app, base, now=now)
        state["app"] = app_state
        logger.info("application %s reassembled: version %d, %s", key, record["version"], record["status"],
                    extra={"application_id": key})
        return [
            Output(APPLICATION.name, key=key, value=record),
            Output(APPLICATION_EVENT.name, key=key, value=event),
        ]

    async def _replace(
        self,
        state: dict[str, Any],
        key: str,
        info: SubmissionInfo,
        submission: dict[str, Any],
        value: dict[str, Any],
        document_key: str,
    ) -> list[Output]:
        """A document read after a stage had failed on it (a redriven dead letter): the reading
        replaces the failure and, once the submission is complete, the application is assembled
        again at the next version with its real status."""
        documents = submission["documents"]
        documents[document_key] = value
        logger.info("document %s read after its failure", document_key, extra={"application_id": key})
        outputs: list[Output] = []
        if len(documents) >= submission["count"]:
            if state["owner"] == info.submission_id:
                events = list(documents.values())
                outputs = await self._complete(state, info, events, key, False, self.clock())
            else:  # a duplicate stays a duplicate whatever its documents hold
                logger.info("duplicate submission %s: nothing to assemble again", info.submission_id,
                            extra={"application_id": key})
        submission["emitted"][document_key] = stored(outputs)
        state.get("rerun_emitted", {}).pop(document_key, None)
        self.save(key, state)
        return outputs

    async def _rerun(
        self, state: dict[str, Any], key: str, info: SubmissionInfo, value: dict[str, Any], document_key: str
    ) -> list[Output]:
        """A document of a reprocess run: collect it; once the run is complete, reassemble the
        application and re-apply the human corrections in force on top, at the next version."""
        rerun = state["reprocess"]
        collected = rerun["documents"]
        existing = collected.get(document_key)
        if is_failure(value) and (
            (existing is not None and not is_failure(existing)) or not _admit(collected, value)
        ):
            return []
        if _split_failed(collected) and document_key != NO_DOCUMENT:
            del collected[NO_DOCUMENT]
        collected[document_key] = value
        count = value["submission"]["document_count"]
        if len(collected) < count:
            self.save(key, state)
            return []
        now = self.clock()
        base = await self._assemble(info, list(collected.values()), key, False, now, again=True)
        app = state.get("app") or app_of(state, key)
        if app is None:  # assembled before this table kept states: the rerun starts it afresh
            app_state, record = new_state(base), base
            event = application_event(record, f"application.{record['status']}", occurred_at=now)
        else:
            app_state, record, event = reassemble(app, base, now=now)
        logger.info(
            "application %s reprocessed: version %d, %s, extractor %s",
            key,
            record["version"],
            record["status"],
            record["extractor_version"],
            extra={"application_id": key},
        )
        outputs = [
            Output(APPLICATION.name, key=key, value=record),
            Output(APPLICATION_EVENT.name, key=key, value=event),
        ]
        # The run is now the submission's reading: a document failed in it may still be read later.
        submission = state["submissions"][info.submission_id]
        submission.update(documents=collected, count=count)
        state.update(
            app=app_state,
            reprocess=None,
            rerun_emitted={document: stored(outputs) for document in collected},
        )
        self.save(key, state)
        return outputs

    async def _assemble(
        self,
        info: SubmissionInfo,
        events: list[dict[str, Any]],
        own_id: str,
        duplicate: bool,
        now: dt.datetime,
        *,
        again: bool = False,
    ) -> dict[str, Any]:
        """The version-1 record of a complete submission (`again`: a reprocess run, whose own earlier
        reading must not count as another submission of its merchant)."""
        documents = sorted(
            (e for e in events if e["document"] is not None), key=lambda e: e["document"]["index"]
        )
        results = [failed_result(e) if is_failure(e) else await self._result(e) for e in documents]
        failures = [stage_failure(e) for e in events if e["document"] is None and is_failure(e)]
        memory = AssembleMemory()
        if duplicate:  # the application id is already claimed by an earlier submission of the Message-ID
            memory = memory.remember(SeenSubmission(info.application_id, info.message_id, "", None, None))
        seen: list[dict[str, Any]] = []
        everyone: list[dict[str, Any]] = []
        ein = None
        if not duplicate:
            probe, _ = pipeline.assemble_submission(info, results, memory, failures)
            ein = _ein(probe)
            everyone = list(self.merchants.get(ein) or []) if ein else []
            seen = [s for s in everyone if s["application_id"] != own_id] if again else everyone
            if seen:
                memory = AssembleMemory.from_dict({"by_message_id": {}, "by_ein": {ein: seen}})
        app, after = pipeline.assemble_submission(info, results, memory, failures)
        record = application_record(
            app,
            [meta_from_extracted(e) for e in documents],
            info,
            version=1,
            ring=self.services.ring,
            updated_at=now,
            related=[s["application_id"] for s in seen],
        )
        if ein and not duplicate and len(seen) == len(everyone):  # not yet remembered under this EIN
            self.merchants[ein] = after.to_dict()["by_ein"].get(ein, [])
        logger.info("application %s: %s", own_id, app.status, extra={"application_id": own_id})
        return record

    async def _result(self, event: Mapping[str, Any]) -> DocumentResult:
        transactions: Sequence[Any] = ()
        if event.get("transactions"):
            transactions = transactions_from_json(await self.services.fetch(event["transactions"]))
        return result_from_extracted(event, self.services.ring, transactions)


def _emitted(state: Mapping[str, Any], submission: Mapping[str, Any], document_key: str) -> list[Any]:
    """What the arrival of `document_key` emitted (its reprocess run's outputs when it had one)."""
    return state.get("rerun_emitted", {}).get(document_key) or submission["emitted"][document_key]


def _split_failed(documents: Mapping[str, Any]) -> bool:
    """Whether the collected entries record that split failed on the whole submission."""
    entry = documents.get(NO_DOCUMENT)
    return entry is not None and is_failure(entry)


def _admit(documents: Mapping[str, Any], value: Mapping[str, Any]) -> bool:
    """False for a split failure of a submission some of whose documents are already in (the split
    was redelivered or redriven and did read it): the documents stand."""
    split_failure = is_failure(value) and value["document"] is None
    return not (split_failure and any(key != NO_DOCUMENT for key in documents))


def stored(outputs: Sequence[Output]) -> list[dict[str, Any]]:
    """Outputs as table values (to publish them again on a redelivery)."""
    return [{"topic": o.topic, "key": o.key, "value": o.value} for o in outputs]


def replay(emitted: Sequence[Mapping[str, Any]], state: Mapping[str, Any], key: str) -> list[Output]:
    """What a redelivered input emitted, published again: events as they were, and the state of
    application `key` as it is now (never an older version over a newer one)."""
    current = (state.get("app") or {}).get("current")
    outputs = []
    for o in emitted:
        value = o["value"]
        if o["topic"] == APPLICATION.name and o["key"] == key and current is not None:
            value = current
        outputs.append(Output(o["topic"], key=o["key"], value=value))
    return outputs


def app_of(state: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The application state of `key`: kept in `app`, or (a table value written before states were
    kept) the owner submission's last published record."""
    if state.get("app") is not None:
        return dict(state["app"])
    owner = state.get("submissions", {}).get(state.get("owner") or "")
    for outputs in (owner or {}).get("emitted", {}).values():
        for o in outputs:
            if o["topic"] == APPLICATION.name and o["key"] == key:
                return new_state(o["value"])
    return None


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
    from streams.agents.assemble_commands import register_commands  # they build on this module
    from streams.agents.assemble_failures import register_failures

    register_commands(runtime, assembler)
    register_failures(runtime, assembler)
