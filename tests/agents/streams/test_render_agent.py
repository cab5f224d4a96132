"""The render agent: a document becomes one mca.page.ready event per page (text-layer words stored at
once, a scan's cleaned image stored for OCR), keyed document_id:page; refused documents go straight
to mca.document.read with their reason."""

from __future__ import annotations

import random

from infra.demo import edge_cases
from infra.topics import DOCUMENT_READ, DOCUMENT_RECEIVED, PAGE_READY
from streams.agents import render
from streams.stages.limits import Limits
from streams.wire import pages as wire_pages
from tests.unit.streams.edge_submissions import email, merchant_files
from tests.unit.streams.stage_chain import make_services
from tests.unit.streams.test_pipeline_wire import voided_check_photo

from .pipeline_support import harness, stage_events


async def render_documents(h, raw: bytes) -> None:
    render.register(h.runtime)
    received = (await stage_events(h.services, raw))[DOCUMENT_RECEIVED.name]
    async with h.agent("render").test_context() as ctx:
        for value in received:
            await ctx.put(h.encode(DOCUMENT_RECEIVED.name, value))


async def test_a_text_layer_document_becomes_one_page_event_per_page_with_its_words(tmp_path):
    h = harness(tmp_path)
    await render_documents(h, email([("Statement.pdf", merchant_files().statement, "application/pdf")]))
    pages = h.publisher.on(PAGE_READY.name)
    document_id = pages[0].value["document"]["document_id"]
    assert [p.key for p in pages] == [f"{document_id}:{n}".encode() for n in (1, 2, 3, 4)]
    for published in pages:
        page = published.value["page"]
        assert (page["text_layer"], page["raster"], page["engine"], page["image"]) == (
            True,
            False,
            "text_layer",
            None,
        )
        assert page["word_count"] > 0 and published.value["page_count"] == 4
        outcome = wire_pages.outcome_from_json(
            page["page_number"], False, h.services.store.get(page["words"]["uri"])
        )
        assert len(outcome.reading.text.words) == page["word_count"]


async def test_a_scanned_page_is_stored_as_a_cleaned_image_for_ocr(tmp_path):
    h = harness(tmp_path)
    await render_documents(h, email([voided_check_photo()]))
    [published] = h.publisher.on(PAGE_READY.name)
    page = published.value["page"]
    assert (page["raster"], page["text_layer"], page["words"]) == (True, False, None)
    image, dpi = wire_pages.image_from_png(h.services.store.get(page["image"]["uri"]))
    assert image.ndim == 2 and image.size > 0


async def test_refused_documents_go_straight_to_document_read_with_their_reason(tmp_path):
    h = harness(tmp_path)
    locked = edge_cases.password_locked(merchant_files().statement, random.Random(1))
    await render_documents(
        h, email([("Empty.pdf", b"", "application/pdf"), ("Locked.pdf", locked, "application/pdf")])
    )
    assert h.publisher.on(PAGE_READY.name) == []
    refused = [p.value for p in h.publisher.on(DOCUMENT_READ.name)]
    assert [(v["doc_type"], v["status"], v["reason"], v["pages"]) for v in refused] == [
        ("invalid", "invalid", "empty", []),
        ("invalid", "invalid", "encrypted", []),
    ]


async def test_pages_beyond_the_read_limit_are_announced_as_skipped_so_the_document_completes(tmp_path):
    h = harness(tmp_path, make_services(tmp_path / "objects", Limits(max_read_pages=1)))
    await render_documents(h, email([("Statement.pdf", merchant_files().statement, "application/pdf")]))
    pages = [p.value["page"] for p in h.publisher.on(PAGE_READY.name)]
    assert [(p["page_number"], p["engine"]) for p in pages] == [
        (1, "text_layer"),
        (2, "skipped"),
        (3, "skipped"),
        (4, "skipped"),
    ]
    assert all(p["words"] is not None for p in pages)
