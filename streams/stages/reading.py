"""reading: the per-document entry point, from a document's bytes to words with boxes.

Runs inside a process pool (call `configure_worker` as its initializer). `read_document` reads a
whole document; the Faust path fans pages out instead: `plan_document` once, then per page
`prepare_page` (render + clean, the render stage) and `ocr_prepared` (the ocr stage), or
`read_page` for both. `plan_document` and `read_document` never raise for bad input (the status
says what happened); the page-level functions raise UnreadableDocument for a page they cannot read.

Orientation: Tesseract OSD costs 0.6-0.8 CPU-seconds a page (half an OCR pass), so it runs
after deskew only when the OCR result looks illegible; the page is then turned as OSD says and
read again, and the more legible reading is kept.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import cv2
import numpy as np

from streams.stages.images import image_page_count, render_image
from streams.stages.limits import Limits
from streams.stages.ocr import (
    OSD_MIN_CONFIDENCE,
    OcrError,
    detect_orientation,
    legibility,
    ocr_page,
    sideways_share,
)
from streams.stages.preprocess import (
    MIN_SKEW_TO_ROTATE,
    clean_page,
    estimate_skew,
    rotate,
    rotate_quadrant,
)
from streams.stages.render import (
    PageKind,
    RenderedPage,
    UnreadableDocument,
    forget_last_source,
    last_source,
    outline_pdf,
    render_pdf_page,
)
from streams.stages.sniff import claimed_kind, describe_bytes, kind_from_bytes
from streams.stages.split import DocumentPart
from streams.stages.text import DocumentText, PageText

logger = logging.getLogger(__name__)

Status = Literal["read", "invalid", "ignored"]
STEPS = ("render", "deskew", "orientation", "cleaning", "ocr")
ASSUMED_PHOTO_DPI = 150.0  # cleaning scales its kernels by resolution; photos declare none
ILLEGIBLE_SHARE = 0.4  # below this share of legible words, OSD is asked whether the page is turned
SIDEWAYS_SHARE = 0.5  # above this share of words taller than wide, too (a page read sideways)


@dataclass(frozen=True)
class PagePlan:
    """A page to read: its 0-based index, its kind (None: let render look), and whether it is
    within the OCR page limit."""

    index: int
    kind: PageKind | None = None
    ocr_allowed: bool = True


@dataclass(frozen=True)
class DocumentPlan:
    """What a document is and which pages will be read. For `invalid` and `ignored` documents
    `reason` and `detail` say why and there are no pages."""

    status: Status
    reason: str | None = None
    detail: str = ""
    kind: Literal["pdf", "image"] | None = None
    page_count: int = 0
    pages: tuple[PagePlan, ...] = ()
    form_fields: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedPage:
    """A page after render and cleaning: `text` when its text layer was read, else the cleaned
    `image` (black on white, uint8) to OCR at `dpi` (None: unknown, a photo)."""

    page_number: int
    width_pt: float
    height_pt: float
    raster: bool
    text: PageText | None = None
    image: np.ndarray | None = field(default=None, repr=False)
    dpi: float | None = None
    skew_deg: float = 0.0
    rotation: int = 0
    blank: bool = False
    timings: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PageReading:
    """The words of one page and how they were obtained (`warning` when OCR failed or timed out)."""

    text: PageText
    raster: bool
    skew_deg: float = 0.0
    rotation: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)
    warning: str | None = None


@dataclass(frozen=True)
class DocumentReading:
    """The outcome of reading one document: status `read` (with its text), `invalid` (reason
    `empty`, `corrupt`, `encrypted`, `wrong_type`, `too_large`) or `ignored` (`unsupported_type`).
    `skew_deg` and `rotation` are the median skew and the most common turn of its OCR'd pages;
    `timings` sums seconds per step (render, deskew, orientation, cleaning, ocr)."""

    status: Status
    reason: str | None = None
    detail: str = ""
    page_count: int = 0
    raster: bool = False
    skew_deg: float = 0.0
    rotation: int = 0
    text: DocumentText = field(default_factory=lambda: DocumentText(()))
    timings: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def configure_worker() -> None:
    """Process-pool initializer: one thread per process for Tesseract (its OpenMP build is 6-7x
    slower when several run at once) and for OpenCV, since the pool already fills every core."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cv2.setNumThreads(1)


def plan_document(
    data: bytes, *, filename: str | None, content_type: str | None, limits: Limits
) -> DocumentPlan:
    """Decide what the bytes are and which pages to read, within `limits` (see limits.py)."""
    if len(data) > limits.attachment_max_bytes:
        return _refused("invalid", "too_large", f"{len(data)} bytes, limit {limits.attachment_max_bytes}")
    kind = kind_from_bytes(data)
    if kind not in ("pdf", "image"):
        claimed = claimed_kind(filename, content_type)
        if not data.strip():
            return _refused("invalid", "empty", "zero bytes" if not data else "only whitespace")
        found = describe_bytes(data)
        if claimed in ("pdf", "image"):
            return _refused("invalid", "wrong_type", f"named a {claimed.upper()} but is {found}")
        return _refused("ignored", "unsupported_type", f"{content_type or 'unknown type'}: {found}")
    if kind == "image":
        return _image_plan(image_page_count(data), limits)
    try:
        outline = outline_pdf(data, limits)
    except UnreadableDocument as exc:
        return _refused("invalid", exc.reason, exc.detail)
    pages, ocr_budget = [], limits.max_ocr_pages
    for index, page_kind in enumerate(outline.page_kinds):
        allowed = page_kind == "text" or ocr_budget > 0
        ocr_budget -= page_kind != "text"
        pages.append(PagePlan(index, page_kind, allowed))
    return DocumentPlan(
        "read", kind="pdf", page_count=outline.page_count, pages=tuple(pages),
        form_fields=outline.form_fields, warnings=_limit_warnings(outline.page_count, pages, limits),
    )


def _image_plan(page_count: int, limits: Limits) -> DocumentPlan:
    """The plan of an image file of `page_count` pages (a multi-page TIFF has several), all scans."""
    if page_count > limits.max_pages:
        return _refused("invalid", "too_large", f"{page_count} pages, limit {limits.max_pages}")
    pages = [
        PagePlan(index, "raster", index < limits.max_ocr_pages)
        for index in range(min(page_count, limits.max_read_pages))
    ]
    return DocumentPlan(
        "read", kind="image", page_count=page_count, pages=tuple(pages),
        warnings=_limit_warnings(page_count, pages, limits),
    )


def _refused(status: Status, reason: str, detail: str) -> DocumentPlan:
    return DocumentPlan(status, reason, detail)


def _limit_warnings(page_count: int, pages: list[PagePlan], limits: Limits) -> tuple[str, ...]:
    notes = []
    if page_count > len(pages):
        notes.append(f"pages {len(pages) + 1}-{page_count} not read (max_read_pages={limits.max_read_pages})")
    skipped = [p.index + 1 for p in pages if not p.ocr_allowed]
    if skipped:
        notes.append(f"{len(skipped)} scanned pages from page {skipped[0]} not OCR'd "
                     f"(max_ocr_pages={limits.max_ocr_pages})")
    return tuple(notes)


def prepare_page(
    data: bytes, page: PagePlan, *, kind: Literal["pdf", "image"], limits: Limits
) -> PreparedPage:
    """Render one page and, unless its text layer was read, clean it for OCR (the render stage).

    Raises UnreadableDocument when the page cannot be rendered."""
    if kind == "image":
        return clean_rendered(render_image(data, limits, page.index))
    return clean_rendered(render_pdf_page(data, page.index, limits, kind=page.kind))


def clean_rendered(rendered: RenderedPage) -> PreparedPage:
    """A rendered page made ready for OCR: deskewed and cleaned, in gray (text pages pass)."""
    timings = {"render": rendered.seconds}
    size = (rendered.width_pt, rendered.height_pt)
    if rendered.text is not None or rendered.image is None:
        return PreparedPage(rendered.page_number, *size, rendered.raster, rendered.text, timings=timings)
    cleaned = clean_page(rendered.image, dpi=rendered.dpi or ASSUMED_PHOTO_DPI)
    timings.update(cleaned.timings)
    return PreparedPage(
        rendered.page_number, *size, rendered.raster, None, cleaned.image,
        rendered.dpi, cleaned.skew_deg, cleaned.rotation, cleaned.blank, timings,
    )


def ocr_prepared(prepared: PreparedPage, *, limits: Limits) -> PageReading:
    """OCR a prepared page (the ocr stage); text-layer pages pass through. When the reading looks
    illegible, OSD decides whether the page is turned, and the better of the two readings is kept."""
    timings = dict(prepared.timings)
    if prepared.text is not None:
        return PageReading(prepared.text, prepared.raster, timings=timings)
    empty = PageText(prepared.page_number, prepared.width_pt, prepared.height_pt, (), "ocr")
    if prepared.image is None or prepared.blank:
        return PageReading(empty, prepared.raster, prepared.skew_deg, prepared.rotation, timings)
    timeout, dpi = limits.ocr_seconds_per_page, prepared.dpi
    skew, rotation = prepared.skew_deg, prepared.rotation
    try:
        started = time.perf_counter()
        page = ocr_page(prepared.image, dpi=dpi, timeout=timeout, page_number=prepared.page_number)
        timings["ocr"] = time.perf_counter() - started
        sideways = sideways_share(page) > SIDEWAYS_SHARE
        if legibility(page)[0] < ILLEGIBLE_SHARE or sideways:
            started = time.perf_counter()
            turn, confidence = detect_orientation(prepared.image, dpi=dpi, timeout=timeout)
            timings["orientation"] = timings.get("orientation", 0.0) + time.perf_counter() - started
            if turn and confidence >= OSD_MIN_CONFIDENCE:
                turned, extra_skew = _turn(prepared.image, turn, timings)
                started = time.perf_counter()
                second = ocr_page(turned, dpi=dpi, timeout=timeout, page_number=prepared.page_number)
                timings["ocr"] += time.perf_counter() - started
                upright = sideways and sideways_share(second) <= SIDEWAYS_SHARE
                if legibility(second)[1] > legibility(page)[1] - (1 if upright else 0):
                    page, rotation, skew = second, (rotation + turn) % 360, round(skew + extra_skew, 1)
            elif not sideways:
                # OSD unsure of an illegible page (a strongly skewed one fed upside down fools it):
                # read it turned half round, and keep that reading if it is the more legible
                started = time.perf_counter()
                half_turn = ocr_page(rotate_quadrant(prepared.image, 180), dpi=dpi, timeout=timeout,
                                     page_number=prepared.page_number)
                timings["ocr"] += time.perf_counter() - started
                if legibility(half_turn)[1] > 2 * legibility(page)[1]:
                    page, rotation = half_turn, (rotation + 180) % 360
    except OcrError as exc:
        logger.warning("page %d not read: %s", prepared.page_number, exc)
        return PageReading(empty, prepared.raster, skew, rotation, timings, str(exc))
    width, height = prepared.width_pt, prepared.height_pt
    if rotation in (90, 270):
        width, height = height, width
    page = replace(page, width_pt=width, height_pt=height, rotation=rotation, skew_degrees=skew)
    return PageReading(page, prepared.raster, skew, rotation, timings)


def _turn(image: np.ndarray, turn: int, timings: dict[str, float]) -> tuple[np.ndarray, float]:
    """The cleaned page turned upright; a page that was sideways is deskewed again."""
    started = time.perf_counter()
    turned, skew = rotate_quadrant(image, turn), 0.0
    if turn in (90, 270):
        skew = estimate_skew(turned)
        if abs(skew) >= MIN_SKEW_TO_ROTATE:
            turned = rotate(turned, skew)
    timings["deskew"] = timings.get("deskew", 0.0) + time.perf_counter() - started
    return turned, skew


def read_page(
    data: bytes, page_index: int, *, filename: str | None, content_type: str | None, limits: Limits
) -> PageReading:
    """Read one page (0-based) of a document: render, clean and OCR as needed.

    Raises UnreadableDocument when the document or the page cannot be read."""
    kind = kind_from_bytes(data)
    if kind not in ("pdf", "image"):
        raise UnreadableDocument("wrong_type", f"{filename or 'document'} is {describe_bytes(data)}")
    plan = PagePlan(page_index, "raster" if kind == "image" else None)
    return ocr_prepared(prepare_page(data, plan, kind=kind, limits=limits), limits=limits)


def read_document(
    data: bytes, *, filename: str | None, content_type: str | None, limits: Limits
) -> DocumentReading:
    """Read every page of a document within `limits`; never raises for bad input."""
    try:
        return _read_document(data, filename=filename, content_type=content_type, limits=limits)
    finally:
        forget_last_source()  # planned and read in one call: nothing comes back for the opened PDF


def _read_document(
    data: bytes, *, filename: str | None, content_type: str | None, limits: Limits
) -> DocumentReading:
    plan = plan_document(data, filename=filename, content_type=content_type, limits=limits)
    if plan.status != "read" or plan.kind is None:
        return DocumentReading(plan.status, plan.reason, plan.detail)
    notes = list(plan.warnings)
    try:
        if plan.kind == "image" and plan.page_count == 1:  # what is wrong with its one page is the document's
            readings = [ocr_prepared(clean_rendered(render_image(data, limits)), limits=limits)]
        else:
            readings = _read_pages(data, plan, limits, notes)
    except UnreadableDocument as exc:
        return DocumentReading("invalid", exc.reason, exc.detail)
    notes += [f"page {r.text.page_number}: {r.warning}" for r in readings if r.warning]
    if not readings and plan.pages:
        return DocumentReading("invalid", "corrupt", "; ".join(notes) or "no page could be read")
    return _assembled(plan, readings, notes)


def _read_pages(data: bytes, plan: DocumentPlan, limits: Limits, notes: list[str]) -> list[PageReading]:
    readings = []
    for page in plan.pages:
        if not page.ocr_allowed:
            continue
        try:
            if plan.kind == "image":
                rendered = render_image(data, limits, page.index)
            else:
                rendered = last_source(data).render(page.index, limits, page.kind)
        except UnreadableDocument as exc:
            notes.append(f"page {page.index + 1} not read: {exc.detail}")
            continue
        readings.append(ocr_prepared(clean_rendered(rendered), limits=limits))
    return readings


def read_part(part: DocumentPart, limits: Limits) -> DocumentReading:
    """Read a document found by split, honouring what split already knew (a zip over a limit...)."""
    if part.invalid_reason:
        return DocumentReading("invalid", part.invalid_reason, part.invalid_detail)
    return read_document(part.data, filename=part.filename, content_type=part.content_type, limits=limits)


def _assembled(plan: DocumentPlan, readings: list[PageReading], notes: list[str]) -> DocumentReading:
    ocr = [r for r in readings if r.text.source == "ocr" and r.raster]
    timings = {step: sum(r.timings.get(step, 0.0) for r in readings) for step in STEPS}
    return DocumentReading(
        status="read",
        page_count=plan.page_count,
        raster=plan.kind == "image" or any(p.kind == "raster" for p in plan.pages),
        skew_deg=round(statistics.median(r.skew_deg for r in ocr), 1) if ocr else 0.0,
        rotation=Counter(r.rotation for r in ocr).most_common(1)[0][0] if ocr else 0,
        text=DocumentText(tuple(r.text for r in readings), plan.form_fields),
        timings=timings,
        warnings=tuple(notes),
    )
