"""render's reuse of one opened PDF: planning a document and then rendering its pages opens it once
and extracts each text page's text once, and gives exactly what a fresh PdfSource gives."""

from __future__ import annotations

from streams.stages import render
from streams.stages.limits import Limits
from streams.stages.reading import plan_document, prepare_page
from streams.stages.render import (
    KEPT_TEXT_PAGES,
    PdfSource,
    forget_last_source,
    last_source,
    outline_pdf,
    render_pdf_page,
)
from tests.unit.streams.stages.test_render import text_pdf

LIMITS = Limits()
DOCUMENT = text_pdf([
    [(72, 720, "Legal Name"), (300, 720, "ACME LLC")],
    [(72, 700, "Ending Balance 4,819.25"), (72, 100, "Page two")],
])


def test_pages_rendered_after_planning_equal_those_of_a_fresh_source():
    forget_last_source()
    plan = plan_document(DOCUMENT, filename="a.pdf", content_type="application/pdf", limits=LIMITS)
    reused = [prepare_page(DOCUMENT, page, kind="pdf", limits=LIMITS).text for page in plan.pages]
    with PdfSource(DOCUMENT) as source:
        fresh = [source.render(page.index, LIMITS, page.kind).text for page in plan.pages]
    assert reused == fresh
    assert all(text is not None and text.words for text in reused)
    forget_last_source()


def test_planning_then_rendering_opens_the_document_once_even_from_a_copy_of_its_bytes():
    forget_last_source()
    outline_pdf(DOCUMENT, LIMITS)
    opened = last_source(DOCUMENT)
    render_pdf_page(bytes(bytearray(DOCUMENT)), 0, LIMITS, kind="text")
    assert last_source(bytes(bytearray(DOCUMENT))) is opened
    forget_last_source()


def test_a_text_page_is_extracted_once_between_planning_and_rendering(monkeypatch):
    forget_last_source()
    calls = []
    original = render.page_text
    monkeypatch.setattr(render, "page_text", lambda textpage: calls.append(1) or original(textpage))
    outline_pdf(DOCUMENT, LIMITS)
    render_pdf_page(DOCUMENT, 0, LIMITS, kind="text")
    render_pdf_page(DOCUMENT, 1, LIMITS, kind="text")
    assert len(calls) == 2
    forget_last_source()


def test_another_document_closes_the_one_kept_open():
    forget_last_source()
    first = last_source(DOCUMENT)
    other = text_pdf([[(72, 720, "Another document")]])
    assert last_source(other) is not first
    assert first.document.raw is None  # closed
    forget_last_source()


def test_no_more_than_the_kept_number_of_text_pages_stay_loaded():
    many = text_pdf([[(72, 720, f"Page {n} of many")] for n in range(KEPT_TEXT_PAGES + 3)])
    with PdfSource(many) as source:
        kinds = [source.page_kind(index, LIMITS) for index in range(KEPT_TEXT_PAGES + 3)]
        assert kinds == ["text"] * (KEPT_TEXT_PAGES + 3)
        assert len(source._layers) == KEPT_TEXT_PAGES
        last = source.render(KEPT_TEXT_PAGES + 2, LIMITS, "text").text
        expected = ["Page", str(KEPT_TEXT_PAGES + 2), "of", "many"]
        assert last is not None and [w.text for w in last.words] == expected
