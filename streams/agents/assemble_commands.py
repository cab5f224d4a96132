"""assemble's command agents: mca.application.correction -> the next application state + its event.

Commands must meet an application's table value in the partition that holds it. Assemble's table
follows mca.document.extracted, which Faust's producer partitions by murmur2 of the key (the Java
client's partitioner); the API and partners may use another partitioner (librdkafka's default is
CRC32). So `assemble-route` re-keys every command by its application id onto an internal
repartition topic with the partition count of mca.document.extracted, through the same producer,
and `assemble-commands` applies it from there (the way Kafka Streams repartitions before a join).

`assemble-commands` applies correct_field, discard_correction and review through the pure
streams.stages.commands.apply_command, under the assembler's lock. `reprocess` publishes the
submission's mca.email.received again, rebuilt from the raw email in the object store and marked
as the application's next reading (1, 2, ...; counted in the table), so every stage reads it again
with its current version (assemble-pages starts collecting a document's pages afresh on a newer
reading); the reprocess run is then collected by the assemble agent (streams/agents/assemble.py),
which re-applies the corrections in force.

A command's outputs are remembered by command id (the last COMMANDS_KEPT per application): a
redelivered command publishes its events again and the current state, never a second change.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from infra.errors import StorageError
from infra.object_store import content_key
from infra.topics import (
    APPLICATION,
    APPLICATION_CORRECTION,
    APPLICATION_EVENT,
    DOCUMENT_EXTRACTED,
    EMAIL_RECEIVED,
)
from streams.agents.assemble import ApplicationAssembler
from streams.agents.assemble_table import app_of, replay, stored
from streams.agents.contracts import Output
from streams.agents.faust_agent import repartition_topic, stage_agent
from streams.agents.services import StageServices
from streams.dlq import SourceMessage
from streams.runtime import StreamsRuntime
from streams.stages.commands import apply_command
from streams.wire.resubmission import resubmission_event

logger = logging.getLogger(__name__)

COMMANDS_KEPT = 32
ROUTE_STAGE = "assemble-route"
COMMAND_STAGE = "assemble-commands"


def routed_topic_name(app_id: str) -> str:
    """The internal topic commands are re-keyed onto (named like Faust's repartition topics)."""
    return f"{app_id}-{COMMAND_STAGE}-repartition"


async def route(value: dict[str, Any], source: SourceMessage) -> list[Output]:
    """A command, keyed by its application id (the value says which; the key may be anything)."""
    return [Output(APPLICATION_CORRECTION.name, key=value["application_id"], value=value)]


class CommandApplier:
    """Applies commands to the assembler's application states."""

    def __init__(
        self, assembler: ApplicationAssembler, services: StageServices, channel: str = "file"
    ) -> None:
        self.assembler = assembler
        self.services = services
        self.default_channel = channel

    async def handle(self, command: dict[str, Any], source: SourceMessage) -> list[Output]:
        """One command: apply it (or refuse it as stale), or replay it when it was applied already."""
        async with self.assembler.lock:
            return await self._apply(command)

    async def _apply(self, command: dict[str, Any]) -> list[Output]:
        key, command_id = command["application_id"], command["command_id"]
        extra = {"application_id": key}
        state = self.assembler.load(key)
        app = app_of(state, key) if state is not None else None
        if state is None or app is None:
            logger.warning(
                "command %s (%s) for unknown application %s ignored",
                command_id,
                command["type"],
                key,
                extra=extra,
            )
            return []
        done = state.setdefault("commands", {}).get(command_id)
        if done is not None:
            logger.info("command %s redelivered; publishing its outputs again", command_id, extra=extra)
            return replay(done, state, key)
        if command["type"] == "reprocess":
            outputs = await self._reprocess(state, key, command)
        else:
            result = apply_command(app, command, now=self.assembler.clock())
            if result.outcome != "applied":
                logger.info(
                    "command %s (%s) on %s %s: %s",
                    command_id,
                    command["type"],
                    key,
                    result.outcome,
                    result.detail,
                    extra=extra,
                )
                return []
            state["app"] = result.state
            assert result.record is not None and result.event is not None
            logger.info(
                "command %s (%s) on %s: version %d, %s",
                command_id,
                command["type"],
                key,
                result.record["version"],
                result.record["status"],
                extra=extra,
            )
            outputs = [
                Output(APPLICATION.name, key=key, value=result.record),
                Output(APPLICATION_EVENT.name, key=key, value=result.event),
            ]
        commands = state["commands"]
        # The state is published again as it is then (replay), so only the events need keeping.
        commands[command_id] = [
            {**o, "value": None} if o["topic"] == APPLICATION.name else o for o in stored(outputs)
        ]
        for old in list(commands)[:-COMMANDS_KEPT]:
            del commands[old]
        self.assembler.save(key, state)
        return outputs

    async def _reprocess(self, state: dict[str, Any], key: str, command: Mapping[str, Any]) -> list[Output]:
        submission_id = state["owner"]
        document_id = command.get("document_id")
        documents = state["submissions"][submission_id]["documents"]
        if document_id and document_id not in documents:
            logger.warning(
                "reprocess %s: document %s is not one of application %s's own documents",
                command["command_id"],
                document_id,
                key,
                extra={"application_id": key},
            )
            return []
        context = next(iter(documents.values()))["submission"]
        reading = int(state.get("readings") or 0) + 1
        try:
            event = await asyncio.to_thread(self._email_event, context, reading)
        except StorageError as exc:
            logger.error(
                "reprocess %s of %s: the original email is not available: %s",
                command["command_id"],
                key,
                exc,
                extra={"application_id": key},
            )
            return []
        state["readings"] = reading
        state["reprocess"] = {
            "command_id": command["command_id"],
            "submission_id": submission_id,
            "documents": {},
        }
        logger.info(
            "reprocess %s: submission %s of %s goes through the pipeline again",
            command["command_id"],
            submission_id,
            key,
            extra={"application_id": key},
        )
        return [Output(EMAIL_RECEIVED.name, key=submission_id, value=event)]

    def _email_event(self, context: Mapping[str, Any], reading: int) -> dict[str, Any]:
        """The submission's mca.email.received, rebuilt from the raw email (blocking: in a thread)."""
        store = self.services.store
        submission_id = context["submission_id"]
        raw_key = content_key("raw", submission_id, ".eml")
        raw = store.get(raw_key)
        channel = self.default_channel
        try:
            channel = json.loads(store.get(f"markers/email.received/{submission_id}"))["channel"]
        except (StorageError, ValueError, KeyError):
            logger.info("submission %s has no acceptance marker; channel %s assumed", submission_id, channel)
        raw_blob = store.put(raw_key, raw, content_type="message/rfc822")  # same bytes: its claim check

        def stored_uri(sha256: str, data: bytes, content_type: str) -> str | None:
            key = content_key("blobs", sha256)
            return store.put(key, data, content_type=content_type).uri if store.exists(key) else None

        return resubmission_event(
            raw, context=context, raw_blob=raw_blob, channel=channel, stored_uri=stored_uri, reading=reading
        )


def register_commands(runtime: StreamsRuntime, assembler: ApplicationAssembler) -> None:
    """Define `assemble-route` and `assemble-commands` on `runtime`, sharing `assembler`'s table."""
    routed_name = routed_topic_name(runtime.app.conf.id)
    routed = repartition_topic(runtime, routed_name, DOCUMENT_EXTRACTED.partitions)
    stage_agent(runtime, stage=ROUTE_STAGE, source=APPLICATION_CORRECTION, handle=route,
                topic_names={**runtime.topic_names, APPLICATION_CORRECTION.name: routed_name})
    applier = CommandApplier(assembler, assembler.services)
    stage_agent(
        runtime, stage=COMMAND_STAGE, source=APPLICATION_CORRECTION, handle=applier.handle, channel=routed
    )
