"""preprocess: deskew, orientation turns, contrast, binarisation and ruled-line removal on
synthetic pages whose skew, shading and lines are known."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from streams.stages.preprocess import (
    binarize,
    clean_page,
    estimate_skew,
    invert_dark_blocks,
    normalize_contrast,
    rotate,
    rotate_quadrant,
    rule_mask,
    to_gray,
)

DPI = 150


def page_image(lines: int = 30, dpi: int = DPI, draw=None) -> np.ndarray:
    """A letter page of `lines` lines of form-like text, rendered in grayscale at `dpi`."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.setFont("Helvetica", 11)
    for i in range(lines):
        pdf.drawString(72, 720 - i * 20, f"Line {i + 1}: Business Name Northside Mini Mart 8212 Franklin")
    if draw is not None:
        draw(pdf)
    pdf.showPage()
    pdf.save()
    page = pdfium.PdfDocument(buffer.getvalue())[0]
    return page.render(scale=dpi / 72, grayscale=True).to_numpy().copy()


def skewed(gray: np.ndarray, degrees: float) -> np.ndarray:
    """The page turned counter-clockwise by `degrees` on a larger white canvas (a crooked scan)."""
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    return cv2.warpAffine(gray, matrix, (new_width, new_height), borderValue=255)


@pytest.fixture(scope="module")
def text_page() -> np.ndarray:
    return page_image()


@pytest.mark.parametrize("degrees", [5, 15, 30, -5, -15, -30, 2.5])
def test_deskew_finds_a_known_skew_within_half_a_degree(text_page, degrees):
    assert estimate_skew(skewed(text_page, degrees)) == pytest.approx(degrees, abs=0.5)


def test_deskewed_page_has_no_skew_left(text_page):
    crooked = skewed(text_page, 15)
    assert estimate_skew(rotate(crooked, estimate_skew(crooked))) == pytest.approx(0, abs=0.5)


def test_straight_page_has_no_skew(text_page):
    assert estimate_skew(text_page) == 0.0


def test_deskew_is_not_fooled_by_a_dark_scanner_edge(text_page):
    crooked = skewed(text_page, 8)
    crooked[:, :40] = 20  # the black strip a flatbed leaves along one side
    assert estimate_skew(crooked) == pytest.approx(8, abs=0.5)


def test_blank_page_with_paper_grain_is_blank_and_not_skewed():
    grain = np.random.default_rng(0).integers(236, 256, size=(1650, 1275), dtype=np.uint8)
    cleaned = clean_page(grain, dpi=DPI)
    assert cleaned.blank and cleaned.skew_deg == 0.0
    assert cleaned.image.min() == 255


def test_clean_page_straightens_and_leaves_a_gray_page_of_dark_ink_on_white_paper(text_page):
    page = skewed(text_page, -7)
    cleaned = clean_page(page, dpi=DPI)
    assert cleaned.skew_deg == pytest.approx(-7, abs=0.5)
    assert not cleaned.blank and cleaned.rotation == 0
    assert cleaned.image.dtype == np.uint8 and cleaned.image.shape == page.shape
    assert np.median(cleaned.image) >= 250 and cleaned.image.min() <= 40
    assert {"deskew", "orientation", "cleaning"} <= set(cleaned.timings)


def _ruled_form(pdf):
    pdf.setLineWidth(0.8)
    for y in (715, 695, 675):
        pdf.line(60, y, 560, y)


def test_clean_page_removes_ruled_lines_from_fine_scans_only():
    fine = clean_page(page_image(lines=3, dpi=300, draw=_ruled_form), dpi=300)
    coarse = clean_page(page_image(lines=3, dpi=200, draw=_ruled_form), dpi=200)
    assert max(_longest_ink_run(row < 128) for row in fine.image) < 300 * 0.5
    assert max(_longest_ink_run(row < 128) for row in coarse.image) > 200 * 5


def test_clean_page_turns_the_page_as_the_orientation_detector_says(text_page):
    upside_down = rotate_quadrant(text_page, 180)
    cleaned = clean_page(upside_down, dpi=DPI, orientation=lambda image: 180)
    assert cleaned.rotation == 180
    ink_rows = np.nonzero((cleaned.image < 128).any(axis=1))[0]
    assert ink_rows[0] < text_page.shape[0] / 3  # the text block is back at the top


def test_rotate_quadrant_turns_clockwise():
    image = np.zeros((2, 3), np.uint8)
    image[0, 0] = 255
    turned = rotate_quadrant(image, 90)
    assert turned.shape == (3, 2) and turned[0, 1] == 255


def test_ruled_lines_are_removed_and_text_is_kept():
    def rules(pdf):
        pdf.setLineWidth(0.8)
        for y in (715, 695, 675):
            pdf.line(60, y, 560, y)
        pdf.line(60, 715, 60, 400)

    page = page_image(lines=3, draw=rules)
    binary = binarize(page)
    cleaned = cv2.bitwise_or(binary, rule_mask(page, DPI))
    longest_run = max(_longest_ink_run(row == 0) for row in cleaned)
    assert longest_run < DPI * 0.5  # no ink run as long as a rule is left
    assert np.count_nonzero(cleaned == 0) > 0.5 * np.count_nonzero(binarize(page_image(lines=3)) == 0)


def _longest_ink_run(ink: np.ndarray) -> int:
    """The longest run of True in a row of ink flags."""
    best = run = 0
    for value in ink:
        run = run + 1 if value else 0
        best = max(best, run)
    return best


def test_dark_header_bar_becomes_dark_text_on_white():
    page = np.full((600, 1200), 255, np.uint8)
    page[100:150, 100:1100] = 20  # a black bar
    cv2.putText(page, "OWNER INFORMATION", (120, 138), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    inverted = invert_dark_blocks(page, DPI)
    bar = inverted[100:150, 100:1100]
    assert (bar > 128).mean() > 0.6  # mostly paper now
    assert (bar < 128).any()  # with the letters dark


def test_ordinary_text_is_not_inverted(text_page):
    assert np.array_equal(invert_dark_blocks(text_page, DPI), text_page)


def test_contrast_normalisation_flattens_shading_to_white():
    shading = np.tile(np.linspace(120, 250, 800, dtype=np.float32), (600, 1)).astype(np.uint8)
    cv2.putText(shading, "Balance", (50, 300), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 4)
    flat = normalize_contrast(shading)
    paper = flat[50:100, :]
    assert paper.min() > 200  # the dark side of the page is paper again
    assert flat[250:310, 50:400].min() < 60  # and the word stays dark


def test_to_gray_composites_transparency_on_white():
    rgba = np.zeros((4, 4, 4), np.uint8)  # fully transparent black
    assert to_gray(rgba).min() == 255
    rgb = np.full((4, 4, 3), (255, 0, 0), np.uint8)
    assert to_gray(rgb).shape == (4, 4)
