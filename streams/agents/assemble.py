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
from collections.abc import Callable
from typing import Any

from faust.tables.globaltable import GlobalTable

from infra.topics import APPLICATION, APPLICATION_EVENT, DOCUMENT_EXTRACTED
from schemas import ids
from streams.agents.assemble_records import RecordAssembler
from streams.agents.assemble_table import (
    NO_DOCUMENT,
    admit,
    emitted_by,
    next_version,
    replay,
    split_failed,
    stored,
)
from streams.agents.contracts import Output
from streams.agents.faust_agent import stage_agent
from streams.agents.pages import register_collector
from streams.agents.services import StageServices, services_for
from streams.dlq import SourceMessage
from streams.pipeline import SubmissionInfo
from streams.runtime import StreamsRuntime
from streams.stages.commands import new_state
from streams.wire.events import application_event, received_event
from streams.wire.failures import is_failure
from streams.wire.jsonable import from_jsonable, to_jsonable
from streams.wire.records import submission_info

logger = logging.getLogger(__name__)

APPLICATIONS_TABLE = "applications"
MERCHANTS_TABLE = "merchants-by-ein"


class ApplicationAssembler:
    """The assemble stage over its two tables (a dict-like per application id, one per EIN).

    What a value of the applications table holds, and the pure rules over it, are in
    streams/agents/assemble_table.py; records are built by streams/agents/assemble_records.py.
    The command agent (streams/agents/assemble_commands.py) shares `lock`, so the
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
        self.records = RecordAssembler(services, merchants)
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
        # A document of an earlier reading arriving during a run (a redelivery) is not the run's.
        of_run = info.reading >= int(state.get("readings") or 0)
        if rerun is not None and rerun["submission_id"] == info.submission_id and of_run:
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
            return replay(emitted_by(state, submission, document_key), state, key)
        if not admit(documents, value):
            logger.info("submission %s was split after all; its split failure is ignored", info.submission_id,
                        extra={"application_id": key})
            return []
        if split_failed(documents):  # split read it after all (a redriven split): its documents count
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
        record = await self.records.assemble(info, events, own_id, duplicate, now)
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
        base = await self.records.assemble(info, events, key, False, now, again=True)
        state["app"], outputs = next_version(state, key, base, now)
        record = outputs[0].value
        logger.info("application %s reassembled: version %d, %s", key, record["version"], record["status"],
                    extra={"application_id": key})
        return outputs

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
            (existing is not None and not is_failure(existing)) or not admit(collected, value)
        ):
            return []
        if split_failed(collected) and document_key != NO_DOCUMENT:
            del collected[NO_DOCUMENT]
        collected[document_key] = value
        count = value["submission"]["document_count"]
        if len(collected) < count:
            self.save(key, state)
            return []
        now = self.clock()
        base = await self.records.assemble(info, list(collected.values()), key, False, now, again=True)
        app_state, outputs = next_version(state, key, base, now)
        record = outputs[0].value
        logger.info(
            "application %s reprocessed: version %d, %s, extractor %s",
            key,
            record["version"],
            record["status"],
            record["extractor_version"],
            extra={"application_id": key},
        )
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
