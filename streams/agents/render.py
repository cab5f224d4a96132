"""render agent: mca.document.received -> mca.page.ready, one event per page of the document.

A document split already decided (ignored, invalid) or that planning refuses (encrypted, corrupt,
too large...) goes straight to mca.document.read with its status. Otherwise every page the plan
reads is rendered and cleaned in the CPU pool (`pipeline.render_page`): a text-layer page's words
are stored at once, a scanned page's cleaned image is stored for OCR. Pages a limit skips, and
pages that cannot be rendered, are announced too, so a collector always sees `page_count` pages.
Page events are keyed `document_id:page`, spreading one long statement over partitions.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from infra.topics import DOCUMENT_READ, DOCUMENT_RECEIVED, PAGE_READY
from streams import pipeline
from streams.agents.contracts import Output
from streams.agents.faust_agent import stage_agent
from streams.agents.services import StageServices, services_for
from streams.dlq import SourceMessage
from streams.pool import CpuPoolError
from streams.runtime import StreamsRuntime
from streams.stages.reading import DocumentPlan, PagePlan
from streams.wire import pages as wire_pages
from streams.wire.records import decided_fields, document_entry
from streams.wire.rendering import RenderedPage, render_for_wire

logger = logging.getLogger(__name__)

PAGE_PREFIX = "pages"
TEXT_PAGES_PER_TASK = 16


def refused_read(value: Mapping[str, Any], decided: pipeline.Decided) -> Output:
    """The mca.document.read event of a document that is not read (its status says why)."""
    event = {
        "submission": value["submission"],
        "document": value["document"],
        **decided_fields(decided),
        "page_count": 0,
        "pages": [],
        "form_fields": None,
        "timings_ms": {},
    }
    return Output(DOCUMENT_READ.name, key=value["submission"]["application_id"], value=event)


class DocumentRenderer:
    """Renders one document's pages in the pool and publishes them as page.ready events."""

    def __init__(self, runtime: StreamsRuntime, services: StageServices) -> None:
        self.runtime = runtime
        self.services = services

    async def handle(self, value: dict[str, Any], source: SourceMessage) -> list[Output]:
        """mca.document.received -> page.ready events (or one refused document.read)."""
        entry = document_entry(value["document"], value)
        if entry.decided is not None:
            return [refused_read(value, entry.decided)]
        data = await self.services.fetch(value["document"]["blob"])
        try:
            plan = await self.runtime.run_cpu(pipeline.plan_entry, entry, data, self.services.limits)
        except CpuPoolError as exc:
            plan = DocumentPlan("invalid", "corrupt", f"could not be opened: {exc}")
        decided = pipeline.decided_from_plan(plan)
        if decided is not None:
            return [refused_read(value, decided)]
        rendered = await self._render(data, plan)
        return await self._page_events(value, plan, rendered)

    async def _render(self, data: bytes, plan: DocumentPlan) -> dict[int, RenderedPage]:
        pages = pipeline.pages_to_render(plan)
        text = [p for p in pages if p.kind == "text"]
        batches = [text[i : i + TEXT_PAGES_PER_TASK] for i in range(0, len(text), TEXT_PAGES_PER_TASK)]
        batches += [[p] for p in pages if p.kind != "text"]
        done = await asyncio.gather(*(self._render_batch(data, plan, batch) for batch in batches))
        return {page.page_number: page for batch in done for page in batch}

    async def _render_batch(
        self, data: bytes, plan: DocumentPlan, batch: list[PagePlan]
    ) -> list[RenderedPage]:
        try:
            return await self.runtime.run_cpu(render_for_wire, data, plan, batch, self.services.limits)
        except CpuPoolError as exc:  # over the time limit, or a worker that keeps dying on it
            logger.error("pages %s not rendered: %s", [p.index + 1 for p in batch], exc)
            return [
                RenderedPage(
                    p.index + 1,
                    pipeline.page_is_raster(plan, p.index),
                    words=wire_pages.note_to_json(f"page {p.index + 1} not read: {exc}"),
                    engine=wire_pages.UNREADABLE,
                )
                for p in batch
            ]

    async def _page_events(
        self, value: Mapping[str, Any], plan: DocumentPlan, rendered: Mapping[int, RenderedPage]
    ) -> list[Output]:
        keep = self.services.keep
        form = None
        if plan.form_fields:
            text = json.dumps(dict(plan.form_fields), sort_keys=True).encode()
            form = await keep("forms", text, suffix=".json", content_type="application/json")
        skipped = None
        document_id = value["document"]["document_id"]
        outputs = []
        for number in range(1, plan.page_count + 1):
            page = rendered.get(number)
            if page is None:
                skipped = skipped or await keep(
                    PAGE_PREFIX,
                    wire_pages.note_to_json(None),
                    suffix=".json",
                    content_type="application/json",
                )
                record = wire_pages.page_record(
                    number,
                    raster=pipeline.page_is_raster(plan, number - 1),
                    words=skipped,
                    engine=wire_pages.SKIPPED,
                )
                timings: Mapping[str, float] = {}
            else:
                record = await self._page_record(page)
                timings = page.timings
            event = {
                "submission": value["submission"],
                "document": value["document"],
                "page_count": plan.page_count,
                "page": record,
                "form_fields": form,
                "timings_ms": wire_pages.timings_ms(timings),
            }
            outputs.append(Output(PAGE_READY.name, key=f"{document_id}:{number}", value=event))
        return outputs

    async def _page_record(self, page: RenderedPage) -> dict[str, Any]:
        keep = self.services.keep
        words = image = None
        if page.words is not None:
            words = await keep(PAGE_PREFIX, page.words, suffix=".json", content_type="application/json")
        if page.png is not None:
            image = await keep(PAGE_PREFIX, page.png, suffix=".png", content_type="image/png")
        record = wire_pages.page_record(
            page.page_number,
            raster=page.raster,
            width_pt=page.width_pt,
            height_pt=page.height_pt,
            text_layer=page.text_layer,
            rotation=page.rotation,
            skew_degrees=page.skew_deg,
            dpi=page.dpi,
            image=image,
            words=words,
            engine=page.engine,
        )
        record.update(word_count=page.word_count, mean_confidence=page.mean_confidence)
        return record


def register(runtime: StreamsRuntime) -> None:
    """Define the render agent on `runtime`."""
    renderer = DocumentRenderer(runtime, services_for(runtime))
    stage_agent(
        runtime,
        stage="render",
        source=DOCUMENT_RECEIVED,
        handle=renderer.handle,
        concurrency=runtime.concurrency,
    )
