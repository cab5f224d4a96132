"""A scanned page that is nothing but one JPEG is decoded straight from its stream, giving the
picture pdfium would render; anything less simple is left to pdfium."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from streams.stages.scan_image import direct_scan

DPI = 150
MAX_PIXELS = 100_000_000


def scan_image() -> Image.Image:
    """A 4 x 3 inch gray 'scan' with some dark text-like bars on light paper."""
    image = Image.new("L", (4 * DPI, 3 * DPI), 235)
    draw = ImageDraw.Draw(image)
    for row in range(8):
        draw.rectangle((40, 30 + row * 50, 40 + 60 * (row % 5 + 2), 50 + row * 50), fill=20)
    return image


def scan_pdf(image: Image.Image, *, fmt: str = "JPEG", stamp: str | None = None) -> bytes:
    """A one-page PDF that is just `image` (embedded as JPEG or PNG), optionally with text on top."""
    encoded = io.BytesIO()
    image.save(encoded, format=fmt, quality=90)
    encoded.seek(0)
    size = (image.width * 72 / DPI, image.height * 72 / DPI)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=size)
    pdf.drawImage(ImageReader(encoded), 0, 0, width=size[0], height=size[1])
    if stamp:
        pdf.drawString(10, 10, stamp)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def decode_and_render(data: bytes, dpi: float) -> tuple[np.ndarray | None, np.ndarray]:
    document = pdfium.PdfDocument(data)
    page = document[0]
    crop = tuple(page.get_cropbox())
    direct = direct_scan(page, crop, dpi, MAX_PIXELS)
    rendered = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=False).to_numpy().copy()
    return direct, rendered


def test_a_jpeg_only_page_decodes_to_what_pdfium_renders():
    direct, rendered = decode_and_render(scan_pdf(scan_image()), DPI)
    assert direct is not None and direct.dtype == np.uint8
    assert abs(direct.shape[0] - rendered.shape[0]) <= 1 and abs(direct.shape[1] - rendered.shape[1]) <= 1
    rows, cols = min(direct.shape[0], rendered.shape[0]), min(direct.shape[1], rendered.shape[1])
    difference = np.abs(direct[:rows, :cols].astype(int) - rendered[:rows, :cols].astype(int))
    assert difference.mean() < 2.0


def test_a_page_read_below_its_native_resolution_is_scaled_down():
    direct, rendered = decode_and_render(scan_pdf(scan_image()), DPI / 2)
    assert direct is not None
    assert direct.shape == pytest.approx(rendered.shape, abs=1)


@pytest.mark.parametrize(
    "data",
    [scan_pdf(scan_image(), stamp="Bates 000123"), scan_pdf(scan_image(), fmt="PNG")],
    ids=["text drawn over the scan", "a PNG scan"],
)
def test_anything_but_a_lone_jpeg_is_left_to_pdfium(data):
    direct, _ = decode_and_render(data, DPI)
    assert direct is None
