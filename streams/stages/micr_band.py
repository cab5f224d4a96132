"""The symbols of a check's MICR line, told from the digits by the shape of their ink.

A MICR line prints its fields between symbols: the routing number between two transit symbols
(TRANSIT), the account number before an on-us symbol (ON_US). Digits are one solid blob each, as
wide as the line's other digits; a symbol is a group of thinner parts: the transit symbol one bar
and two small squares, the on-us symbol two bars and a small square (E-13B, and the look-alikes
printed on many checks). OCR engines read those parts as stray characters ('1:', '|5', '11', '"')
that glue onto the digits beside them, so an account number gains a digit or a routing number
shifts. `find_symbols` locates the symbols on the ink of one text line; `micr_items` then puts
each recognised character either in a symbol or between symbols, by where it was decoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

TRANSIT = "⑆"
ON_US = "⑈"
DIGIT_MIN_HEIGHT = 0.45  # share of the line crop's height: shorter blobs are not digits
BAR_MAX_WIDTH = 0.55  # a bar is narrower than this share of the median digit width...
BAR_MIN_HEIGHT = 0.45  # ... and at least this share of the digit height...
BAR_MIN_ELONGATION = 2.0  # ... and this many times taller than wide (a symbol's square is not)
PART_MAX_HEIGHT = 0.65  # a symbol's square is at most this share of the digit height...
PART_MIN_HEIGHT = 0.2  # ... and at least this (smaller specks are noise)
SYMBOL_PARTS = 3  # every symbol has three: transit a bar and two squares, on-us two bars and a square
PART_GAP = 0.6  # parts of one symbol are less than this share of a digit width apart
CHAR_MARGIN = 0.25  # a character decoded this share of a digit width beside a symbol belongs to it
SPACE_SHARE = 0.9  # a blank wider than this share of a digit width between characters is a space (a
# blank MICR cell is wider than a digit; the recogniser places characters only roughly)


@dataclass(frozen=True)
class Symbol:
    """A MICR symbol's horizontal extent (pixels of the line crop) and kind (TRANSIT or ON_US)."""

    x0: float
    x1: float
    kind: str


@dataclass(frozen=True)
class MicrItem:
    """A character of the line (a symbol is one item) with its extent in crop pixels."""

    text: str
    x0: float
    x1: float
    confidence: float


def find_symbols(ink: np.ndarray) -> tuple[list[Symbol], float]:
    """The MICR symbols on the ink (non-zero = ink) of one text line, left to right, and the median
    digit width in pixels (0.0 when the line holds no digit-like blobs, and then no symbols)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    blobs = [tuple(int(v) for v in s[:4]) for s in stats[1:count]]
    digits = [b for b in blobs if b[3] >= DIGIT_MIN_HEIGHT * ink.shape[0] and b[2] >= 0.3 * b[3]]
    if len(digits) < 4:
        return [], 0.0
    height = float(np.median([b[3] for b in digits]))
    width = float(np.median([b[2] for b in digits]))
    top = float(np.median([b[1] for b in digits]))
    bottom = top + height
    parts: list[tuple[int, int, str]] = []
    for x, y, w, h in blobs:
        inside = y >= top - 0.35 * height and y + h <= bottom + 0.35 * height
        if not inside:
            continue
        if w <= BAR_MAX_WIDTH * width and h >= max(BAR_MIN_HEIGHT * height, BAR_MIN_ELONGATION * w):
            parts.append((x, x + w, "bar"))
        elif PART_MIN_HEIGHT * height <= h <= PART_MAX_HEIGHT * height and w <= 1.2 * width:
            parts.append((x, x + w, "square"))
    return _grouped(sorted(parts), width), width


def _grouped(parts: list[tuple[int, int, str]], width: float) -> list[Symbol]:
    groups: list[list[tuple[int, int, str]]] = []
    for part in parts:
        if groups and part[0] - max(p[1] for p in groups[-1]) <= PART_GAP * width:
            groups[-1].append(part)
        else:
            groups.append([part])
    symbols = []
    for group in groups:
        bars = sum(p[2] == "bar" for p in group)
        squares = len(group) - bars
        if bars == 0 or squares == 0 or len(group) < SYMBOL_PARTS:
            continue  # a narrow "1" beside a comma or a colon is two parts; specks without a bar are noise
        kind = TRANSIT if bars == 1 else ON_US
        symbols.append(Symbol(float(min(p[0] for p in group)), float(max(p[1] for p in group)), kind))
    return symbols


def micr_items(
    chars: Sequence[str],
    centres: Sequence[float],
    confidences: Sequence[float],
    symbols: Sequence[Symbol],
    width: float,
) -> list[MicrItem]:
    """The line's characters with those decoded over a symbol replaced by that symbol (once), and a
    symbol the recogniser skipped inserted where its ink is; in left-to-right order."""
    margin = CHAR_MARGIN * width
    items = [
        MicrItem(ch, centre - width / 2, centre + width / 2, confidence)
        for ch, centre, confidence in zip(chars, centres, confidences, strict=True)
        if not ch.isspace() and not any(s.x0 - margin <= centre <= s.x1 + margin for s in symbols)
    ]
    items += [MicrItem(s.kind, s.x0, s.x1, 1.0) for s in symbols]
    return sorted(items, key=lambda item: (item.x0 + item.x1) / 2)


def micr_words(items: Sequence[MicrItem], width: float) -> list[list[MicrItem]]:
    """Items grouped into words: a symbol is a word of its own, and a blank wider than
    SPACE_SHARE of a digit width between two characters parts words."""
    words: list[list[MicrItem]] = []
    for item in items:
        symbol = item.text in (TRANSIT, ON_US)
        last = words[-1][-1] if words else None
        if (
            last is None
            or symbol
            or last.text in (TRANSIT, ON_US)
            or item.x0 - last.x1 > SPACE_SHARE * width
        ):
            words.append([item])
        else:
            words[-1].append(item)
    return words
