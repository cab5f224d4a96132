"""Scanned-looking documents: rasterise PDF pages, skew, soil and wrap them as image-only PDFs."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image, ImageFilter
from reportlab import rl_config
from reportlab.lib.utils import ImageReader

from infra.demo.image_kit import add_noise, encode
from infra.demo.pdf_kit import new_canvas

PPI_CHOICES = (150, 200, 200, 240, 300)


@dataclass(frozen=True)
class ScanResult:
    """An image-only PDF with its page count, skew and resolution."""

    data: bytes
    pages: int
    skew_deg: float
    ppi: int


def rasterise(pdf: bytes, ppi: int) -> list[Image.Image]:
    """Every page of `pdf` as a greyscale image at `ppi` (form field values included)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        doc.init_forms()
        return [
            doc[i].render(scale=ppi / 72, grayscale=True, may_draw_forms=True).to_pil().convert("L")
            for i in range(len(doc))
        ]
    finally:
        doc.close()


def pick_skew(rng: random.Random) -> float:
    """Mostly a few degrees either way, sometimes none, now and then up to about 15."""
    roll = rng.random()
    if roll < 0.2:
        return 0.0
    if roll < 0.9:
        return round(rng.uniform(-6, 6), 1) or 0.5
    return round(rng.choice((-1, 1)) * rng.uniform(8, 15), 1)


def degrade(page: Image.Image, rng: random.Random, skew: float, turn: int = 0) -> Image.Image:
    """A page as a scanner would return it: turned by `skew` degrees (counter-clockwise), noisy, soft,
    and rotated a further `turn` (0, 90, 180 or 270) when fed the wrong way round."""
    if skew:
        page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=rng.randint(235, 255))
    page = add_noise(page, rng, rng.uniform(2, 6))
    if rng.random() < 0.6:
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    if turn:
        page = page.rotate(turn, expand=True)
    return page


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Write image streams as binary, not ASCII85: a third smaller, and reportlab's pure-Python
    ASCII85 encoder would otherwise dominate the generator's run time."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def image_pdf(images: list[Image.Image], ppi: int, quality: int, title: str = "Scanned Document") -> bytes:
    """An image-only PDF: each image as a JPEG filling a page of its physical size at `ppi`."""
    buf = io.BytesIO()
    with _binary_streams():
        c = new_canvas(buf, title=title, creator="Scanner")
        for img in images:
            w, h = img.width * 72 / ppi, img.height * 72 / ppi
            c.setPageSize((w, h))
            c.drawImage(ImageReader(io.BytesIO(encode(img, "JPEG", quality))), 0, 0, w, h)
            c.showPage()
        c.save()
    return buf.getvalue()


def scan_pdf(pdf: bytes, rng: random.Random, skew: float | None = None) -> ScanResult:
    """`pdf` printed and scanned back: one skew for the whole document, now and then a page fed upside down
    or sideways."""
    ppi = rng.choice(PPI_CHOICES)
    skew = pick_skew(rng) if skew is None else skew
    pages = rasterise(pdf, ppi)
    out = []
    for page in pages:
        turn = rng.choice((90, 180, 270)) if rng.random() < 0.08 else 0
        out.append(degrade(page, rng, skew, turn))
    return ScanResult(image_pdf(out, ppi, rng.randint(40, 70)), len(out), skew, ppi)
