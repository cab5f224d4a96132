"""render and reading: every bad kind of document gets its status and reason; good PDFs give
words with boxes where the text is. Fixtures are built in code (reportlab, pypdf, Pillow)."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from streams.stages.limits import Limits
from streams.stages.reading import plan_document, read_document, read_page, read_part
from streams.stages.render import render_pdf_page
from streams.stages.split import DocumentPart

LIMITS = Limits()
WIDTH, HEIGHT = letter


def text_pdf(pages: list[list[tuple[float, float, str]]], font_size: float = 12) -> bytes:
    """A PDF whose pages carry `text` drawn with its baseline at (x, y) points from the bottom-left."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    for page in pages:
        pdf.setFont("Helvetica", font_size)
        for x, y, text in page:
            pdf.drawString(x, y, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


STATEMENT = text_pdf([
    [(72, 720, "Legal Name"), (300, 720, "ACME LLC"), (72, 100, "Ending Balance 4,819.25")],
])


def encrypted(pdf: bytes, *, user: str, owner: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def scanned_pdf(image: Image.Image, dpi: float, pages: int = 1) -> bytes:
    """A PDF whose pages are just `image`, placed at `dpi` (an image-only scan)."""
    size = (image.width * 72 / dpi, image.height * 72 / dpi)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=size)
    for _ in range(pages):
        pdf.drawImage(ImageReader(image), 0, 0, width=size[0], height=size[1])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height pixels, with almost no data: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def read(data: bytes, filename: str = "document.pdf", limits: Limits = LIMITS):
    return read_document(data, filename=filename, content_type="application/pdf", limits=limits)


def test_truncated_pdf_becomes_invalid_corrupt_with_the_parser_message():
    reading = read(STATEMENT[: len(STATEMENT) // 2])
    assert (reading.status, reading.reason) == ("invalid", "corrupt")
    assert "PDFium" in reading.detail
    assert reading.page_count == 0


def test_password_protected_pdf_becomes_invalid_encrypted():
    reading = read(encrypted(STATEMENT, user="s3cret", owner="owner"))
    assert (reading.status, reading.reason) == ("invalid", "encrypted")


def test_pdf_protected_only_by_an_owner_password_opens_and_is_read():
    reading = read(encrypted(STATEMENT, user="", owner="owner"))
    assert reading.status == "read"
    assert "ACME" in [w.text for w in reading.text.pages[0].words]


def test_zero_byte_pdf_becomes_invalid_empty():
    reading = read(b"", filename="voided check.pdf")
    assert (reading.status, reading.reason, reading.page_count) == ("invalid", "empty", 0)


def test_html_saved_as_pdf_becomes_invalid_wrong_type():
    html = b"<!DOCTYPE html>\n<html><body><h1>Your session expired</h1></body></html>"
    reading = read(html, "statement.pdf")
    assert (reading.status, reading.reason) == ("invalid", "wrong_type")
    assert "HTML" in reading.detail


def test_decompression_bomb_image_becomes_invalid_too_large_without_decoding():
    started = time.perf_counter()
    bomb = png_declaring(60_000, 60_000)
    reading = read_document(bomb, filename="DL.png", content_type="image/png", limits=LIMITS)
    assert (reading.status, reading.reason) == ("invalid", "too_large")
    assert "decompression bomb" in reading.detail
    assert time.perf_counter() - started < 5  # refused from the header: 3.6 G pixels were never decoded


def test_image_over_the_pixel_limit_is_too_large():
    buffer = io.BytesIO()
    Image.new("L", (200, 100), 255).save(buffer, "PNG")
    reading = read_document(buffer.getvalue(), filename="scan.png", content_type="image/png",
                            limits=Limits(max_page_pixels=10_000))
    assert (reading.status, reading.reason) == ("invalid", "too_large")


def test_image_named_jpg_that_is_not_an_image_is_wrong_type():
    reading = read_document(b"no, plain text", filename="VC.jpg", content_type="image/jpeg", limits=LIMITS)
    assert (reading.status, reading.reason) == ("invalid", "wrong_type")


def test_truncated_jpeg_is_corrupt():
    buffer = io.BytesIO()
    Image.new("L", (300, 200), 128).save(buffer, "JPEG")
    data = buffer.getvalue()[:200]
    reading = read_document(data, filename="VC.jpg", content_type="image/jpeg", limits=LIMITS)
    assert (reading.status, reading.reason) == ("invalid", "corrupt")


def test_300_page_pdf_stays_within_the_limits_and_is_not_invalid():
    data = text_pdf([[(72, 720, f"Supplier catalogue page {n}")] for n in range(1, 301)])
    started = time.perf_counter()
    reading = read(data, "catalogue.pdf")
    assert reading.status == "read"
    assert reading.page_count == 300
    assert len(reading.text.pages) == LIMITS.max_read_pages
    assert any("not read" in note for note in reading.warnings)
    assert time.perf_counter() - started < 60


def test_pdf_over_the_page_limit_is_invalid_too_large():
    data = text_pdf([[(72, 720, "page")]] * 12)
    reading = read(data, limits=Limits(max_pages=10))
    assert (reading.status, reading.reason) == ("invalid", "too_large")


def test_scanned_pages_beyond_the_ocr_limit_are_planned_but_not_ocred():
    data = scanned_pdf(Image.new("L", (300, 400), 255), dpi=100, pages=3)
    limits = Limits(max_ocr_pages=1)
    plan = plan_document(data, filename="scan.pdf", content_type="application/pdf", limits=limits)
    assert plan.status == "read" and plan.page_count == 3
    assert [p.kind for p in plan.pages] == ["raster"] * 3
    assert [p.ocr_allowed for p in plan.pages] == [True, False, False]
    assert any("not OCR'd" in note for note in plan.warnings)


def test_unsupported_bytes_are_ignored():
    reading = read_document(b"PK\x03\x04docx", filename="Notes.docx", content_type="application/msword",
                            limits=LIMITS)
    assert (reading.status, reading.reason) == ("ignored", "unsupported_type")


def test_what_split_already_refused_stays_invalid():
    part = DocumentPart("2", "big.zip", "application/zip", b"PK", "0" * 64, "attachment", None, "too_large")
    reading = read_part(part, LIMITS)
    assert (reading.status, reading.reason) == ("invalid", "too_large")


def test_text_layer_words_have_boxes_where_the_text_is():
    reading = read(STATEMENT)
    assert (reading.status, reading.page_count, reading.raster) == ("read", 1, False)
    page = reading.text.pages[0]
    assert page.source == "text_layer" and (page.width_pt, page.height_pt) == (WIDTH, HEIGHT)
    words = {w.text: w for w in page.words}
    assert [w.text for w in page.words] == ["Legal", "Name", "ACME", "LLC", "Ending", "Balance", "4,819.25"]
    legal, acme, ending = words["Legal"], words["ACME"], words["Ending"]
    assert legal.box.x0 == pytest.approx(72 / WIDTH, abs=0.005)
    assert acme.box.x0 == pytest.approx(300 / WIDTH, abs=0.005)
    assert legal.box.y1 == pytest.approx((HEIGHT - 720) / HEIGHT, abs=0.005)  # baseline at y=720
    assert ending.box.y1 == pytest.approx((HEIGHT - 100) / HEIGHT, abs=0.005)
    assert legal.line == acme.line != ending.line
    assert all(w.confidence == 1.0 for w in page.words)


def test_rotated_page_boxes_follow_the_page_as_displayed():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(STATEMENT)))
    writer.pages[0].rotate(90)
    buffer = io.BytesIO()
    writer.write(buffer)
    page = read(buffer.getvalue()).text.pages[0]
    assert (page.width_pt, page.height_pt) == (HEIGHT, WIDTH)
    legal = next(w for w in page.words if w.text == "Legal")
    # turned a quarter clockwise, the top-left corner of the page is shown at the top-right
    assert legal.box.x1 == pytest.approx(1 - (HEIGHT - 720 - 12) / HEIGHT, abs=0.02)
    assert legal.box.y0 == pytest.approx(72 / WIDTH, abs=0.01)


def test_acroform_values_are_read_and_laid_out_next_to_their_labels():
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.drawString(72, 700, "Legal Business Name")
    pdf.acroForm.textfield(name="legal_name", value="Northside Services LLC", x=250, y=695, width=250,
                           height=18)
    pdf.drawString(72, 660, "Sole proprietor")
    pdf.acroForm.checkbox(name="sole_prop", checked=True, x=250, y=655, size=14)
    pdf.acroForm.checkbox(name="llc", checked=False, x=300, y=655, size=14)
    pdf.showPage()
    pdf.save()
    reading = read(buffer.getvalue(), "application.pdf")
    assert reading.status == "read"
    assert reading.text.form_fields["legal_name"] == "Northside Services LLC"
    assert reading.text.form_fields["sole_prop"] not in ("", "Off")
    assert reading.text.form_fields["llc"] == "Off"
    words = reading.text.pages[0].words
    northside = next(w for w in words if w.text == "Northside")
    assert 250 / WIDTH - 0.01 <= northside.box.x0 <= 500 / WIDTH
    assert northside.box.y0 == pytest.approx((HEIGHT - 713) / HEIGHT, abs=0.01)
    assert "\u2612" in [w.text for w in words]


def test_scanner_text_hidden_under_an_image_is_not_trusted():
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.drawImage(ImageReader(Image.new("L", (850, 1100), 255)), 0, 0, width=WIDTH, height=HEIGHT)
    hidden = pdf.beginText(72, 700)
    hidden.setTextRenderMode(3)
    hidden.textLine("invisible OCR layer of a scanner with plenty of characters in it")
    pdf.drawText(hidden)
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    plan = plan_document(data, filename="scan.pdf", content_type="application/pdf", limits=LIMITS)
    assert [p.kind for p in plan.pages] == ["raster"]


def test_symbol_soup_text_layer_is_not_real_text():
    data = text_pdf([[(72, 700, "#$%^&*()!@#$%^&*()_+{}|:<>?~#$%^&*()!@#$%^&*()")]])
    plan = plan_document(data, filename="x.pdf", content_type="application/pdf", limits=LIMITS)
    assert [p.kind for p in plan.pages] == ["vector"]


def test_scanned_page_renders_at_the_native_resolution_of_its_image():
    data = scanned_pdf(Image.new("L", (1275, 1650), 255), dpi=150)
    rendered = render_pdf_page(data, 0, LIMITS)
    assert rendered.raster and rendered.text is None
    assert rendered.dpi == pytest.approx(150, abs=1)
    assert rendered.image.shape == pytest.approx((1650, 1275), abs=2)


def test_blank_scanned_page_is_read_without_ocr():
    noise = np.random.default_rng(1).integers(238, 256, size=(1100, 850), dtype=np.uint8)
    reading = read(scanned_pdf(Image.fromarray(noise), dpi=100), "Document.pdf")
    assert (reading.status, reading.raster) == ("read", True)
    assert reading.text.pages[0].words == ()
    assert reading.timings["ocr"] == 0.0


def test_pages_are_readable_one_at_a_time():
    data = text_pdf([[(72, 720, "first page")], [(72, 720, "second page")]])
    page = read_page(data, 1, filename="x.pdf", content_type="application/pdf", limits=LIMITS)
    assert page.text.page_number == 2
    assert [w.text for w in page.text.words] == ["second", "page"]
