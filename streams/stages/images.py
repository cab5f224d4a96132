"""Image files (JPEG, PNG, TIFF, ...) as documents, checked for decompression bombs.

An image is a one-page document, except a multi-page TIFF (how fax servers and many scanners
deliver a statement), whose every frame is a page; the frames of other formats (an animated GIF)
are not pages. The declared size is read from the header and refused over the pixel limit before
a single pixel is decoded; a page is decoded in grayscale with its EXIF orientation applied,
transparency composited on white, and photos larger than the working size scaled down.
"""

from __future__ import annotations

import io
import time
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from streams.stages import image_formats  # noqa: F401  (registers HEIC/HEIF with Pillow)
from streams.stages.limits import Limits
from streams.stages.render import MAX_WORK_PIXELS, RenderedPage, UnreadableDocument
from streams.stages.sniff import describe_bytes, is_image_bytes


def image_page_count(data: bytes) -> int:
    """How many pages the image file holds: its frames for a TIFF, else 1 (also when the bytes do
    not decode: rendering the page reports why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return max(1, int(getattr(image, "n_frames", 1))) if image.format == "TIFF" else 1
    except (Image.DecompressionBombError, UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return 1


def render_image(data: bytes, limits: Limits, page_index: int = 0) -> RenderedPage:
    """Page `page_index` (0-based: a TIFF's frame, else only 0) of an image file, EXIF orientation
    applied, in grayscale.

    Raises UnreadableDocument: `empty`, `too_large` (declared size over `limits.max_page_pixels`,
    checked before decoding), `corrupt` (image bytes or a frame that do not decode) or `wrong_type`.
    """
    started = time.perf_counter()
    if not data:
        raise UnreadableDocument("empty", "zero bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.seek(page_index)
                width, height = image.size
                if width * height > limits.max_page_pixels:
                    detail = f"{width}x{height} pixels, limit {limits.max_page_pixels} (decompression bomb)"
                    raise UnreadableDocument("too_large", detail)
                dpi = _declared_dpi(image)
                gray = _decode_gray(image, page_index)
    except Image.DecompressionBombError as exc:
        raise UnreadableDocument("too_large", str(exc)) from exc
    except UnidentifiedImageError as exc:
        if is_image_bytes(data):
            raise UnreadableDocument("corrupt", f"image that does not decode: {exc}") from exc
        raise UnreadableDocument("wrong_type", f"expected an image, found {describe_bytes(data)}") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise UnreadableDocument("corrupt", f"image that does not decode: {exc}") from exc
    if dpi is not None:  # the decoded image may have been scaled down to the working size
        dpi *= max(gray.shape) / max(width, height)
    points_per_pixel = 72.0 / (dpi or 72.0)
    return RenderedPage(
        page_index + 1, gray.shape[1] * points_per_pixel, gray.shape[0] * points_per_pixel, True, None, gray,
        dpi, time.perf_counter() - started,
    )


def _decode_gray(image: Image.Image, page_index: int) -> np.ndarray:
    width, height = image.size
    shrink = max(1, int(np.ceil((width * height / MAX_WORK_PIXELS) ** 0.5)))
    if shrink > 1 and image.format == "JPEG":
        image.draft("L", (width // shrink, height // shrink))
    image.seek(page_index)
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        values = np.asarray(image, dtype=np.float32)
        peak = float(values.max()) or 1.0
        gray = np.clip(values * (255.0 / peak), 0, 255).astype(np.uint8)
    else:
        gray = np.asarray(image.convert("L"), dtype=np.uint8)
    if gray.size > MAX_WORK_PIXELS:
        factor = (MAX_WORK_PIXELS / gray.size) ** 0.5
        size = (max(1, int(gray.shape[1] * factor)), max(1, int(gray.shape[0] * factor)))
        gray = np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.LANCZOS))
    return np.ascontiguousarray(gray)


def _declared_dpi(image: Image.Image) -> float | None:
    """The image's declared resolution when it is plausible for a scan (phone photos say 72 or 1)."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return value if 100.0 <= value <= 1200.0 else None
