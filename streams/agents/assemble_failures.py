"""assemble's failure agents: a dead letter of split, render, ocr, assemble-pages, extract or assemble
itself becomes the recorded outcome of the document (or submission) it failed, so the application
still completes. (assemble first fails a document it cannot take in on its own, in
streams/agents/assemble_records.py; its dead letter means the submission could not be assembled
when that document arrived, so that document counts as failed and the rest is assembled again.)

Design: assemble consumes mca.dlq; the stages are not asked to publish anything beside their dead
letter. The dead letter is the one source of truth of a failure (stage, error, original message),
it is already written before the failed message is acknowledged (streams/agents/base.py), and a
failure recorded nowhere else cannot disagree with it. Stages stay unaware of assemble.

- `assemble-dlq-route` reads mca.dlq and keeps the dead letters of those stages that name an
  application (base.py records it; an older dead letter's original is decoded to find it). It
  re-keys them by application id onto an internal repartition topic with the partition count of
  mca.document.extracted, through the same producer, so each meets its application's table value
  in the partition that holds it (as assemble-route does for commands).
- `assemble-failures` decodes each routed dead letter's original with its stage's source schema
  (streams/wire/failures.py), and records the document (split: the whole submission) as failed in
  assemble's table, under the assembler's lock. The document is `invalid` with reason
  `internal_error:<stage>:<error type>`; once every other document is in, the application is
  `failed`, with `status_detail` naming stage and document, and an `application.failed` event.

Crash safety, at any moment: every agent acknowledges in order, after its outputs (streams/agents/
acks.py), so a failure is routed and applied at least once. Applying it again is a no-op that
publishes the same outputs again (same version, same event ids): the table records what each
document's arrival emitted. A failure never overrides a reading: when a document is read after all
(a worker died after its output was acknowledged, and the redelivery failed), the reading stands.

`mca dlq replay` re-publishes the original: when the stage now succeeds, the document's
mca.document.extracted replaces the failure and the application is assembled again at the next
version with its real status and the corrections in force (streams/agents/assemble.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from infra.errors import MCAError
from infra.topics import DLQ, DOCUMENT_EXTRACTED
from streams.agents.assemble import ApplicationAssembler
from streams.agents.contracts import EventCodec, Output
from streams.agents.faust_agent import repartition_topic, stage_agent
from streams.dlq import SourceMessage, application_of
from streams.runtime import StreamsRuntime
from streams.wire.failures import failure_entry, source_schema

logger = logging.getLogger(__name__)

ROUTE_STAGE = "assemble-dlq-route"
FAILURE_STAGE = "assemble-failures"


def failures_topic_name(app_id: str) -> str:
    """The internal topic routed dead letters travel on (named like Faust's repartition topics)."""
    return f"{app_id}-{FAILURE_STAGE}-repartition"


async def decode_original(codec: EventCodec, dead_letter: Mapping[str, Any]) -> dict[str, Any] | None:
    """The dead letter's original message decoded with its stage's source schema; None when it is not
    a pipeline stage's, has no original, or the original does not decode (it was poison as bytes)."""
    schema = source_schema(dead_letter)
    if schema is None:
        return None
    try:
        return await asyncio.to_thread(codec.decode, schema, dead_letter["value"])
    except MCAError as exc:
        logger.warning(
            "dead letter of %s: original does not decode (%s); no document to fail", dead_letter["stage"], exc
        )
        return None


class FailureRouter:
    """Keeps the dead letters that fail a document and re-keys them by application id."""

    def __init__(self, codec: EventCodec, topic: str) -> None:
        self.codec = codec
        self.topic = topic

    async def handle(self, dead_letter: dict[str, Any], source: SourceMessage) -> list[Output]:
        """A dead letter of a stage upstream of assemble, keyed by its application id; else nothing."""
        if source_schema(dead_letter) is None:
            return []
        app_id = dead_letter.get("application_id") or application_of(
            await decode_original(self.codec, dead_letter)
        )
        if not app_id:
            logger.warning(
                "dead letter %s of %s names no application; it stays in the DLQ only",
                source.coordinates,
                dead_letter["stage"],
            )
            return []
        value = {**dead_letter, "application_id": app_id}
        return [Output(self.topic, key=app_id, value=value, schema=DLQ.name)]


class FailureApplier:
    """Records a routed dead letter's document as failed in assemble's table."""

    def __init__(self, assembler: ApplicationAssembler, codec: EventCodec) -> None:
        self.assembler = assembler
        self.codec = codec

    async def handle(self, dead_letter: dict[str, Any], source: SourceMessage) -> list[Output]:
        """One routed dead letter: its failure entry applied to the table (see the module doc)."""
        original = await decode_original(self.codec, dead_letter)
        entry = failure_entry(dead_letter, original) if original is not None else None
        if entry is None:
            logger.warning(
                "dead letter of %s (%s) names no submission; nothing recorded",
                dead_letter["stage"],
                source.coordinates,
                extra={"application_id": dead_letter.get("application_id")},
            )
            return []
        logger.warning(
            "%s failed (%s) on a document of application %s",
            dead_letter["stage"],
            dead_letter["error_type"],
            entry["submission"]["application_id"],
            extra={"application_id": entry["submission"]["application_id"]},
        )
        return await self.assembler.fail(entry)


def register_failures(runtime: StreamsRuntime, assembler: ApplicationAssembler) -> None:
    """Define `assemble-dlq-route` and `assemble-failures` on `runtime`, sharing `assembler`'s table."""
    routed_name = failures_topic_name(runtime.app.conf.id)
    routed = repartition_topic(runtime, routed_name, DOCUMENT_EXTRACTED.partitions)
    router = FailureRouter(runtime.codec, routed_name)
    stage_agent(runtime, stage=ROUTE_STAGE, source=DLQ, handle=router.handle)
    applier = FailureApplier(assembler, runtime.codec)
    stage_agent(runtime, stage=FAILURE_STAGE, source=DLQ, handle=applier.handle, channel=routed)
