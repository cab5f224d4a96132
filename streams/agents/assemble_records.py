"""The application record of a complete submission, decided by the pipeline's pure
`assemble_submission` with the memory of the merchant's other submissions (a global table by EIN:
another ISO broker's copy, a same-ISO resubmission)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from infra.errors import TransientError
from streams import pipeline
from streams.agents.services import StageServices
from streams.pipeline import SubmissionInfo
from streams.stages.assemble import Application, DocumentResult
from streams.stages.assemble_memory import AssembleMemory, SeenSubmission
from streams.wire.application import application_record
from streams.wire.extracted import meta_from_extracted, result_from_extracted
from streams.wire.extraction import transactions_from_json
from streams.wire.failures import failed_result, failure_entry, is_failure, stage_failure

logger = logging.getLogger(__name__)


def _ein(app: Application) -> str | None:
    field = (app.merchant or {}).get("ein")
    return str(field.value) if field is not None and field.value else None


class RecordAssembler:
    """Builds version-1 records; `merchants` is the EIN table (dict-like), written as it learns."""

    def __init__(self, services: StageServices, merchants: Any) -> None:
        self.services = services
        self.merchants = merchants

    async def assemble(
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
        results = [failed_result(e) if is_failure(e) else await self._result_or_failure(e) for e in documents]
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

    async def _result_or_failure(self, event: Mapping[str, Any]) -> DocumentResult:
        """The document's result; a document assemble cannot take in (a bug meeting its fields) is
        failed on its own, as extract fails one, so its application still completes (as `failed`)."""
        try:
            return await self._result(event)
        except TransientError:
            raise
        except Exception as exc:
            logger.exception("assembling document %s failed", event["document"]["document_id"],
                             extra={"application_id": event["submission"]["application_id"]})
            entry = failure_entry({"stage": "assemble", "error_type": type(exc).__name__}, event)
            if entry is None:
                raise
            return failed_result(entry)

    async def _result(self, event: Mapping[str, Any]) -> DocumentResult:
        transactions: Sequence[Any] = ()
        if event.get("transactions"):
            transactions = transactions_from_json(await self.services.fetch(event["transactions"]))
        return result_from_extracted(event, self.services.ring, transactions)
