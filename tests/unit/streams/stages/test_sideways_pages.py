"""A page Tesseract read sideways, word by word and confidently, is recognised by its word boxes
(taller than wide), so the page is turned and read again."""

from __future__ import annotations

from streams.stages.ocr import sideways_share
from streams.stages.text import Box, PageText, Word


def page(boxes: list[Box]) -> PageText:
    return PageText(1, 612.0, 792.0, tuple(Word("STATEMENT", b, 0.95) for b in boxes), "ocr")


def test_words_taller_than_wide_mark_a_page_read_sideways():
    assert sideways_share(page([Box(0.10, 0.10, 0.12, 0.25), Box(0.20, 0.10, 0.22, 0.30)])) == 1.0


def test_an_upright_page_has_no_sideways_words():
    assert sideways_share(page([Box(0.10, 0.10, 0.30, 0.12), Box(0.40, 0.10, 0.55, 0.12)])) == 0.0


def test_an_empty_reading_is_not_sideways():
    assert sideways_share(page([])) == 0.0
