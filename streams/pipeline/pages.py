"""A document's pages: rendered and cleaned (render stage), read (ocr stage), and put back together
in page order into the document's words (before extract)."""

from __future__ import annotations

import logging
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from streams.pipeline.documents import Decided
from streams.stages.limits import Limits
from streams.stages.reading import (
    DocumentPlan,
    PagePlan,
    PageReading,
    PreparedPage,
    ocr_prepared,
    prepare_page,
)
from streams.stages.render import UnreadableDocument
from streams.stages.text import DocumentText

logger = logging.getLogger(__name__)


def pages_to_render(plan: DocumentPlan) -> list[PagePlan]:
    """The planned pages that are read (within the OCR page limit), in order."""
    return [page for page in plan.pages if page.ocr_allowed]


def page_is_raster(plan: DocumentPlan, index: int) -> bool:
    """Whether page `index` (0-based) is a scan or photo, as far as the plan knows."""
    if plan.kind == "image":
        return True
    return index < len(plan.pages) and plan.pages[index].kind == "raster"


@dataclass(frozen=True)
class RenderedOutcome:
    """A page after render: `prepared` when it rendered, else `note` says why it could not. An image
    file of one page is that page: when it cannot be rendered, `refusal` is the whole document's outcome."""

    page_number: int
    prepared: PreparedPage | None
    note: str | None = None
    refusal: Decided | None = None


def render_page(data: bytes, plan: DocumentPlan, page: PagePlan, limits: Limits) -> RenderedOutcome:
    """Render and clean one page for OCR (the render stage); a page that cannot be rendered gets a note."""
    kind = plan.kind or "pdf"
    try:
        return RenderedOutcome(page.index + 1, prepare_page(data, page, kind=kind, limits=limits))
    except UnreadableDocument as exc:
        single_image = plan.kind == "image" and plan.page_count == 1
        refusal = Decided("invalid", "invalid", exc.reason, exc.detail) if single_image else None
        return RenderedOutcome(page.index + 1, None, f"page {page.index + 1} not read: {exc.detail}", refusal)
    except Exception as exc:  # see plan_entry
        logger.exception("rendering page %d failed", page.index + 1)
        return RenderedOutcome(page.index + 1, None, f"page {page.index + 1} not read: {type(exc).__name__}")


def read_page(prepared: PreparedPage, limits: Limits) -> PageReading:
    """OCR one prepared page (the ocr stage); text-layer pages pass through unchanged."""
    return ocr_prepared(prepared, limits=limits)


@dataclass(frozen=True)
class PageOutcome:
    """One page of a document after reading: `reading` is None when the page was not read (`note`
    says why: a render failure, and `refusal` when that refuses the whole document); pages skipped
    by a limit are simply absent."""

    page_number: int
    raster: bool
    reading: PageReading | None
    note: str | None = None
    refusal: Decided | None = None


def render_and_read_page(data: bytes, plan: DocumentPlan, page: PagePlan, limits: Limits) -> PageOutcome:
    """`render_page` then `read_page` in one call (what `mca extract` hands one pool worker)."""
    rendered = render_page(data, plan, page, limits)
    raster = page_is_raster(plan, page.index)
    if rendered.prepared is None:
        return PageOutcome(rendered.page_number, raster, None, rendered.note, rendered.refusal)
    return PageOutcome(rendered.page_number, raster, read_page(rendered.prepared, limits))


@dataclass(frozen=True)
class DocumentOutcome:
    """A document read (or refused): status, reason, page count, raster, skew, its words, and notes."""

    status: str
    reason: str | None = None
    detail: str = ""
    page_count: int = 0
    raster: bool = False
    skew_deg: float = 0.0
    text: DocumentText = field(default_factory=lambda: DocumentText(()))
    warnings: tuple[str, ...] = ()


def document_reading(
    *,
    page_count: int,
    planned_pages: int,
    raster: bool,
    outcomes: Sequence[PageOutcome],
    form_fields: Mapping[str, str],
) -> DocumentOutcome:
    """The pages of a document put back together in page order. `planned_pages` is how many pages the
    plan listed; when none of them could be read the document is `invalid` (for an image file with
    the reason its page gave, else `corrupt`)."""
    ordered = sorted(outcomes, key=lambda o: o.page_number)
    readings = [o.reading for o in ordered if o.reading is not None]
    refusal = next((o.refusal for o in ordered if o.refusal is not None), None)
    if refusal is not None and not readings:
        return refused_outcome(refusal)
    notes = [o.note for o in ordered if o.note]
    notes += [f"page {r.text.page_number}: {r.warning}" for r in readings if r.warning]
    if not readings and planned_pages:
        return DocumentOutcome("invalid", "corrupt", "; ".join(notes) or "no page could be read")
    scanned = [r for r in readings if r.raster and r.text.source == "ocr"]
    skew = round(statistics.median(r.skew_deg for r in scanned), 1) if scanned else 0.0
    return DocumentOutcome(
        "read",
        None,
        "",
        page_count,
        raster,
        skew,
        DocumentText(tuple(r.text for r in readings), dict(form_fields)),
        tuple(notes),
    )


def refused_outcome(decided: Decided) -> DocumentOutcome:
    """The outcome of a document that was never read."""
    return DocumentOutcome(decided.status, decided.reason, decided.detail)
