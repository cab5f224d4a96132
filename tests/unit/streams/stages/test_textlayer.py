"""Words with boxes from a PDF text layer, and whether that layer is real text."""

from __future__ import annotations

import io
import random

import numpy as np
import pypdfium2 as pdfium
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from streams.stages.textlayer import (
    _char_classes,
    is_printable,
    layer_words,
    page_text,
    rect_boxes,
    rect_to_box,
    text_stats,
)


def _pdf(lines: list[str], *, rotate: int = 0, invisible: str | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.setFont("Helvetica", 11)
    for n, text in enumerate(lines):
        pdf.drawString(72, 720 - 16 * n, text)
    if invisible is not None:
        hidden = pdf.beginText(72, 300)
        hidden.setTextRenderMode(3)
        hidden.textLine(invisible)
        pdf.drawText(hidden)
    if rotate:
        pdf.setPageRotation(rotate)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _read(data: bytes) -> tuple[pdfium.PdfDocument, pdfium.PdfPage, pdfium.PdfTextPage]:
    document = pdfium.PdfDocument(data)
    page = document[0]
    return document, page, page.get_textpage()


def test_rect_boxes_are_exactly_rect_to_box_for_every_rotation():
    rng = random.Random(3)
    crop = (12.0, 18.0, 600.0, 780.0)
    rects = []
    for _ in range(300):
        x0, y0 = rng.uniform(-20, 640), rng.uniform(-20, 800)
        rects.append((x0, y0, x0 + rng.uniform(-5, 60), y0 + rng.uniform(-2, 14)))
    array = np.array(rects, dtype=np.float64)
    for rotation in (0, 90, 180, 270):
        assert rect_boxes(array, crop, rotation) == [rect_to_box(r, crop, rotation) for r in rects]
    assert rect_boxes(np.zeros((0, 4)), crop, 0) == []


def test_character_classes_agree_with_is_printable_and_isalnum():
    text = "Total: $1,234.56\n\tÉtat – août ½ ² ™ \u00a0\u200b\ufffd\ue000 日本 x_y"
    printable, alnum = _char_classes(text)
    assert printable.tolist() == [is_printable(ch) for ch in text]
    assert alnum.tolist() == [ch.isalnum() for ch in text]


def test_words_come_in_reading_order_with_lines_and_boxes_inside_the_page():
    document, page, textpage = _read(_pdf(["Legal Name: Acme LLC", "Federal Tax ID: 12-3456789"]))
    try:
        words = layer_words(textpage, page_text(textpage), (0.0, 0.0, 612.0, 792.0), 0)
    finally:
        textpage.close()
        page.close()
        document.close()
    assert [w.text for w in words] == ["Legal", "Name:", "Acme", "LLC", "Federal", "Tax", "ID:", "12-3456789"]
    assert [w.line for w in words] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert all(0.0 <= w.box.x0 < w.box.x1 <= 1.0 and 0.0 <= w.box.y0 < w.box.y1 <= 1.0 for w in words)
    assert words[0].box.x0 < words[1].box.x0 and words[0].box.y0 < words[4].box.y0


def test_rotated_page_boxes_follow_the_displayed_page():
    document, page, textpage = _read(_pdf(["Rotated statement line"], rotate=90))
    try:
        words = layer_words(textpage, page_text(textpage), (0.0, 0.0, 612.0, 792.0), 90)
    finally:
        textpage.close()
        page.close()
        document.close()
    # drawn near the top left of the unrotated page: near the top right once turned clockwise
    assert [w.text for w in words] == ["Rotated", "statement", "line"]
    assert all(w.box.x0 > 0.8 for w in words)
    assert words[0].box.y0 < words[1].box.y0 < words[2].box.y0


def test_text_stats_count_visible_text_and_leave_out_an_invisible_layer():
    document, page, textpage = _read(_pdf(["Hello world 123"]))
    try:
        stats = text_stats(page, textpage, page_text(textpage))
    finally:
        textpage.close()
        page.close()
        document.close()
    assert (stats.visible_printable, stats.alnum, stats.unmapped_share) == (13, 13, 0.0)

    document, page, textpage = _read(_pdf(["Hi!"], invisible="hidden scanner OCR layer"))
    try:
        stats = text_stats(page, textpage, page_text(textpage))
    finally:
        textpage.close()
        page.close()
        document.close()
    assert (stats.visible_printable, stats.alnum) == (3, 2)
