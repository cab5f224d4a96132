"""render: from a PDF's or an image's bytes to pages that are either read text or images to OCR.

PDFs open with pypdfium2 (the empty password is tried; otherwise `encrypted`). A page whose text
layer is real text is read from it (plus AcroForm values laid out where their widgets are); any
other page is rendered in grayscale at the native resolution of the scan inside it (most scans
are 150-300 ppi; upscaling them lost whole rows of values), capped by the pixel limit; a page that
is nothing but one JPEG is decoded directly (scan_image.py), ten times faster than rendering. Images
are one-page documents whose declared size is checked before decoding (decompression bombs).
Unreadable input raises `UnreadableDocument` with a reason from the shared vocabulary.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from infra.errors import MCAError
from streams.stages.form_words import widget_words
from streams.stages.forms import FormContent, read_form
from streams.stages.limits import Limits
from streams.stages.scan_image import direct_scan
from streams.stages.sniff import describe_bytes, kind_from_bytes
from streams.stages.text import PageText, Word
from streams.stages.textlayer import Rect, layer_words, page_text, text_stats

logger = logging.getLogger(__name__)

PageKind = Literal["text", "raster", "vector"]

MIN_SCAN_DPI = 100.0  # a scan below this is rendered at this resolution (tiny text needs the pixels)
MAX_SCAN_DPI = 300.0  # finer scans are rendered down to this: Tesseract gains nothing above it
VECTOR_DPI = 300.0  # pages drawn without a text layer (outlined text) have no native resolution
MAX_WORK_PIXELS = 20_000_000  # pages and photos are cleaned and OCR'd at no more than this (tabloid at 300)
KEPT_TEXT_PAGES = 32  # text pages a PdfSource keeps loaded between planning and rendering (memory bound)


class UnreadableDocument(MCAError):
    """A document that cannot be read: `reason` is `empty`, `corrupt`, `encrypted`, `wrong_type`
    or `too_large`; `detail` says why (for `corrupt`, the parser's message)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class PdfOutline:
    """What opening a PDF tells: its page count, each page's kind (for the first pages), form values."""

    page_count: int
    page_kinds: tuple[PageKind, ...]
    form_fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedPage:
    """One page: either `text` (read from its text layer) or `image` (grayscale, to clean and OCR)
    at `dpi`. `raster` is true when the page is a scan or photo. Sizes are in points, as displayed."""

    page_number: int
    width_pt: float
    height_pt: float
    raster: bool
    text: PageText | None = None
    image: np.ndarray | None = field(default=None, repr=False)
    dpi: float | None = None
    seconds: float = 0.0


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """The PDF opened with pypdfium2, with the empty password when it needs one.

    Raises UnreadableDocument: `empty` (zero bytes), `encrypted` (another password is needed),
    `corrupt` (pdfium's message), `wrong_type` (the bytes are not a PDF).
    """
    if not data.strip():
        raise UnreadableDocument("empty", "zero bytes" if not data else "only whitespace")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code not in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            if kind_from_bytes(data) != "pdf":
                found = describe_bytes(data)
                raise UnreadableDocument("wrong_type", f"expected a PDF, found {found}") from exc
            raise UnreadableDocument("corrupt", str(exc)) from exc
        try:
            document = pdfium.PdfDocument(data, password="")
        except pdfium.PdfiumError:
            raise UnreadableDocument("encrypted", "a password is needed to open it") from exc
    if len(document) == 0:
        document.close()
        raise UnreadableDocument("corrupt", "the document has no pages")
    return document


@dataclass(frozen=True)
class _TextLayer:
    """A text page loaded and its text extracted when its kind was decided, kept open for `render`."""

    page: pdfium.PdfPage
    textpage: pdfium.PdfTextPage
    text: str

    def close(self) -> None:
        self.textpage.close()
        self.page.close()


class PdfSource:
    """An opened PDF, so that several pages are read without reopening it. Use as a context manager.

    A page found to be `text` by `page_kind` stays loaded, with its extracted text, until `render`
    reads it (or the source closes): planning then rendering a page extracts its text once (for
    the first KEPT_TEXT_PAGES such pages).
    Raises UnreadableDocument when the bytes cannot be opened (see `open_pdf`)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.document = open_pdf(data)
        self.has_form = self.document.get_formtype() != pdfium_c.FORMTYPE_NONE
        self._form: FormContent | None = None
        self._layers: dict[int, _TextLayer] = {}

    def __enter__(self) -> PdfSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the kept pages and the document."""
        for layer in self._layers.values():
            layer.close()
        self._layers.clear()
        self.document.close()

    @property
    def form(self) -> FormContent:
        """The AcroForm values and widgets (read once, with pypdf)."""
        if self._form is None:
            self._form = read_form(self.data) if self.has_form else FormContent({}, ())
        return self._form

    def outline(self, limits: Limits) -> PdfOutline:
        """Page count checked against `limits.max_pages`, the kind of the first `max_read_pages`
        pages (embedded images checked against the pixel limit), and the form values."""
        count = len(self.document)
        if count > limits.max_pages:
            raise UnreadableDocument("too_large", f"{count} pages, limit {limits.max_pages}")
        kinds = []
        for index in range(min(count, limits.max_read_pages)):
            try:
                kinds.append(self.page_kind(index, limits))
            except pdfium.PdfiumError as exc:  # the file lists the page but its content is broken
                raise UnreadableDocument("corrupt", f"page {index + 1}: {exc}") from exc
        return PdfOutline(count, tuple(kinds), dict(self.form.values))

    def page_kind(self, index: int, limits: Limits) -> PageKind:
        """`text` when the page's text layer is real text, `raster` when a scan covers it, else `vector`."""
        page = self.document[index]
        kept = False
        try:
            coverage = _image_area(page, limits, index) / max(_area(_crop_box(page)), 1.0)
            textpage = page.get_textpage()
            try:
                text = page_text(textpage)
                if text_stats(page, textpage, text).is_real(coverage):
                    kept = self._keep(index, _TextLayer(page, textpage, text))
                    return "text"
            finally:
                if not kept:
                    textpage.close()
            return "raster" if coverage > 0 else "vector"
        finally:
            if not kept:
                page.close()

    def _keep(self, index: int, layer: _TextLayer) -> bool:
        """Keep `layer` for `render` (True), unless KEPT_TEXT_PAGES are already kept (False)."""
        previous = self._layers.pop(index, None)
        if previous is not None:
            previous.close()
        if len(self._layers) >= KEPT_TEXT_PAGES:
            return False
        self._layers[index] = layer
        return True

    def render(self, index: int, limits: Limits, kind: PageKind | None = None) -> RenderedPage:
        """Page `index` (0-based): its text layer when that is real text, else a grayscale image."""
        started = time.perf_counter()
        if not 0 <= index < len(self.document):
            raise UnreadableDocument("corrupt", f"no page {index + 1} in {len(self.document)} pages")
        try:
            kind = kind or self.page_kind(index, limits)
            layer = self._layers.pop(index, None)
            if layer is not None and kind != "text":
                layer.close()
                layer = None
            page = layer.page if layer is not None else self.document[index]
            try:
                return self._render(page, index, kind, limits, started, layer)
            finally:
                if layer is not None:
                    layer.textpage.close()
                page.close()
        except pdfium.PdfiumError as exc:
            raise UnreadableDocument("corrupt", f"page {index + 1}: {exc}") from exc

    def _render(
        self,
        page: pdfium.PdfPage,
        index: int,
        kind: PageKind,
        limits: Limits,
        started: float,
        layer: _TextLayer | None,
    ) -> RenderedPage:
        crop, rotation = _crop_box(page), page.get_rotation() % 360
        width, height = _display_size(crop, rotation)
        if kind == "text":
            words = _text_words(page, layer, crop, rotation)
            if self.has_form:
                widgets = tuple(w for w in self.form.widgets if w.page_index == index)
                words += widget_words(widgets, crop, rotation, words)
            text = PageText(index + 1, width, height, words, "text_layer")
            return RenderedPage(index + 1, width, height, False, text, seconds=time.perf_counter() - started)
        dpi = _render_dpi(page, width, height, kind, limits)
        image = direct_scan(page, crop, dpi, limits.max_page_pixels) if kind == "raster" else None
        if image is None:
            bitmap = page.render(scale=dpi / 72.0, grayscale=True, may_draw_forms=False)
            pixels = np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
            image = pixels.reshape(bitmap.height, bitmap.width)
        seconds = time.perf_counter() - started
        return RenderedPage(index + 1, width, height, kind == "raster", None, image, dpi, seconds)


def _text_words(
    page: pdfium.PdfPage, layer: _TextLayer | None, crop: Rect, rotation: int
) -> tuple[Word, ...]:
    """The words of a text page, from the text `page_kind` already extracted when it kept it."""
    if layer is not None:
        return layer_words(layer.textpage, layer.text, crop, rotation)
    textpage = page.get_textpage()
    try:
        return layer_words(textpage, page_text(textpage), crop, rotation)
    finally:
        textpage.close()


_last = threading.local()


def last_source(data: bytes) -> PdfSource:
    """A PdfSource of `data`, shared by this thread's calls with the same bytes: a worker that plans a
    document and then renders its pages opens it, and extracts each text page, once. Opening another
    document closes the previous one. Owned by this cache: do not close it. Raises UnreadableDocument."""
    source: PdfSource | None = getattr(_last, "source", None)
    if source is not None and (source.data is data or source.data == data):
        return source
    forget_last_source()
    source = PdfSource(data)
    _last.source = source
    return source


def forget_last_source() -> None:
    """Close the PdfSource kept by `last_source` in this thread, if any."""
    source: PdfSource | None = getattr(_last, "source", None)
    _last.source = None
    if source is not None:
        source.close()


# Runs before pypdfium2's own exit hook (registered earlier, at its import), which warns of open PDFs.
atexit.register(forget_last_source)


def outline_pdf(data: bytes, limits: Limits) -> PdfOutline:
    """`PdfSource.outline` of `data` (through `last_source`, for `render_pdf_page` to reuse).
    Raises UnreadableDocument."""
    return last_source(data).outline(limits)


def render_pdf_page(data: bytes, index: int, limits: Limits, *, kind: PageKind | None = None) -> RenderedPage:
    """`PdfSource.render` of `data` (a worker handed one page; through `last_source`, so the pages of
    one document are read from one opened PDF). Raises UnreadableDocument."""
    return last_source(data).render(index, limits, kind)


def _images(page: pdfium.PdfPage) -> list[tuple[Rect, tuple[int, int]]]:
    found = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        try:
            found.append((tuple(obj.get_bounds()), tuple(obj.get_px_size())))
        except pdfium.PdfiumError:
            continue
    return found


def _image_area(page: pdfium.PdfPage, limits: Limits, index: int) -> float:
    area = 0.0
    for (left, bottom, right, top), (px_w, px_h) in _images(page):
        if px_w * px_h > limits.max_page_pixels:
            detail = f"page {index + 1}: image of {px_w}x{px_h} pixels, limit {limits.max_page_pixels}"
            raise UnreadableDocument("too_large", detail)
        area += _area((left, bottom, right, top))
    return area


def _render_dpi(page: pdfium.PdfPage, width: float, height: float, kind: PageKind, limits: Limits) -> float:
    dpi = VECTOR_DPI
    if kind == "raster":
        scans = [(bounds, px) for bounds, px in _images(page) if _area(bounds) > 0]
        if scans:
            (left, bottom, right, top), (px_w, px_h) = max(scans, key=lambda s: _area(s[0]))
            native = ((px_w * px_h) / ((right - left) * (top - bottom) / 72.0**2)) ** 0.5
            dpi = min(max(native, MIN_SCAN_DPI), MAX_SCAN_DPI)
    budget = min(limits.max_page_pixels, MAX_WORK_PIXELS)
    pixel_cap = (budget / max(width * height / 72.0**2, 1e-6)) ** 0.5
    return max(min(dpi, pixel_cap), 1.0)


def _area(rect: Rect) -> float:
    return max(rect[2] - rect[0], 0.0) * max(rect[3] - rect[1], 0.0)


def _crop_box(page: pdfium.PdfPage) -> Rect:
    left, bottom, right, top = page.get_cropbox()
    return (min(left, right), min(bottom, top), max(left, right), max(bottom, top))


def _display_size(crop: Rect, rotation: int) -> tuple[float, float]:
    width, height = crop[2] - crop[0], crop[3] - crop[1]
    return (height, width) if rotation in (90, 270) else (width, height)
