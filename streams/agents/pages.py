"""assemble-pages agent: mca.page.read -> mca.document.read once every page of a document is read.

A Faust table keyed by document id collects the pages (its changelog makes it survive restarts);
when `page_count` pages are in, the document goes on with its pages in order. A page delivered
again is recognised: only the page that completed the document publishes it again (the first
publication may not have been acknowledged before a crash), with the same content. A reprocess run
carries a newer `reading` number: its pages are collected afresh (so a render or OCR change
applies), and pages of an older reading that arrive late change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from infra.topics import DOCUMENT_READ, PAGE_READ
from streams.agents.contracts import Output
from streams.agents.faust_agent import stage_agent
from streams.dlq import SourceMessage
from streams.runtime import StreamsRuntime
from streams.wire.jsonable import from_jsonable, to_jsonable

logger = logging.getLogger(__name__)

TABLE = "document-pages"


def document_read(value: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    """The mca.document.read event of a document whose pages `state` holds (by page number)."""
    pages = [state["pages"][n] for n in sorted(state["pages"], key=int)]
    timings: dict[str, float] = {}
    for page in pages:
        for step, ms in (page.get("timings_ms") or {}).items():
            timings[step] = round(timings.get(step, 0.0) + ms, 3)
    form = next((p["form_fields"] for p in pages if p.get("form_fields")), None)
    return {
        "submission": value["submission"],
        "document": value["document"],
        "doc_type": None,
        "status": None,
        "reason": None,
        "detail": None,
        "page_count": value["page_count"],
        "pages": [p["page"] for p in pages],
        "form_fields": form,
        "timings_ms": timings,
    }


def collect_page(state: Mapping[str, Any] | None, value: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The collector's state after `value` (a page.read event) and whether to publish the document
    now: when this page completes it, or is the completing page delivered again."""
    reading = int(value["submission"].get("reading") or 0)
    current: dict[str, Any] = dict(state or {"pages": {}, "completed_by": None})
    if reading < current.get("reading", 0):  # a page of a reading that a reprocess run superseded
        return current, False
    if reading > current.get("reading", 0):  # a reprocess run: its pages replace the earlier reading's
        current = {"pages": {}, "completed_by": None}
    current["reading"] = reading
    number = str(value["page"]["page_number"])
    if number in current["pages"]:
        return current, current.get("completed_by") == number
    page = {
        "page": value["page"],
        "timings_ms": value.get("timings_ms") or {},
        "form_fields": value.get("form_fields"),
    }
    current["pages"] = {**current["pages"], number: page}
    complete = len(current["pages"]) >= value["page_count"] and current.get("completed_by") is None
    if complete:
        current["completed_by"] = number
    return current, complete


class PageCollector:
    """The assemble-pages stage over its table (dict-like, document id -> collected pages)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    async def handle(self, value: dict[str, Any], source: SourceMessage) -> list[Output]:
        """One page.read event: record the page; publish the document once all its pages are in."""
        document_id = value["document"]["document_id"]
        raw = self.table.get(document_id)
        state, publish = collect_page(from_jsonable(raw) if raw is not None else None, value)
        self.table[document_id] = to_jsonable(state)
        if not publish:
            return []
        logger.info(
            "document %s: all %d page(s) read",
            document_id,
            value["page_count"],
            extra={"application_id": value["submission"]["application_id"]},
        )
        event = document_read(value, state)
        return [Output(DOCUMENT_READ.name, key=value["submission"]["application_id"], value=event)]


def register_collector(runtime: StreamsRuntime) -> None:
    """Define the assemble-pages agent and its table on `runtime`."""
    table = runtime.app.Table(TABLE, default=None, key_type=str)
    collector = PageCollector(table)
    stage_agent(runtime, stage="assemble-pages", source=PAGE_READ, handle=collector.handle)
