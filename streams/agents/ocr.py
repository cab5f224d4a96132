"""ocr agent: mca.page.ready -> mca.page.read, one event per page.

A page whose words are already known (text layer, skipped by a limit, unreadable) passes through.
A scanned page's cleaned image is fetched and read in the CPU pool by the pipeline's `read_page`
(Tesseract, one single-threaded process per core); its words, boxes and confidences are stored
and the page goes on keyed by application id, so one collector sees all pages of a document.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.topics import PAGE_READ, PAGE_READY
from streams import pipeline
from streams.agents.contracts import Output
from streams.agents.faust_agent import stage_agent
from streams.agents.services import StageServices, services_for
from streams.dlq import SourceMessage
from streams.pool import CpuPoolError
from streams.runtime import StreamsRuntime
from streams.stages.limits import Limits
from streams.stages.reading import PageReading
from streams.wire import pages as wire_pages

logger = logging.getLogger(__name__)

ENGINE = "tesseract"


@dataclass(frozen=True)
class OcrResult:
    """A page read by OCR, ready for the wire (or only a note when it could not be read)."""

    words: bytes
    reading: PageReading | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


def ocr_for_wire(page: Mapping[str, Any], png: bytes | None, limits: Limits) -> OcrResult:
    """OCR a page.ready page from its stored image (pool task); no image means a blank page."""
    image, dpi = wire_pages.image_from_png(png) if png is not None else (None, None)
    reading = pipeline.read_page(wire_pages.prepared_from_record(page, image, dpi), limits)
    return OcrResult(wire_pages.reading_to_json(reading), reading, dict(reading.timings))


class PageReader:
    """Reads one page.ready event into a page.read event."""

    def __init__(self, runtime: StreamsRuntime, services: StageServices) -> None:
        self.runtime = runtime
        self.services = services

    async def handle(self, value: dict[str, Any], source: SourceMessage) -> list[Output]:
        """mca.page.ready -> mca.page.read."""
        key = value["submission"]["application_id"]
        page = value["page"]
        if page["words"] is not None:
            return [Output(PAGE_READ.name, key=key, value=value)]
        png = await self.services.fetch(page["image"]) if page["image"] is not None else None
        try:
            result = await self.runtime.run_cpu(ocr_for_wire, page, png, self.services.limits)
        except CpuPoolError as exc:  # over the time limit, or a worker that keeps dying on it
            document_id = value["document"]["document_id"]
            logger.error("page %d of %s not read: %s", page["page_number"], document_id, exc)
            note = f"page {page['page_number']} not read: {exc}"
            result = OcrResult(wire_pages.note_to_json(note))
        words = await self.services.keep(
            "pages", result.words, suffix=".json", content_type="application/json"
        )
        record = wire_pages.page_record(
            page["page_number"],
            raster=page["raster"],
            width_pt=page["width_pt"],
            height_pt=page["height_pt"],
            rotation=page["rotation"],
            skew_degrees=page["skew_degrees"],
            dpi=page["dpi"],
            image=page["image"],
            words=words,
            reading=result.reading,
            engine=ENGINE if result.reading is not None else wire_pages.UNREADABLE,
        )
        timings = {**value.get("timings_ms", {}), **wire_pages.timings_ms(_ocr_steps(result.timings))}
        return [Output(PAGE_READ.name, key=key, value={**value, "page": record, "timings_ms": timings})]


def _ocr_steps(timings: Mapping[str, float]) -> dict[str, float]:
    # The reading repeats the render-side steps it was handed; only OCR's own steps are new here.
    return {step: seconds for step, seconds in timings.items() if step in ("ocr", "orientation")}


def register(runtime: StreamsRuntime) -> None:
    """Define the ocr agent on `runtime`."""
    reader = PageReader(runtime, services_for(runtime))
    stage_agent(
        runtime, stage="ocr", source=PAGE_READY, handle=reader.handle, concurrency=runtime.concurrency
    )
