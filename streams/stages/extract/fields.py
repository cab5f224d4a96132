"""The value type every extractor returns: a value plus how sure we are and where it came from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from streams.stages.text import Box, Word


@dataclass(frozen=True)
class Field:
    """One extracted value (already normalised: "12-3456789", "150000.00", "2024-11-01"...).

    `confidence` is 0..1 (reader confidence times how well the value fits its field); `page` is
    1-based; `box` is the union of the words the value was read from; `label` is the label as
    printed (or the AcroForm field name). `valid` is False when a validator rejected the value
    (it is kept so a reviewer sees what was read).
    """

    value: Any
    confidence: float
    page: int | None = None
    box: Box | None = None
    label: str | None = None
    valid: bool = True

    def with_value(self, value: Any, *, confidence_factor: float = 1.0, valid: bool | None = None) -> Field:
        """The same provenance with another value (e.g. one part of a parsed address)."""
        return replace(
            self,
            value=value,
            confidence=round(self.confidence * confidence_factor, 4),
            valid=self.valid if valid is None else valid,
        )


def union_box(boxes: Iterable[Box]) -> Box | None:
    """The smallest box holding every given box, or None for none."""
    items = list(boxes)
    if not items:
        return None
    return Box(
        min(b.x0 for b in items), min(b.y0 for b in items), max(b.x1 for b in items), max(b.y1 for b in items)
    )


def field_from_words(
    value: Any,
    words: Sequence[Word],
    *,
    page: int | None,
    label: str | None,
    fit: float = 1.0,
    valid: bool = True,
) -> Field:
    """A Field whose confidence blends its weakest and average word confidence, times `fit`."""
    scores = [w.confidence for w in words]
    # OCR word confidences are noisy: half the weakest word, half the average
    reader = (min(scores) + sum(scores) / len(scores)) / 2 if scores else 1.0
    return Field(
        value=value,
        confidence=round(max(0.0, min(1.0, reader * fit)), 4),
        page=page,
        box=union_box(w.box for w in words),
        label=label,
        valid=valid,
    )


def value_of(field: Field | None) -> Any:
    """The field's value, or None when the field is absent."""
    return None if field is None else field.value


def box_to_list(box: Box | None) -> list[float] | None:
    """A box as [x0, y0, x1, y1] rounded for JSON, or None."""
    if box is None:
        return None
    return [round(box.x0, 4), round(box.y0, 4), round(box.x1, 4), round(box.y1, 4)]


def provenance(field: Field | None) -> dict[str, Any] | None:
    """JSON form of where a value came from and how sure we are (None when the field is absent)."""
    if field is None:
        return None
    return {
        "confidence": field.confidence,
        "page": field.page,
        "box": box_to_list(field.box),
        "label": field.label,
        "valid": field.valid,
    }
