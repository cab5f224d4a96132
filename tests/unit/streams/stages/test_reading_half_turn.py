"""reading: an illegible page whose orientation Tesseract's OSD cannot tell is tried upside down
(real Tesseract on a small card)."""

from __future__ import annotations

import numpy as np
import pytest

from streams.stages import reading
from streams.stages.limits import Limits
from streams.stages.reading import clean_rendered, ocr_prepared
from streams.stages.render import RenderedPage
from tests.unit.streams.stages.test_ocr import DPI, PAGE, card_image


def test_an_upside_down_page_osd_is_unsure_of_is_still_turned_and_read(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reading, "detect_orientation", lambda image, **kwargs: (0, 0.48))
    upside_down = np.ascontiguousarray(np.rot90(card_image(), 2))
    rendered = RenderedPage(1, PAGE[0], PAGE[1], True, None, upside_down, float(DPI))
    page = ocr_prepared(clean_rendered(rendered), limits=Limits())
    assert page.rotation == 180 and page.text.rotation == 180
    assert "Northside" in [w.text for w in page.text.words]


def test_an_upright_page_osd_is_unsure_of_stays_as_it_is(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reading, "detect_orientation", lambda image, **kwargs: (0, 0.48))
    monkeypatch.setattr(reading, "ILLEGIBLE_SHARE", 1.01)  # every page asks: the upright one must win
    rendered = RenderedPage(1, PAGE[0], PAGE[1], True, None, card_image(), float(DPI))
    page = ocr_prepared(clean_rendered(rendered), limits=Limits())
    assert page.rotation == 0
    assert "Northside" in [w.text for w in page.text.words]
