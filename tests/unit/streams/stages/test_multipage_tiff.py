"""A multi-page TIFF (how fax servers and many scanners deliver a statement) is a document of as
many pages as it has frames; every page is read. Other images stay one page (an animated GIF's
frames are not pages)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image

from api.ui.page_images import PageNotRenderableError, render_page
from streams.stages.limits import Limits
from streams.stages.reading import plan_document, read_document
from tests.unit.streams.edge_submissions import merchant_files

LIMITS = Limits()


def faxed(pdf: bytes, dpi: int = 200) -> bytes:
    """The pages of `pdf` as one multi-page TIFF (Group 4, as fax servers write them)."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = [document[i].render(scale=dpi / 72).to_pil().convert("1") for i in range(len(document))]
    finally:
        document.close()
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:], compression="group4",
                  dpi=(dpi, dpi))
    return buffer.getvalue()


def test_every_frame_of_a_tiff_is_a_page_and_is_read():
    statement = faxed(merchant_files().statement)

    plan = plan_document(statement, filename="statement.tif", content_type="image/tiff", limits=LIMITS)
    reading = read_document(statement, filename="statement.tif", content_type="image/tiff", limits=LIMITS)

    assert (plan.kind, plan.page_count, len(plan.pages)) == ("image", 4, 4)
    assert reading.status == "read"
    assert [page.page_number for page in reading.text.pages] == [1, 2, 3, 4]
    assert all(page.source == "ocr" and len(page.words) > 20 for page in reading.text.pages)


def test_a_tiff_with_more_frames_than_the_page_limit_is_refused_as_too_large():
    frames = [Image.new("1", (64, 64), 1) for _ in range(4)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])

    plan = plan_document(buffer.getvalue(), filename="x.tif", content_type="image/tiff",
                         limits=Limits(max_pages=3))

    assert (plan.status, plan.reason) == ("invalid", "too_large")


def test_an_animated_gif_is_one_page():
    frames = [Image.new("P", (64, 64), color) for color in (0, 1, 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])

    plan = plan_document(buffer.getvalue(), filename="logo.gif", content_type="image/gif", limits=LIMITS)

    assert (plan.page_count, len(plan.pages)) == (1, 1)


def test_the_viewer_shows_each_page_of_a_tiff_and_no_page_beyond_it():
    statement = faxed(merchant_files().statement, dpi=100)

    second = Image.open(io.BytesIO(render_page(statement, "image/tiff", 2, width=400)))

    assert second.width == 400
    with pytest.raises(PageNotRenderableError, match="no page 5"):
        render_page(statement, "image/tiff", 5)
