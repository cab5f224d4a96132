"""A second OCR engine for what Tesseract reads badly: handwriting, shaded form boxes, MICR lines.

RapidOCR (PP-OCRv4 text detection and recognition as ONNX models shipped inside the
`rapidocr_onnxruntime` wheel, so it runs offline on the CPU) reads such pages far better than
Tesseract (../shared/DESIGN.md "Measured facts") but returns whole text lines with the spaces
between words often dropped ("24368BayviewAveSte316"). The recogniser reports where on the line
each character was decoded, so words are recovered from the ink: two characters belong to
different words when the blank run between them is wider than SPACE_SHARE of the text height.

One engine per process, single-threaded (the process pool already fills every core); it is
loaded on first use, so a worker that never needs it never pays for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import cv2
import numpy as np

from streams.stages import micr_band
from streams.stages.text import Box, Word

logger = logging.getLogger(__name__)

SPACE_SHARE = 0.28  # a blank run wider than this share of the text height separates two words
PITCH_SHARE = 0.45  # ... and wider than this share of the line's character pitch
MAX_SIDE = 2000  # pixels; a page is scaled down to this before detection (the engine's default)
MIN_LINE_SCORE = 0.5  # lines recognised with a lower mean score are dropped as noise
DOUBLED_SHARE = 0.6  # two characters closer than this share of the line's pitch came from one glyph
BAR_CHARS = frozenset("1lI|!")
FIGURE_CHARS = frozenset("0123456789/-.,:$%")  # between two of these only a wider blank is a space
FIGURE_SPACE_SHARE = 0.8  # ... a blank this share of the character pitch
DIGIT_LINE_SHARE = 0.6  # a line of figures (a MICR line) has at least this share of digits
MICR_MIN_DIGITS = 9  # ... and a MICR line at least a routing number's digits


@dataclass(frozen=True)
class EngineWord:
    """A word read by the engine: its text, box in pixels of the image read, and confidence (0..1)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float


def available() -> bool:
    """Whether the engine (the rapidocr_onnxruntime package) can be loaded in this process."""
    try:
        _engine()
    except ImportError:
        return False
    return True


@cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(
        intra_op_num_threads=1, inter_op_num_threads=1, max_side_len=MAX_SIDE, print_verbose=False
    )


def read_image(image: np.ndarray) -> list[EngineWord]:
    """The words of an image (gray or RGB, uint8), in detection order (top to bottom)."""
    engine = _engine()
    rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image
    scale = min(1.0, MAX_SIDE / max(rgb.shape[:2]))
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    quads, _ = engine.auto_text_det(small)
    if quads is None:
        return []
    crops = engine.get_crop_img_list(small, quads)
    results, _ = engine.text_rec(crops, True)
    words: list[EngineWord] = []
    for crop, quad, result in zip(crops, quads, results, strict=True):
        text, score, info = result
        if not text.strip() or score < MIN_LINE_SCORE:
            continue
        words += _line_words(crop, np.asarray(quad, dtype=np.float64) / scale, text, info)
    return words


def _line_words(crop: np.ndarray, quad: np.ndarray, text: str, info: Sequence[Any]) -> list[EngineWord]:
    """Split one recognised line into words and place each on the page through the line's quad."""
    columns, _, char_columns, _, confidences = info
    positions = [c for group in char_columns for c in group]
    chars = [ch for ch in text]
    if len(positions) != len(chars) or not columns:
        return [_place(text.strip(), 0.0, 1.0, quad, float(np.mean(confidences or [0.0])))]
    width = crop.shape[1]
    centres = [(c + 0.5) * width / columns for c in positions]
    digit_count = sum(ch.isdigit() for ch in chars)
    if digit_count >= max(DIGIT_LINE_SHARE * len(chars), MICR_MIN_DIGITS):
        scores = list(confidences) if len(confidences) == len(chars) else [0.0] * len(chars)
        micr = _micr_line_words(crop, quad, chars, centres, scores)
        if micr:
            return micr
    ink, height = _ink_columns(crop)
    steps = [b - a for a, b in zip(centres, centres[1:], strict=False) if b > a]
    # a word space is wide against the letters' height and against the line's character pitch
    pitch = float(np.median(steps)) if steps else 0.0
    space = max(SPACE_SHARE * height, PITCH_SHARE * pitch)
    doubled = _doubled_glyphs(chars, positions)
    groups: list[list[int]] = [[]]
    for i, ch in enumerate(chars):
        if ch.isspace():
            groups.append([])
            continue
        last = groups[-1][-1] if groups[-1] else None
        if last is not None and (
            (i in doubled) != (last in doubled)
            or _is_space(ink, (space, FIGURE_SPACE_SHARE * pitch), centres[last], centres[i], chars[last], ch)
        ):
            groups.append([])
        groups[-1].append(i)
    words = []
    half = width / columns / 2
    for group in (g for g in groups if g):
        left = max(0.0, centres[group[0]] - 2 * half) / width
        right = min(float(width), centres[group[-1]] + 2 * half) / width
        score = float(np.mean([confidences[i] for i in group])) if len(confidences) == len(chars) else 0.0
        words.append(_place("".join(chars[i] for i in group), left, right, quad, score))
    return words


def _micr_line_words(
    crop: np.ndarray,
    quad: np.ndarray,
    chars: Sequence[str],
    centres: Sequence[float],
    scores: Sequence[float],
) -> list[EngineWord]:
    """A line of figures holding MICR symbols, as words split at the symbols (micr_band.py); []
    when the ink shows no symbol (an ordinary line of figures)."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    symbols, width = micr_band.find_symbols(ink)
    if not symbols:
        return []
    items = micr_band.micr_items(chars, centres, scores, symbols, width)
    line_width = float(crop.shape[1])
    words = []
    for group in micr_band.micr_words(items, width):
        left, right = max(0.0, group[0].x0) / line_width, min(line_width, group[-1].x1) / line_width
        score = float(np.mean([item.confidence for item in group]))
        words.append(_place("".join(item.text for item in group), left, right, quad, score))
    return words


def _doubled_glyphs(chars: Sequence[str], positions: Sequence[int]) -> set[int]:
    """Indexes of bar-like characters decoded in pairs much closer than the line's pitch, on a line
    of figures: one symbol read as two characters (a MICR on-us symbol as "11"), kept as a word."""
    steps = [b - a for a, b in zip(positions, positions[1:], strict=False)]
    if len(steps) < 4 or sum(ch.isdigit() for ch in chars) < DIGIT_LINE_SHARE * len(chars):
        return set()  # only on lines of figures: in words, "ll" of "Williams" is narrow too
    pitch = float(np.median(steps))
    found: set[int] = set()
    for i in range(1, len(chars)):
        close = positions[i] - positions[i - 1] <= DOUBLED_SHARE * pitch
        if close and chars[i - 1] in BAR_CHARS and chars[i] in BAR_CHARS:
            found |= {i - 1, i}
    return found


def _ink_columns(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """Which columns of a line crop hold ink, and the height of the ink (the text height)."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rows = np.flatnonzero(ink.sum(axis=1))
    height = float(rows[-1] - rows[0] + 1) if rows.size else float(crop.shape[0])
    return ink.sum(axis=0) > 0, height


def _is_space(
    ink: np.ndarray, spaces: tuple[float, float], left: float, right: float, before: str, after: str
) -> bool:
    """Whether the blank between two characters' centres is a word space: wider than `spaces[0]`
    pixels, or between two figures wider than `spaces[1]` (a whole blank character cell, as
    between the fields of a MICR line; a narrow "1" in a date leaves less)."""
    space = spaces[1] if before in FIGURE_CHARS and after in FIGURE_CHARS else spaces[0]
    segment = ink[int(left) : int(right) + 1]
    longest = run = 0
    for has_ink in segment:
        run = 0 if has_ink else run + 1
        longest = max(longest, run)
    return longest > space


def _place(text: str, left: float, right: float, quad: np.ndarray, confidence: float) -> EngineWord:
    """The word spanning `left`..`right` (fractions of the line) on the page, through the quad."""
    top = quad[0] + (quad[1] - quad[0]) * np.array([[left], [right]])
    bottom = quad[3] + (quad[2] - quad[3]) * np.array([[left], [right]])
    points = np.vstack([top, bottom])
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return EngineWord(text, float(x0), float(y0), float(x1), float(y1), round(confidence, 4))


def to_words(found: Sequence[EngineWord], width: int, height: int) -> tuple[Word, ...]:
    """Engine words as page Words (boxes as fractions of a `width` x `height` image)."""
    return tuple(
        Word(
            w.text,
            Box(
                max(0.0, w.x0 / width),
                max(0.0, w.y0 / height),
                min(1.0, w.x1 / width),
                min(1.0, w.y1 / height),
            ),
            w.confidence,
        )
        for w in found
    )
