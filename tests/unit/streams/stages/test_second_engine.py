"""The second OCR engine: words recovered from run-together lines by the blank ink between them,
a MICR symbol read as two bars kept apart, boxes placed on the page; and the real engine on a
rendered page."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from streams.stages import second_engine
from streams.stages.second_engine import _doubled_glyphs, _line_words

PITCH = 24  # pixels per character of the synthetic line; 8 recogniser columns per 24 px at height 48
HEIGHT = 48


def synthetic_line(text: str, gaps: dict[int, int]):
    """A crop with one ink block per character (a blank of `gaps[i]` extra pixels before char i) and
    the recogniser's word info for it (characters at their block centres)."""
    x, centres = 4, []
    for i in range(len(text)):
        x += gaps.get(i, 0)
        centres.append(x + PITCH // 2)
        x += PITCH
    crop = np.full((HEIGHT, x + 4, 3), 255, np.uint8)
    for ch, centre in zip(text, centres, strict=True):
        if not ch.isspace():
            crop[10:38, centre - 10 : centre + 10] = 0
    columns = crop.shape[1] // 3
    char_columns = [[round(c / 3 - 0.5)] for c in centres]
    info = [columns, [[ch] for ch in text], char_columns, ["en&num"] * len(text), [0.99] * len(text)]
    quad = np.array([[100, 200], [100 + crop.shape[1], 200], [100 + crop.shape[1], 248], [100, 248]], float)
    return crop, quad, info


def test_a_run_together_line_is_split_where_the_ink_leaves_a_word_space():
    crop, quad, info = synthetic_line("MainStreet", {4: 20})
    words = _line_words(crop, quad, "MainStreet", info)
    assert [w.text for w in words] == ["Main", "Street"]
    assert words[0].x1 <= words[1].x0
    assert words[0].y0 == pytest.approx(200) and words[0].y1 == pytest.approx(248)


def test_letters_a_normal_pitch_apart_stay_one_word():
    crop, quad, info = synthetic_line("Partner", {})
    assert [w.text for w in _line_words(crop, quad, "Partner", info)] == ["Partner"]


def test_a_blank_that_parts_words_does_not_part_figures():
    crop, quad, info = synthetic_line("12/27/1991", {1: 8})
    assert [w.text for w in _line_words(crop, quad, "12/27/1991", info)] == ["12/27/1991"]
    crop, quad, info = synthetic_line("OakTree", {3: 8})
    assert [w.text for w in _line_words(crop, quad, "OakTree", info)] == ["Oak", "Tree"]


def test_a_whole_blank_character_cell_parts_the_fields_of_a_micr_line():
    crop, quad, info = synthetic_line("6174549335589757", {12: 24})
    assert [w.text for w in _line_words(crop, quad, "6174549335589757", info)] == ["617454933558", "9757"]


def test_spaces_the_recogniser_did_emit_are_kept():
    crop, quad, info = synthetic_line("Oak Properties", {})
    assert [w.text for w in _line_words(crop, quad, "Oak Properties", info)] == ["Oak", "Properties"]


def test_an_on_us_symbol_read_as_two_close_bars_is_a_word_of_its_own():
    chars = list("617454933558119757")
    positions = [3 * i for i in range(12)] + [35, 36] + [3 * i + 2 for i in range(12, 16)]
    assert _doubled_glyphs(chars, positions) == {12, 13}


def test_close_bars_inside_words_are_letters_not_symbols():
    chars = list("Williams")
    assert _doubled_glyphs(chars, [0, 3, 5, 6, 8, 11, 14, 17]) == set()


def test_engine_words_become_page_words_with_fractional_boxes():
    found = [second_engine.EngineWord("Acme", 100, 50, 300, 90, 0.97)]
    [word] = second_engine.to_words(found, 1000, 500)
    assert (word.text, word.confidence) == ("Acme", 0.97)
    assert (word.box.x0, word.box.y0, word.box.x1, word.box.y1) == (0.1, 0.1, 0.3, 0.18)


def test_the_real_engine_reads_a_rendered_label_and_value():
    pytest.importorskip("rapidocr_onnxruntime")
    page = np.full((220, 1100), 255, np.uint8)
    cv2.putText(page, "Legal Name", (40, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    cv2.putText(page, "Acme Widgets LLC", (520, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    cv2.putText(page, "EIN 12-3456789", (40, 170), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    words = [w.text for w in second_engine.read_image(page)]
    assert {"Legal", "Name", "Acme", "Widgets", "LLC", "12-3456789"} <= set(words)
