"""Re-read chosen pages of a document with the second engine (see second_engine.py).

`second_reading(data, document, pages, limits=...)` renders the scanned pages again, straightens
them exactly as the first reading did (the quarter turn and the deskew recorded on each PageText),
so boxes of both readings share one frame, and returns the document with those pages as the
second engine read them. Text-layer pages and pages not asked for stay as they were.

`Rereader` is what the extract stage receives: a function of the 1-based page numbers to re-read.
Build one with `rereader(data, limits)`; it is picklable (the CPU pool ships it to a worker).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from streams.stages import second_engine
from streams.stages.images import render_image
from streams.stages.limits import Limits
from streams.stages.preprocess import MIN_SKEW_TO_ROTATE, rotate, rotate_quadrant
from streams.stages.render import PdfSource, UnreadableDocument
from streams.stages.sniff import kind_from_bytes
from streams.stages.text import DocumentText, PageText

logger = logging.getLogger(__name__)

Rereader = Callable[[Sequence[int]], DocumentText]


def straightened(gray: np.ndarray, page: PageText) -> np.ndarray:
    """The rendered page turned and deskewed as the first reading recorded on `page`."""
    upright = rotate_quadrant(gray, page.rotation) if page.rotation else gray
    if abs(page.skew_degrees) >= MIN_SKEW_TO_ROTATE:
        upright = rotate(upright, page.skew_degrees)
    return upright


def second_reading(
    data: bytes, document: DocumentText, pages: Sequence[int], *, limits: Limits
) -> DocumentText:
    """`document` with its OCR'd pages among `pages` (1-based) read again by the second engine.

    A page that cannot be rendered again, or when the engine is not installed, keeps its first
    reading (logged); never raises for bad input."""
    wanted = {p.page_number for p in document.pages if p.page_number in set(pages) and p.source == "ocr"}
    if not wanted or not second_engine.available():
        return document
    kind = kind_from_bytes(data)
    images: dict[int, np.ndarray] = {}
    try:
        if kind == "image":
            photo = render_image(data, limits).image
            if photo is not None:
                images[1] = photo
        elif kind == "pdf":
            with PdfSource(data) as source:
                for number in sorted(wanted):
                    rendered = source.render(number - 1, limits, "raster")
                    if rendered.image is not None:
                        images[number] = rendered.image
    except UnreadableDocument as exc:
        logger.warning("second reading: page not rendered again: %s", exc.detail)
    reread = tuple(_read(page, images[page.page_number]) if page.page_number in images else page
                   for page in document.pages)
    return replace(document, pages=reread)


def _read(page: PageText, gray: np.ndarray) -> PageText:
    started = time.perf_counter()
    image = straightened(gray, page)
    try:
        found = second_engine.read_image(image)
    except Exception:  # the engine failing on one odd page must not lose the first reading
        logger.exception("second engine failed on page %d; keeping the first reading", page.page_number)
        return page
    words = second_engine.to_words(found, image.shape[1], image.shape[0])
    logger.debug("second engine read page %d: %d words in %.2fs", page.page_number, len(words),
                 time.perf_counter() - started)
    return replace(page, words=words)


def rereader(data: bytes, document: DocumentText, limits: Limits) -> Rereader:
    """A Rereader over the document `data` whose first reading is `document`."""
    return functools.partial(_reread, data, document, limits)


def _reread(data: bytes, document: DocumentText, limits: Limits, pages: Sequence[int]) -> DocumentText:
    return second_reading(data, document, pages, limits=limits)
