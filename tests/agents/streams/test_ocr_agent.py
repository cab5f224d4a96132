"""The ocr agent: a scanned page's cleaned image is read into words with boxes and confidences,
stored in the object store; pages whose words are known already pass through."""

from __future__ import annotations

from infra.topics import PAGE_READ, PAGE_READY
from streams.agents import ocr
from streams.wire import pages as wire_pages
from tests.unit.streams.edge_submissions import email, merchant_files
from tests.unit.streams.test_pipeline_wire import voided_check_photo

from .pipeline_support import harness, stage_events


async def read_pages(h, raw: bytes) -> list[dict]:
    ocr.register(h.runtime)
    ready = (await stage_events(h.services, raw))[PAGE_READY.name]
    async with h.agent("ocr").test_context() as ctx:
        for value in ready:
            await ctx.put(h.encode(PAGE_READY.name, value))
    return ready


async def test_a_scanned_page_is_read_into_words_with_boxes_and_confidences(tmp_path):
    h = harness(tmp_path)
    [ready] = await read_pages(h, email([voided_check_photo()]))
    [published] = h.publisher.on(PAGE_READ.name)
    assert published.key == ready["submission"]["application_id"].encode()
    page = published.value["page"]
    assert page["engine"] == "tesseract" and page["word_count"] > 0 and 0 < page["mean_confidence"] <= 1
    outcome = wire_pages.outcome_from_json(1, True, h.services.store.get(page["words"]["uri"]))
    assert outcome.reading.text.source == "ocr"
    assert all(0 <= w.box.x0 <= w.box.x1 <= 1 for w in outcome.reading.text.words)
    assert "ocr" in published.value["timings_ms"]


async def test_a_text_layer_page_passes_through_unchanged(tmp_path):
    h = harness(tmp_path)
    ready = await read_pages(h, email([("Application.pdf", merchant_files().application, "application/pdf")]))
    assert [p.value for p in h.publisher.on(PAGE_READ.name)] == ready
