"""Words with boxes from a PDF page's text layer (pypdfium2), and whether that layer is real text.

pdfium returns the page's characters in reading order with generated spaces and line breaks, and
the rectangles a character range covers. A word is a run of non-space characters; its box is the
union of its rectangles, converted to fractions of the displayed page (crop box and /Rotate
applied, origin top-left). Lines are numbered in order; a block starts after a vertical gap.
Working per word rather than per character keeps a dense statement page at ~3 ms.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from streams.stages.text import Box, Word

Rect = tuple[float, float, float, float]  # left, bottom, right, top in PDF points

MIN_REAL_CHARS = 20  # over a scan, fewer visible printable characters than this are junk, not its text
SCAN_COVERAGE = 0.5  # images covering this share of a page make it a scan
STAMP_CHARS = 200  # a scan with fewer real characters than this on top (a Bates stamp) is still OCR'd
MIN_ALNUM_SHARE = 0.5  # text without a usable encoding decodes to symbol soup with few letters or digits
MAX_UNMAPPED_SHARE = 0.3  # fonts without a Unicode map give plausible-looking but wrong letters
UNMAPPED_SAMPLE = 300  # characters checked for a Unicode map error
BLOCK_GAP = 1.0  # a vertical gap larger than this many line heights starts a new block
TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class TextStats:
    """How much of a text layer is visible, printable, decodable text."""

    visible_printable: int
    alnum: int
    unmapped_share: float = 0.0

    def is_real(self, image_coverage: float) -> bool:
        """True when the layer holds readable text to trust instead of OCR. `image_coverage` is the
        share of the page under images: over a scan, a few characters are a stamp, not its text."""
        needed = 1
        if image_coverage > 0:
            needed = STAMP_CHARS if image_coverage >= SCAN_COVERAGE else MIN_REAL_CHARS
        legible = self.alnum >= MIN_ALNUM_SHARE * self.visible_printable
        return self.visible_printable >= needed and legible and self.unmapped_share <= MAX_UNMAPPED_SHARE


def page_text(textpage: pdfium.PdfTextPage) -> str:
    """All characters of the page, one per pdfium character index."""
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    text = textpage.get_text_range(0, count) if count > 0 else ""
    if len(text) != count:  # characters outside the BMP: one call per character keeps indexes aligned
        text = "".join(_char(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(count))
    return text


def _char(code: int) -> str:
    return chr(code) if 0 < code < 0xD800 or 0xE000 <= code < 0x110000 else "\ufffd"


def is_printable(ch: str) -> bool:
    """A visible glyph: not space, not a control, format or private-use code, not U+FFFD."""
    return ch.isprintable() and not ch.isspace() and ch != "\ufffd"


def text_stats(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, text: str) -> TextStats:
    """Count the visible printable characters, the letters and digits among them, and the share
    of a sample that has no Unicode mapping in its font."""
    raw = textpage.raw
    printable, alnum_at = _char_classes(text)
    indexes = np.flatnonzero(printable)
    if _has_invisible_text(page):  # an OCR layer under a scan: count only what is drawn
        get_object = pdfium_c.FPDFText_GetTextObject
        indexes = np.array([i for i in indexes.tolist() if _is_drawn(get_object(raw, i))], dtype=np.intp)
    sample = indexes[:: max(1, len(indexes) // UNMAPPED_SAMPLE)].tolist()
    has_error = pdfium_c.FPDFText_HasUnicodeMapError
    unmapped = sum(has_error(raw, i) == 1 for i in sample)
    alnum = int(np.count_nonzero(alnum_at[indexes]))
    return TextStats(len(indexes), alnum, unmapped / len(sample) if sample else 0.0)


def _char_classes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Per character of `text`: whether it `is_printable`, and whether it is a letter or digit
    (str.isalnum). ASCII is classified by code range at once; other characters one by one."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    printable = (codes >= 0x21) & (codes <= 0x7E)
    alnum = ((codes >= 0x30) & (codes <= 0x39)) | ((codes >= 0x41) & (codes <= 0x5A)) | (
        (codes >= 0x61) & (codes <= 0x7A)
    )
    for i in np.flatnonzero(codes > 0x7F).tolist():
        ch = text[i]
        printable[i] = is_printable(ch)
        alnum[i] = ch.isalnum()
    return printable, alnum


def _has_invisible_text(page: pdfium.PdfPage) -> bool:
    """Whether any text object of the page (inside Form XObjects too) is drawn invisibly."""
    return _holds_invisible_text(page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, 0)


def _is_drawn(text_object: object) -> bool:
    if not text_object:
        return True
    return pdfium_c.FPDFTextObj_GetTextRenderMode(text_object) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE


MAX_FORM_DEPTH = 15  # nesting of Form XObjects searched for text (as pypdfium2's get_objects)


def _holds_invisible_text(parent: object, count_objects: Any, get_object: Any, level: int) -> bool:
    count = count_objects(parent)
    if count < 0:
        raise pdfium.PdfiumError("Failed to get number of pageobjects.")
    for index in range(count):
        obj = get_object(parent, index)
        if not obj:
            raise pdfium.PdfiumError("Failed to get pageobject.")
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT and not _is_drawn(obj):
            return True
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < MAX_FORM_DEPTH - 1:
            form_count, form_get = pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject
            if _holds_invisible_text(obj, form_count, form_get, level + 1):
                return True
    return False


def to_fraction(x: float, y: float, crop: Rect, rotation: int) -> tuple[float, float]:
    """A point in PDF user space as fractions of the displayed page (origin top-left, y down).

    `crop` is the page's crop box (l, b, r, t); `rotation` the page's /Rotate (clockwise degrees).
    """
    left, bottom, right, top = crop
    u = (x - left) / ((right - left) or 1.0)
    v = (top - y) / ((top - bottom) or 1.0)
    if rotation == 90:
        u, v = 1.0 - v, u
    elif rotation == 180:
        u, v = 1.0 - u, 1.0 - v
    elif rotation == 270:
        u, v = v, 1.0 - u
    return min(max(u, 0.0), 1.0), min(max(v, 0.0), 1.0)


def rect_to_box(rect: Rect, crop: Rect, rotation: int) -> Box:
    """A rectangle in PDF user space as a page-fraction Box."""
    x0, y0 = to_fraction(rect[0], rect[3], crop, rotation)
    x1, y1 = to_fraction(rect[2], rect[1], crop, rotation)
    return Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def rect_boxes(rects: np.ndarray, crop: Rect, rotation: int) -> list[Box]:
    """`rect_to_box` of every row (left, bottom, right, top) of `rects` at once: the same float
    arithmetic as to_fraction, element by element, so each Box is identical to rect_to_box's."""
    if not len(rects):
        return []
    left, bottom, right, top = crop
    width = (right - left) or 1.0
    height = (top - bottom) or 1.0
    # to_fraction of the corners (rect[0], rect[3]) and (rect[2], rect[1])
    ua, va = (rects[:, 0] - left) / width, (top - rects[:, 3]) / height
    ub, vb = (rects[:, 2] - left) / width, (top - rects[:, 1]) / height
    if rotation == 90:
        ua, va, ub, vb = 1.0 - va, ua, 1.0 - vb, ub
    elif rotation == 180:
        ua, va, ub, vb = 1.0 - ua, 1.0 - va, 1.0 - ub, 1.0 - vb
    elif rotation == 270:
        ua, va, ub, vb = va, 1.0 - ua, vb, 1.0 - ub
    ua, va, ub, vb = (np.minimum(np.maximum(a, 0.0), 1.0) for a in (ua, va, ub, vb))
    corners = np.stack(
        [np.minimum(ua, ub), np.minimum(va, vb), np.maximum(ua, ub), np.maximum(va, vb)], axis=1
    )
    return [Box(x0, y0, x1, y1) for x0, y0, x1, y1 in corners.tolist()]


@cache
def _unchecked(name: str) -> Any:
    """The pdfium function `name` (returning int), callable without ctypes' per-argument type conversion
    (ints and pointers are passed as they are), which halves the cost of the two calls made per
    word of a page. Only for calls whose arguments are a pointer, ints and byref() doubles."""
    address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
    if address is None:
        raise pdfium.PdfiumError(f"pdfium has no {name}")
    return ctypes.CFUNCTYPE(ctypes.c_int)(address)


def layer_words(textpage: pdfium.PdfTextPage, text: str, crop: Rect, rotation: int) -> tuple[Word, ...]:
    """The page's words in reading order, with page-fraction boxes, line and block numbers."""
    raw = ctypes.cast(textpage.raw, ctypes.c_void_p)
    left, top, right, bottom = (ctypes.c_double() for _ in range(4))
    out = (ctypes.byref(left), ctypes.byref(top), ctypes.byref(right), ctypes.byref(bottom))
    count_rects, get_rect = _unchecked("FPDFText_CountRects"), _unchecked("FPDFText_GetRect")
    found: list[tuple[str, int, int]] = []  # token, line, block
    rects: list[tuple[float, float, float, float]] = []  # its rectangle in points: l, b, r, t
    line = block = 0
    band_bottom = band_top = 0.0  # the current line's extent in points
    in_line = False
    previous_end = 0
    for match in TOKEN.finditer(text):
        token = match.group()
        start, end = match.span()
        if not token.isprintable() or "\ufffd" in token:
            token = "".join(ch for ch in token if is_printable(ch))
        count = count_rects(raw, start, end - start)
        if not token or count <= 0:
            continue
        r_left = r_bottom = r_right = r_top = 0.0
        seen = False
        for index in range(count):
            if not get_rect(raw, index, *out):
                continue
            if not seen:
                r_left, r_bottom, r_right, r_top = left.value, bottom.value, right.value, top.value
                seen = True
                continue
            # the union of the word's rectangles, as min()/max() over them would give it
            value = left.value
            r_left = value if value < r_left else r_left
            value = bottom.value
            r_bottom = value if value < r_bottom else r_bottom
            value = right.value
            r_right = value if value > r_right else r_right
            value = top.value
            r_top = value if value > r_top else r_top
        if not seen:
            continue
        broke = "\n" in text[previous_end:start]
        previous_end = end
        if in_line:
            height = band_top - band_bottom
            slack = 0.3 * (height if height > 1.0 else 1.0)
            middle = (r_bottom + r_top) / 2
            if broke or not band_bottom - slack <= middle <= band_top + slack:
                line += 1
                if band_bottom - r_top > BLOCK_GAP * (height if height > 1.0 else 1.0):
                    block += 1
                in_line = False
        if in_line:
            band_bottom = r_bottom if r_bottom < band_bottom else band_bottom
            band_top = r_top if r_top > band_top else band_top
        else:
            band_bottom, band_top, in_line = r_bottom, r_top, True
        found.append((token, line, block))
        rects.append((r_left, r_bottom, r_right, r_top))
    boxes = rect_boxes(np.array(rects, dtype=np.float64).reshape(-1, 4), crop, rotation)
    return tuple(
        Word(token, box, 1.0, line, block) for (token, line, block), box in zip(found, boxes, strict=True)
    )


def _on_line(band: tuple[float, float], rect: Rect) -> bool:
    """Whether `rect` (l, b, r, t) sits on the line whose extent is `band` (bottom, top): its
    middle lies within the band, give or take 0.3 of the band's height."""
    slack = 0.3 * max(band[1] - band[0], 1.0)
    middle = (rect[1] + rect[3]) / 2
    return band[0] - slack <= middle <= band[1] + slack
