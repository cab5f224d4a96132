"""Page images for the document viewer: a PDF page rendered with pypdfium2, or an image document
as PNG, at a fixed width, cached in memory (bounded by bytes, least recently used first out).

There is no page-image endpoint in the API (the pipeline keeps cleaned page images for OCR only),
so the UI renders the original document's page itself. PDFium is not thread-safe: rendering runs
in a worker thread under one lock, never on the event loop. Provenance boxes are fractions of the
page, so they land on the same spot at any width.

Originals carry PII in clear, so a page shown to a caller without `pii:read` is `redact`ed first:
opaque boxes over where its PII fields were read. The cache keys every image by its redaction
(None for the clear page, the covered boxes otherwise), so a clear page is never answered from a
redacted key or the other way round.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from api.services.redaction import Box
from streams.stages import image_formats  # noqa: F401  (registers HEIC/HEIF with Pillow)

PAGE_WIDTH_PX = 1000
CACHE_BYTES = 64 * 1024 * 1024
REDACTION_MARGIN_PX = 4  # OCR boxes hug the glyphs; cover a little more than the box
_PDFIUM = threading.Lock()
Redaction = tuple[Box, ...] | None  # None: the clear page; else the boxes covered (maybe none)


class PageNotRenderableError(ValueError):
    """A page that does not exist, or a document that cannot be opened as PDF or image."""


def _png(image: Image.Image, width: int) -> bytes:
    if image.width != width:
        image = image.resize((width, max(1, round(image.height * width / image.width))))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def render_page(data: bytes, content_type: str, page: int, *, width: int = PAGE_WIDTH_PX) -> bytes:
    """PNG of 1-based `page` of a PDF or image document, `width` pixels wide (blocking). The bytes
    decide which it is (an email may call a PDF application/octet-stream).

    Raises PageNotRenderableError."""
    if content_type.startswith("image/") or b"%PDF" not in data[:1024]:
        try:
            with Image.open(io.BytesIO(data)) as image:
                if page != 1 and (image.format != "TIFF" or page > getattr(image, "n_frames", 1)):
                    raise PageNotRenderableError(f"no page {page}")  # only a TIFF's frames are pages
                image.seek(page - 1)
                image.load()
                return _png(image, width)
        except (OSError, ValueError, EOFError) as exc:
            raise PageNotRenderableError(f"not a readable image: {exc}") from exc
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data, password="")
        except pdfium.PdfiumError as exc:
            raise PageNotRenderableError(f"not a readable PDF: {exc}") from exc
        try:
            if not 1 <= page <= len(document):
                raise PageNotRenderableError(f"no page {page}")
            pdf_page = document[page - 1]
            scale = width / pdf_page.get_width()
            return _png(pdf_page.render(scale=scale).to_pil(), width)
        finally:
            document.close()


def redact(png: bytes, boxes: tuple[Box, ...], *, margin: int = REDACTION_MARGIN_PX) -> bytes:
    """`png` with an opaque black rectangle over each box (fractions of the page), each grown by
    `margin` pixels and clipped to the image; no boxes gives the same picture (blocking, pure)."""
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGB")
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in boxes:
        left, right = sorted((x0 * image.width, x1 * image.width))
        top, bottom = sorted((y0 * image.height, y1 * image.height))
        draw.rectangle(
            (
                max(0, round(left) - margin),
                max(0, round(top) - margin),
                min(image.width - 1, round(right) + margin),
                min(image.height - 1, round(bottom) + margin),
            ),
            fill=(0, 0, 0),
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


CacheKey = tuple[str, int, Redaction]


class PageImageCache:
    """Rendered pages by (document id, page, redaction), at most `max_bytes` in total. Thread-safe."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._size = 0
        self._items: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, document_id: str, page: int, redaction: Redaction) -> bytes | None:
        """The cached PNG of exactly this redaction (None: the clear page), or None."""
        key = (document_id, page, redaction)
        with self._lock:
            png = self._items.get(key)
            if png is not None:
                self._items.move_to_end(key)
            return png

    def put(self, document_id: str, page: int, redaction: Redaction, png: bytes) -> None:
        """Remember a PNG under its redaction (the least recently used go when over the bound)."""
        if len(png) > self._max_bytes:
            return
        key = (document_id, page, redaction)
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._items[key] = png
            self._size += len(png)
            while self._size > self._max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)
