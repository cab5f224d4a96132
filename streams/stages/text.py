"""What reading a page produces, whichever way it was read (text layer or OCR).

Boxes are fractions of the page's width and height with the origin at the top-left corner,
so a box drawn over a page image of any resolution lands on the same spot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Box:
    """A rectangle on a page, as fractions (0..1) of the page size, origin top-left."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Word:
    """One word with where it is and how sure the reader was (0..1; 1.0 for a text layer)."""

    text: str
    box: Box
    confidence: float
    line: int = 0
    block: int = 0


@dataclass(frozen=True)
class PageText:
    """The words of one page, in reading order. `page_number` is 1-based. For an OCR'd page the boxes
    are fractions of the page as straightened: turned `rotation` degrees clockwise, then deskewed
    by `skew_degrees` (the content's counter-clockwise skew) about its centre."""

    page_number: int
    width_pt: float
    height_pt: float
    words: tuple[Word, ...]
    source: Literal["text_layer", "ocr"]
    rotation: int = 0
    skew_degrees: float = 0.0


@dataclass(frozen=True)
class DocumentText:
    """Every page of a document plus any AcroForm field values (fillable forms keep values only there)."""

    pages: tuple[PageText, ...]
    form_fields: Mapping[str, str] = field(default_factory=dict)
