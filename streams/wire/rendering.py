"""The render stage's pool task for the Faust path: `pipeline.render_page` over some pages of a
document, each page made ready for the wire (text-layer words as a JSON blob, a scan's cleaned
image as a PNG, or a note when the page could not be rendered)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from streams import pipeline
from streams.stages.limits import Limits
from streams.stages.reading import DocumentPlan, PagePlan
from streams.wire import pages as wire_pages


@dataclass(frozen=True)
class RenderedPage:
    """One rendered page, ready for the wire: words (text layer, or a note) or a cleaned PNG."""

    page_number: int
    raster: bool
    width_pt: float = 0.0
    height_pt: float = 0.0
    text_layer: bool = False
    dpi: float | None = None
    skew_deg: float = 0.0
    rotation: int = 0
    words: bytes | None = None
    png: bytes | None = None
    engine: str | None = None
    word_count: int = 0
    mean_confidence: float | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


def render_for_wire(
    data: bytes, plan: DocumentPlan, pages: Sequence[PagePlan], limits: Limits
) -> list[RenderedPage]:
    """`pipeline.render_page` over some pages of a document, each made ready for the wire (pool task)."""
    out = []
    for page in pages:
        raster = pipeline.page_is_raster(plan, page.index)
        rendered = pipeline.render_page(data, plan, page, limits)
        prepared = rendered.prepared
        if prepared is None:
            note = wire_pages.note_to_json(rendered.note, rendered.refusal)
            out.append(RenderedPage(rendered.page_number, raster, words=note, engine=wire_pages.UNREADABLE))
            continue
        width, height = prepared.width_pt, prepared.height_pt
        if prepared.text is not None:
            reading = pipeline.read_page(prepared, limits)
            scores = [w.confidence for w in reading.text.words]
            words = wire_pages.reading_to_json(reading)
            out.append(
                RenderedPage(
                    prepared.page_number,
                    raster,
                    width,
                    height,
                    text_layer=True,
                    words=words,
                    engine=wire_pages.TEXT_LAYER,
                    word_count=len(scores),
                    mean_confidence=round(sum(scores) / len(scores), 4) if scores else None,
                    timings=dict(reading.timings),
                )
            )
            continue
        png = None
        if prepared.image is not None and not prepared.blank:
            png = wire_pages.image_to_png(prepared.image, prepared.dpi)
        out.append(
            RenderedPage(
                prepared.page_number,
                raster,
                width,
                height,
                dpi=prepared.dpi,
                skew_deg=prepared.skew_deg,
                rotation=prepared.rotation,
                png=png,
                timings=dict(prepared.timings),
            )
        )
    return out
