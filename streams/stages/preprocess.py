"""preprocess: clean a scanned page image for OCR (OpenCV; numpy in, numpy out, one step a function).

Order matters and is measured (../shared/DESIGN.md "Measured facts"): deskew first, by a
coarse-to-fine rotation search on a shrunken binarised page (projection-profile sharpness; not
`minAreaRect`, which returns 0 when a scanner edge or logo is present); orientation (0/90/180/270,
from an injected detector such as Tesseract OSD) only after deskew, because OSD is wrong on skewed
pages; then contrast normalisation (background flattened, ink stretched, dark header bars
inverted) and, on scans of RULES_MIN_DPI or finer, removal of long ruled lines (Tesseract drops
values drawn inside form boxes). The page goes to Tesseract in gray, which binarises it itself:
measured on 32 scanned application forms (demo data at 150-300 ppi and the samples), median
denoising and our own Otsu binarisation cost word recall of the true field values (0.911 against
0.967 without them; at 150-200 ppi a 3x3 median erases thin strokes), and at 150-200 ppi removing
only the horizontal edges of value boxes left their left edges glued to the values (0.93 against
0.97 without rule removal), while at 300 ppi rule removal still helps (0.979 against 0.961).
On check photos too the gray page read better (a real check's MICR line was lost when
binarised). `denoise` and `binarize` remain for skew estimation and callers that want them.

Angles: `skew_deg` is how far the page content is turned counter-clockwise as seen on screen
(so -5 means turned 5 degrees clockwise); `rotation` is the clockwise quarter turn (0, 90, 180,
270) applied to make the page upright.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

SKEW_WORK_SIDE = 1000  # long side of the shrunken page the skew search runs on
SKEW_MAX_POINTS = 80_000  # ink pixels sampled for the projection profiles
SKEW_MAX_LETTER_HEIGHTS = 4.0  # blobs taller than this many typical letters are left out of the search
SKEW_MIN_GAIN = 1.03  # the best angle must sharpen the profile this much over 0 degrees to count
RULES_MIN_DPI = 250  # ruled lines are removed from scans at least this fine (see the module docstring)
MIN_SKEW_TO_ROTATE = 0.3  # degrees; below this a rotation costs ~20 ms a page and only blurs it
RULE_MIN_INCHES = 0.5  # ruled lines at least this long are removed before OCR
RULE_MAX_THICKNESS_INCHES = 1 / 50  # thicker strokes (header bars, big bold type) are kept
DARK_BLOCK_WINDOW = (0.3, 0.08)  # inches: the window in which a dark bar is mostly ink
DARK_BLOCK_FILL = 0.6  # share of such a window that is ink (text, even bold, stays well below)
DARK_BLOCK_MIN_WIDTH = 1.0  # inches: narrower dark patches (a bold letter, a logo) are left alone
RULE_INK_LEVEL = 215  # rules are searched among pixels darker than this: faint table lines count too
BLANK_INK_PIXELS = 400  # a cleaned page with less ink than this (at 300 DPI, ~2 letters) is blank
MIN_INK_CONTRAST = 40  # grey levels between paper and its darkest pixels below which a page is blank
INK_PERCENTILE = 0.2  # the darkest pixels considered for that
MAX_CONTRAST_GAIN = 2.5  # faint scans are darkened at most this much (more only amplifies grain)
PAPER_WHITE = 224  # after stretching, lighter pixels are paper: made pure white (halves the page's PNG)


@dataclass(frozen=True)
class CleanedPage:
    """A page ready for OCR (black ink on white, uint8), the angles found and the time per step."""

    image: np.ndarray = field(repr=False)
    skew_deg: float
    rotation: int
    blank: bool
    timings: dict[str, float]


def to_gray(image: np.ndarray) -> np.ndarray:
    """A single-channel uint8 image from gray, RGB or RGBA (transparency composited on white)."""
    if image.ndim == 2:
        return image.astype(np.uint8, copy=False)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        rgb = image[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        image = rgb.astype(np.uint8)
    return cv2.cvtColor(image[:, :, :3], cv2.COLOR_RGB2GRAY)


def shrink(gray: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """The image scaled down by a whole factor so its long side is at most `max_side` (each pixel
    the mean of a block; the last few rows and columns may be left out), and the scale used.
    A whole factor takes OpenCV's fast path: ~3x faster than an arbitrary one."""
    factor = -(-max(gray.shape[:2]) // max(1, max_side))
    if factor <= 1:
        return gray, 1.0
    height, width = gray.shape[0] // factor, gray.shape[1] // factor
    if height == 0 or width == 0:
        size = (max(1, gray.shape[1] // factor), max(1, gray.shape[0] // factor))
        return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), 1.0 / factor
    block = gray[: height * factor, : width * factor]
    return cv2.resize(block, (width, height), interpolation=cv2.INTER_AREA), 1.0 / factor


def estimate_skew(gray: np.ndarray, *, max_angle: float = 30.0) -> float:
    """The content's counter-clockwise skew in degrees (within +-max_angle; 0.0 when unsure).

    Projects the ink of a shrunken, binarised page onto the vertical axis at candidate angles and
    keeps the angle whose profile is sharpest (text lines collapse into peaks): 1 degree steps,
    then 0.1 degree steps around the best.
    """
    small, _ = shrink(gray, SKEW_WORK_SIDE)
    flat = flatten_background(small)
    if not has_ink(flat):
        return 0.0
    ys, xs = np.nonzero(_text_sized_ink(binarize(stretch_contrast(flat)) == 0))
    if len(ys) < 100:
        return 0.0
    if len(ys) > SKEW_MAX_POINTS:
        keep = np.random.default_rng(0).choice(len(ys), SKEW_MAX_POINTS, replace=False)
        ys, xs = ys[keep], xs[keep]
    ys = ys.astype(np.float32)
    xs = xs.astype(np.float32)

    def sharpness(angle: float) -> float:
        theta = np.deg2rad(angle)
        rows = ys * np.cos(theta) + xs * np.sin(theta)
        counts = np.bincount((rows - rows.min()).astype(np.int32))
        return float(np.dot(counts, counts))

    coarse = np.arange(-max_angle, max_angle + 0.5, 1.0)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 1.0, best + 1.05, 0.1)
    best = max(fine, key=sharpness)
    if sharpness(best) < SKEW_MIN_GAIN * sharpness(0.0):
        return 0.0
    return round(float(np.clip(best, -max_angle, max_angle)), 1)


def _text_sized_ink(ink: np.ndarray) -> np.ndarray:
    """The ink without blobs much taller than a letter (a stamp across a check, a photo, a grid),
    which would outweigh the text lines in the projection profiles."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    heights = stats[1:count, cv2.CC_STAT_HEIGHT]
    letters = heights[stats[1:count, cv2.CC_STAT_AREA] >= 4]
    if len(letters) == 0:
        return ink
    keep = np.concatenate(([False], heights <= max(3.0, SKEW_MAX_LETTER_HEIGHTS * float(np.median(letters)))))
    return keep[labels]


def rotate(gray: np.ndarray, skew_deg: float) -> np.ndarray:
    """Undo a counter-clockwise skew: turn the image clockwise about its centre, same canvas, white fill."""
    height, width = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -skew_deg, 1.0)
    return cv2.warpAffine(
        gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def rotate_quadrant(gray: np.ndarray, clockwise_deg: int) -> np.ndarray:
    """The image turned clockwise by 0, 90, 180 or 270 degrees."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    code = codes.get(clockwise_deg % 360)
    return gray if code is None else cv2.rotate(gray, code)


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Divide the page by its background so paper is white whatever the lighting (shading, a
    table under a phone photo). The background is the page with its strokes closed away: a max
    filter on a quarter-size copy, blurred and scaled back."""
    quarter, scale = shrink(gray, max(16, -(-max(gray.shape) // 4)))
    window = max(7, int(round(max(quarter.shape) / 55)) | 1)  # ~0.2 inch on a letter page, wider than strokes
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    background = np.maximum(cv2.blur(cv2.dilate(quarter, kernel), (window, window)), 1)
    if scale < 1.0:
        background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, background, scale=255)


def has_ink(flat: np.ndarray) -> bool:
    """True when the darkest pixels of a flattened page stand out from paper grain (not blank)."""
    darkest = float(np.percentile(_sample(flat, 4), INK_PERCENTILE))
    return 255.0 - darkest >= MIN_INK_CONTRAST


def _sample(image: np.ndarray, step: int) -> np.ndarray:
    """Every `step`-th pixel both ways of a large image (statistics need no more), else all of it."""
    return image[::step, ::step] if min(image.shape[:2]) >= 64 * step else image


def stretch_contrast(flat: np.ndarray) -> np.ndarray:
    """Stretch a flattened page so its darkest ink is near black, by at most MAX_CONTRAST_GAIN,
    and make paper (PAPER_WHITE or lighter after stretching) pure white, in one table lookup."""
    low = float(np.percentile(_sample(flat, 4), 1))
    gain = min(255.0 / max(255.0 - low, 1.0), MAX_CONTRAST_GAIN)
    table = np.clip(np.arange(256, dtype=np.float32) * gain + 255.0 * (1.0 - gain), 0, 255).astype(np.uint8)
    table[table >= PAPER_WHITE] = 255
    return cv2.LUT(flat, table)


def normalize_contrast(gray: np.ndarray) -> np.ndarray:
    """Flattened background, stretched ink (see `flatten_background`, `stretch_contrast`)."""
    return stretch_contrast(flatten_background(gray))


def denoise(gray: np.ndarray) -> np.ndarray:
    """Median blur: removes scanner speckle at a few ms a page (non-local means takes ~12 s)."""
    return cv2.medianBlur(gray, 3)


def binarize(gray: np.ndarray) -> np.ndarray:
    """Otsu's global threshold: ink 0, paper 255. The threshold comes from every other pixel both
    ways of a large page (its histogram is what costs; a quarter of it gives the same level)."""
    sample = _sample(gray, 2)
    if sample is gray:
        _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return binary
    level, _ = cv2.threshold(np.ascontiguousarray(sample), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, binary = cv2.threshold(gray, level, 255, cv2.THRESH_BINARY)
    return binary


def invert_dark_blocks(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Turn solid dark blocks (table header bars with white text) into dark text on white paper.

    On a half-size copy, windows of DARK_BLOCK_WINDOW inches that are mostly ink mark candidate
    blocks; each candidate at least DARK_BLOCK_MIN_WIDTH wide is trimmed to the rows and columns
    that are mostly ink and inverted. Ordinary text is 10-35% ink, so it is left alone.
    """
    step = 2 if min(gray.shape) >= 8 else 1
    small = gray[::step, ::step]
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    scale = dpi / step
    window = (max(3, int(scale * DARK_BLOCK_WINDOW[0])), max(3, int(scale * DARK_BLOCK_WINDOW[1])))
    # The window's ink share as a uint8 mean of 0/255 pixels: OpenCV's fastest box filter.
    dense = (cv2.blur(ink * np.uint8(255), window) >= round(255 * DARK_BLOCK_FILL)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(dense, connectivity=8)
    out = gray
    for x, y, w, h, _area in stats[1:count]:
        if w < scale * DARK_BLOCK_MIN_WIDTH:
            continue
        x0, y0 = max(0, x - window[0]), max(0, y - window[1])
        x1, y1 = min(ink.shape[1], x + w + window[0]), min(ink.shape[0], y + h + window[1])
        rows = np.nonzero(ink[y0:y1, x0:x1].mean(axis=1) >= DARK_BLOCK_FILL)[0]
        cols = np.nonzero(ink[y0:y1, x0:x1].mean(axis=0) >= DARK_BLOCK_FILL / 2)[0]
        if len(rows) == 0 or len(cols) == 0:
            continue
        if out is gray:
            out = gray.copy()
        top, bottom = (y0 + rows[0]) * step, (y0 + rows[-1] + 1) * step
        left, right = (x0 + cols[0]) * step, (x0 + cols[-1] + 1) * step
        region = out[top:bottom, left:right]
        np.subtract(255, region, out=region)
    return out


def rule_mask(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Where the thin horizontal and vertical lines longer than RULE_MIN_INCHES are (255), found on
    a half-size copy that keeps each 2x2 block's darkest pixel, so faint and dashed rules count."""
    halve = dpi >= 200 and min(gray.shape) >= 4
    work = cv2.erode(gray, np.ones((2, 2), np.uint8))[::2, ::2] if halve else gray
    work_dpi = dpi / 2 if halve else dpi
    ink = np.where(work < RULE_INK_LEVEL, 255, 0).astype(np.uint8)
    length = max(15, int(work_dpi * RULE_MIN_INCHES))
    thick = max(2, int(round(work_dpi * RULE_MAX_THICKNESS_INCHES)) + 1)
    rules = np.zeros_like(ink)
    for line_shape, across_shape in (((length, 1), (1, thick)), ((1, length), (thick, 1))):
        lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, line_shape))
        across = cv2.getStructuringElement(cv2.MORPH_RECT, across_shape)
        rules = cv2.bitwise_or(rules, cv2.subtract(lines, cv2.morphologyEx(lines, cv2.MORPH_OPEN, across)))
    if cv2.countNonZero(rules) == 0:  # no ruled lines (most statements): skip scaling and widening
        return np.zeros(gray.shape[:2], dtype=np.uint8)
    if halve:
        rules = cv2.resize(rules, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    return cv2.dilate(rules, np.ones((3, 3), np.uint8))


def remove_rules(binary: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The page (gray or binarised) with the pixels under `mask` (from `rule_mask`) turned to paper."""
    return cv2.bitwise_or(binary, mask) if cv2.countNonZero(mask) else binary


def clean_page(
    gray: np.ndarray, *, dpi: float, orientation: Callable[[np.ndarray], int] | None = None
) -> CleanedPage:
    """Deskew, orient (with `orientation`, a detector returning the clockwise quarter turn needed),
    normalise contrast, invert dark header bars and, at RULES_MIN_DPI or finer, remove ruled lines;
    the page stays gray (black ink on white). With the time each step took."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    skew = estimate_skew(gray)
    upright = rotate(gray, skew) if abs(skew) >= MIN_SKEW_TO_ROTATE else gray
    timings["deskew"] = time.perf_counter() - started

    started = time.perf_counter()
    rotation = orientation(upright) % 360 if orientation is not None else 0
    timings["orientation"] = time.perf_counter() - started
    if rotation:
        started = time.perf_counter()
        turned = rotate_quadrant(gray, rotation)
        if rotation in (90, 270):  # the first search saw vertical text lines: search again
            skew = estimate_skew(turned)
        upright = rotate(turned, skew) if abs(skew) >= MIN_SKEW_TO_ROTATE else turned
        timings["deskew"] += time.perf_counter() - started

    started = time.perf_counter()
    flat = flatten_background(upright)
    if not has_ink(flat):
        timings["cleaning"] = time.perf_counter() - started
        return CleanedPage(np.full_like(upright, 255), skew, rotation, True, timings)
    flat = invert_dark_blocks(stretch_contrast(flat), dpi)
    cleaned = remove_rules(flat, rule_mask(flat, dpi)) if dpi >= RULES_MIN_DPI else flat
    blank = ink_pixels(cleaned) < BLANK_INK_PIXELS * (dpi / 300.0) ** 2
    timings["cleaning"] = time.perf_counter() - started
    return CleanedPage(cleaned, skew, rotation, blank, timings)


def ink_pixels(gray: np.ndarray) -> int:
    """About how many pixels are ink (darker than Otsu's level), counted on a sample of a large page."""
    step = 2 if min(gray.shape[:2]) >= 128 else 1
    sample = np.ascontiguousarray(gray[::step, ::step])
    level, _ = cv2.threshold(sample, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return int(np.count_nonzero(sample <= level)) * step * step
