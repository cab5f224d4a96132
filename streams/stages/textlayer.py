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
    indexes = [i for i, ch in enumerate(text) if is_printable(ch)]
    if _has_invisible_text(page):  # an OCR layer under a scan: count only what is drawn
        indexes = [i for i in indexes if _is_drawn(pdfium_c.FPDFText_GetTextObject(raw, i))]
    sample = indexes[:: max(1, len(indexes) // UNMAPPED_SAMPLE)]
    unmapped = sum(pdfium_c.FPDFText_HasUnicodeMapError(raw, i) == 1 for i in sample)
    alnum = sum(text[i].isalnum() for i in indexes)
    return TextStats(len(indexes), alnum, unmapped / len(sample) if sample else 0.0)


def _has_invisible_text(page: pdfium.PdfPage) -> bool:
    return any(not _is_drawn(obj.raw) for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]))


def _is_drawn(text_object: object) -> bool:
    if not text_object:
        return True
    return pdfium_c.FPDFTextObj_GetTextRenderMode(text_object) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE


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


def layer_words(textpage: pdfium.PdfTextPage, text: str, crop: Rect, rotation: int) -> tuple[Word, ...]:
    """The page's words in reading order, with page-fraction boxes, line and block numbers."""
    raw = textpage.raw
    left, top, right, bottom = (ctypes.c_double() for _ in range(4))
    words: list[Word] = []
    line = block = 0
    band: tuple[float, float] | None = None  # bottom, top of the current line in points
    previous_end = 0
    for match in TOKEN.finditer(text):
        token = match.group()
        if not token.isprintable() or "\ufffd" in token:
            token = "".join(ch for ch in token if is_printable(ch))
        count = pdfium_c.FPDFText_CountRects(raw, match.start(), match.end() - match.start())
        rects = []
        for index in range(count):
            if pdfium_c.FPDFText_GetRect(raw, index, left, top, right, bottom):
                rects.append((left.value, bottom.value, right.value, top.value))
        if not token or not rects:
            continue
        lefts, bottoms, rights, tops = zip(*rects, strict=True)
        rect = (min(lefts), min(bottoms), max(rights), max(tops))
        broke = "\n" in text[previous_end:match.start()]
        previous_end = match.end()
        if band is not None and (broke or not _on_line(band, rect)):
            line += 1
            if band[0] - rect[3] > BLOCK_GAP * max(band[1] - band[0], 1.0):
                block += 1
            band = None
        band = (rect[1], rect[3]) if band is None else (min(band[0], rect[1]), max(band[1], rect[3]))
        words.append(Word(token, rect_to_box(rect, crop, rotation), 1.0, line, block))
    return tuple(words)


def _on_line(band: tuple[float, float], rect: Rect) -> bool:
    slack = 0.3 * max(band[1] - band[0], 1.0)
    middle = (rect[1] + rect[3]) / 2
    return band[0] - slack <= middle <= band[1] + slack
