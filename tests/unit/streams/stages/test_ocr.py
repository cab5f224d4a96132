"""ocr: the Tesseract command line is built without Tesseract; pages are read into words with
page-fraction boxes and confidences; an upside-down page is turned and read (real Tesseract,
a handful of small pages)."""

from __future__ import annotations

import io
import os

import numpy as np
import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen import canvas

from streams.stages.limits import Limits
from streams.stages.ocr import OcrError, OcrParams, detect_orientation, legibility, ocr_page, tesseract_config
from streams.stages.reading import clean_rendered, ocr_prepared
from streams.stages.render import RenderedPage
from streams.stages.text import Box, PageText, Word

DPI = 200
PAGE = (432.0, 288.0)  # a 6 x 4 inch card keeps every OCR here well under a second
LINES = [
    "MERCHANT APPLICATION",
    "Legal Business Name Northside Services LLC",
    "Amount Requested $205,000.00",
    "Business Phone 702 891 5662",
    "Owner Name Aisha Perez",
    "Residence Address 3521 Industrial Drive",
]


def card_image(lines: list[str] = LINES, dpi: int = DPI) -> np.ndarray:
    """Lines of 14 pt text from the top-left of a card, rendered in grayscale at `dpi`."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE)
    pdf.setFont("Helvetica", 14)
    for i, line in enumerate(lines):
        pdf.drawString(30, PAGE[1] - 40 - i * 36, line)
    pdf.showPage()
    pdf.save()
    page = pdfium.PdfDocument(buffer.getvalue())[0]
    return page.render(scale=dpi / 72, grayscale=True).to_numpy().copy()


def test_config_asks_for_automatic_segmentation_and_the_lstm_engine_by_default():
    assert tesseract_config(OcrParams()) == "--psm 3 --oem 1"


def test_config_carries_resolution_whitelist_and_variables():
    variables = (("preserve_interword_spaces", "1"),)
    params = OcrParams(psm=6, dpi=300, whitelist="0123456789-", variables=variables)
    assert tesseract_config(params) == (
        "--psm 6 --oem 1 --dpi 300 -c preserve_interword_spaces=1 -c tessedit_char_whitelist=0123456789-"
    )


def test_config_quotes_values_with_spaces_and_refuses_odd_variable_names():
    assert tesseract_config(OcrParams(whitelist="A B")) == "--psm 3 --oem 1 -c 'tessedit_char_whitelist=A B'"
    with pytest.raises(ValueError):
        tesseract_config(OcrParams(variables=(("x; rm -rf", "1"),)))


def test_legibility_counts_confident_words_of_three_or_more_characters():
    def word(text: str, confidence: float) -> Word:
        return Word(text, Box(0, 0, 0.1, 0.1), confidence)

    page = PageText(1, 612, 792, (word("Balance", 0.95), word("2,547.14", 0.4), word("$", 0.1)), "ocr")
    assert legibility(page) == (0.5, 1)


def test_page_is_read_into_words_with_boxes_and_confidences():
    page = ocr_page(card_image(), dpi=DPI, timeout=60, page_number=3)
    assert page.source == "ocr" and page.page_number == 3
    assert (page.width_pt, page.height_pt) == pytest.approx(PAGE, abs=1)
    texts = [w.text for w in page.words]
    assert "Northside" in texts and "$205,000.00" in texts
    amount = next(w for w in page.words if w.text == "$205,000.00")
    assert 0 < amount.box.x0 < amount.box.x1 <= 1 and 0 < amount.box.y0 < amount.box.y1 <= 1
    assert amount.box.y0 == pytest.approx((40 + 2 * 36 - 10) / PAGE[1], abs=0.04)
    assert 0.6 <= amount.confidence <= 1.0
    requested = next(w for w in page.words if w.text == "Requested")
    assert requested.line == amount.line
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


def test_tesseract_past_its_time_limit_is_an_ocr_error():
    with pytest.raises(OcrError):
        ocr_page(np.tile(card_image(), (6, 6)), dpi=DPI, timeout=0.05)


def test_orientation_is_not_guessed_from_too_little_text():
    assert detect_orientation(card_image(["OK"]), dpi=DPI, timeout=30) == (0, 0.0)


def test_upside_down_page_is_turned_and_read():
    upside_down = np.ascontiguousarray(np.rot90(card_image(), 2))
    rendered = RenderedPage(1, PAGE[0], PAGE[1], True, None, upside_down, float(DPI))
    reading = ocr_prepared(clean_rendered(rendered), limits=Limits())
    assert reading.rotation == 180
    texts = [w.text for w in reading.text.words]
    assert "Northside" in texts and "$205,000.00" in texts
    assert reading.text.rotation == 180
    assert reading.timings["orientation"] > 0
