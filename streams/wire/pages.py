"""Pages on the wire: a page's words as a JSON blob, a cleaned page image as a PNG blob, and the
Page record of mca.page.ready / mca.page.read, to and from the pipeline's page values.

The PNG is lossless and carries the exact resolution in a text chunk (the record's `dpi` is an
integer), so OCR of the stored image reads exactly what OCR of the in-memory page would.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

from streams.pipeline import Decided, PageOutcome
from streams.stages.reading import PageReading, PreparedPage
from streams.stages.text import Box, PageText, Word

DPI_CHUNK = "mca-dpi"
SKIPPED = "skipped"  # engine of a page not read because of a limit
UNREADABLE = "unreadable"  # engine of a page that could not be rendered or OCR'd
TEXT_LAYER = "text_layer"


def image_to_png(image: np.ndarray, dpi: float | None) -> bytes:
    """A cleaned page image (uint8, gray or binary) as PNG bytes, its exact resolution inside."""
    info = PngImagePlugin.PngInfo()
    if dpi is not None:
        info.add_text(DPI_CHUNK, repr(float(dpi)))
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8), mode="L").save(
        out, format="PNG", pnginfo=info, compress_level=1
    )
    return out.getvalue()


def image_from_png(data: bytes) -> tuple[np.ndarray, float | None]:
    """The image and resolution stored by `image_to_png`."""
    with Image.open(io.BytesIO(data)) as image:
        dpi_text = image.text.get(DPI_CHUNK) if hasattr(image, "text") else None
        pixels = np.array(image.convert("L"), dtype=np.uint8)
    return pixels, float(dpi_text) if dpi_text else None


def _box(box: Box) -> tuple[float, float, float, float]:
    return box.x0, box.y0, box.x1, box.y1


def _page_text_json(page: PageText) -> dict[str, Any]:
    return {
        "page_number": page.page_number,
        "width_pt": page.width_pt,
        "height_pt": page.height_pt,
        "source": page.source,
        "rotation": page.rotation,
        "skew_degrees": page.skew_degrees,
        "words": [[w.text, *_box(w.box), w.confidence, w.line, w.block] for w in page.words],
    }


def _page_text(data: Mapping[str, Any]) -> PageText:
    words = tuple(
        Word(text, Box(x0, y0, x1, y1), confidence, line, block)
        for text, x0, y0, x1, y1, confidence, line, block in data["words"]
    )
    return PageText(
        data["page_number"],
        data["width_pt"],
        data["height_pt"],
        words,
        data["source"],
        data.get("rotation", 0),
        data.get("skew_degrees", 0.0),
    )


def reading_to_json(reading: PageReading) -> bytes:
    """A page reading (words with boxes and confidences, and how it was read) as a JSON blob."""
    return json.dumps(
        {
            "page": _page_text_json(reading.text),
            "raster": reading.raster,
            "skew_deg": reading.skew_deg,
            "rotation": reading.rotation,
            "timings": dict(reading.timings),
            "warning": reading.warning,
        },
        separators=(",", ":"),
    ).encode()


def note_to_json(note: str | None, refusal: Decided | None = None) -> bytes:
    """The words blob of a page that was not read: only why (None for a page skipped by a limit),
    and the document's refusal when the page was an image file's only one."""
    value: dict[str, Any] = {"note": note}
    if refusal is not None:
        value["refusal"] = {"reason": refusal.reason, "detail": refusal.detail}
    return json.dumps(value, separators=(",", ":")).encode()


def outcome_from_json(page_number: int, raster: bool, data: bytes) -> PageOutcome:
    """The PageOutcome a words blob describes (a reading, or a note saying why there is none)."""
    value = json.loads(data)
    if "page" not in value:
        refused = value.get("refusal")
        refusal = Decided("invalid", "invalid", refused["reason"], refused["detail"]) if refused else None
        return PageOutcome(page_number, raster, None, value.get("note"), refusal)
    reading = PageReading(
        _page_text(value["page"]),
        value["raster"],
        value["skew_deg"],
        value["rotation"],
        value.get("timings") or {},
        value.get("warning"),
    )
    return PageOutcome(page_number, raster, reading)


def prepared_from_record(
    page: Mapping[str, Any], image: np.ndarray | None, dpi: float | None
) -> PreparedPage:
    """The PreparedPage a page.ready record (and its stored image) stands for, ready to OCR. A raster
    page without an image is a blank one."""
    return PreparedPage(
        page_number=page["page_number"],
        width_pt=page["width_pt"],
        height_pt=page["height_pt"],
        raster=page["raster"],
        text=None,
        image=image,
        dpi=dpi,
        skew_deg=page["skew_degrees"],
        rotation=page["rotation"],
        blank=image is None,
    )


def page_record(
    page_number: int,
    *,
    raster: bool,
    width_pt: float = 0.0,
    height_pt: float = 0.0,
    text_layer: bool = False,
    rotation: int = 0,
    skew_degrees: float = 0.0,
    dpi: float | None = None,
    image: Mapping[str, Any] | None = None,
    words: Mapping[str, Any] | None = None,
    reading: PageReading | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """A Page record; with `reading`, its word count, mean confidence, rotation and skew are filled in."""
    word_count, mean = 0, None
    if reading is not None:
        scores = [w.confidence for w in reading.text.words]
        word_count = len(scores)
        mean = round(sum(scores) / len(scores), 4) if scores else None
        rotation, skew_degrees = reading.rotation, reading.skew_deg
    return {
        "page_number": page_number,
        "raster": raster,
        "text_layer": text_layer,
        "rotation": int(rotation),
        "skew_degrees": float(skew_degrees),
        "width_pt": float(width_pt),
        "height_pt": float(height_pt),
        "dpi": round(dpi) if dpi else None,
        "image": dict(image) if image is not None else None,
        "words": dict(words) if words is not None else None,
        "word_count": word_count,
        "mean_confidence": mean,
        "engine": engine,
    }


def timings_ms(timings: Mapping[str, float]) -> dict[str, float]:
    """Seconds per step as the milliseconds events carry."""
    return {step: round(seconds * 1000.0, 3) for step, seconds in timings.items()}
