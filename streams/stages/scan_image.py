"""The scan inside an image-only PDF page, decoded straight from its JPEG stream.

Most scanned pages are nothing but one JPEG drawn over the whole page. pdfium renders such a page
in ~100 ms at 300 ppi (it decodes the JPEG, then resamples and composites it at full size);
libjpeg-turbo through OpenCV decodes the same stream to gray in ~11 ms, and the result is the
same picture pixel for pixel up to rounding. `direct_scan` takes that shortcut only where it is
exact: one upright JPEG image object (possibly wrapped in ASCII85 or Flate), 8-bit gray or RGB,
exactly covering the crop box, on a page without /Rotate, annotations or anything else drawn;
everything else is left to pdfium.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

logger = logging.getLogger(__name__)

Rect = tuple[float, float, float, float]  # left, bottom, right, top in PDF points

JPEG_FILTER = "DCTDecode"
PLAIN_BITS = (8, 24)  # gray or RGB; CMYK JPEGs (often stored inverted) are left to pdfium
NOT_PLAIN_SPACES = (
    pdfium_c.FPDF_COLORSPACE_DEVICECMYK,
    pdfium_c.FPDF_COLORSPACE_SEPARATION,
    pdfium_c.FPDF_COLORSPACE_DEVICEN,
    pdfium_c.FPDF_COLORSPACE_INDEXED,
    pdfium_c.FPDF_COLORSPACE_PATTERN,
)
COVER_TOLERANCE_PT = 0.75  # the image's edges may miss the crop box's by this much
MIN_PAPER_LEVEL = 90  # a decoded page whose median is darker is likely inverted by a /Decode array


def direct_scan(page: pdfium.PdfPage, crop: Rect, dpi: float, max_pixels: int) -> np.ndarray | None:
    """The page as `page.render(scale=dpi / 72, grayscale=True)` would draw it, decoded directly
    from its one JPEG (uint8, rows x columns), or None when the page is not that simple."""
    image = _only_jpeg(page)
    if image is None or not _covers(image, crop):
        return None
    px_w, px_h = image.get_px_size()
    if px_w * px_h > max_pixels:
        return None
    metadata = image.get_metadata()
    if metadata.bits_per_pixel not in PLAIN_BITS or metadata.colorspace in NOT_PLAIN_SPACES:
        return None
    wrapped = image.get_filters() != [JPEG_FILTER]  # e.g. ASCII85 around the JPEG: unwrapped by pdfium
    stream = np.frombuffer(image.get_data(decode_simple=wrapped), dtype=np.uint8)
    # pdfium ignores EXIF orientation inside a PDF's JPEG, so must this decode.
    gray = cv2.imdecode(stream, cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION)
    if gray is None or gray.shape != (px_h, px_w):
        return None
    if float(np.median(gray[::8, ::8])) < MIN_PAPER_LEVEL:
        return None
    size = (max(1, round((crop[2] - crop[0]) * dpi / 72.0)), max(1, round((crop[3] - crop[1]) * dpi / 72.0)))
    if abs(size[0] - px_w) <= 1 and abs(size[1] - px_h) <= 1:
        return gray
    shrinking = size[0] * size[1] < px_w * px_h
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def _only_jpeg(page: pdfium.PdfPage) -> pdfium.PdfImage | None:
    if page.get_rotation() % 360 or pdfium_c.FPDFPage_GetAnnotCount(page) != 0:
        return None
    if pdfium_c.FPDFPage_CountObjects(page) != 1:
        return None
    only = next(iter(page.get_objects(max_depth=0)), None)
    if not isinstance(only, pdfium.PdfImage):
        return None
    try:
        filters = only.get_filters()
    except pdfium.PdfiumError:
        return None
    simple = all(f in pdfium.PdfImage.SIMPLE_FILTERS for f in filters[:-1])
    return only if filters[-1:] == [JPEG_FILTER] and simple else None


def _covers(image: pdfium.PdfImage, crop: Rect) -> bool:
    """True when the image is drawn upright (no flip, turn or shear) exactly over the crop box."""
    a, b, c, d, e, f = image.get_matrix().get()
    if b or c or a <= 0 or d <= 0:
        return False
    edges = (e, f, e + a, f + d)
    return all(abs(edge - bound) <= COVER_TOLERANCE_PT for edge, bound in zip(edges, crop, strict=True))
