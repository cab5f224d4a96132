"""Pillow helpers shared by the raster documents: fonts that ship with reportlab, noise, encoding."""

from __future__ import annotations

import io
import random
from functools import lru_cache
from pathlib import Path

import numpy as np
import reportlab
from PIL import Image, ImageFont

FONT_DIR = Path(reportlab.__file__).parent / "fonts"


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False, italic: bool = False) -> ImageFont.FreeTypeFont:
    """Bitstream Vera (bundled with reportlab, so present wherever the project runs) at `size` px."""
    name = {
        (False, False): "Vera.ttf",
        (True, False): "VeraBd.ttf",
        (False, True): "VeraIt.ttf",
        (True, True): "VeraBI.ttf",
    }[(bold, italic)]
    return ImageFont.truetype(str(FONT_DIR / name), size)


def add_noise(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    """Sensor noise of about `sigma` grey levels (seeded): the sum of two uniform draws, close enough to
    Gaussian for a scan and ten times cheaper to draw."""
    gen = np.random.default_rng(rng.randrange(2**32))
    arr = np.asarray(img, dtype=np.int16)
    k = max(1, round(sigma * 0.87))
    noise = gen.integers(-k, k + 1, arr.shape[:2], dtype=np.int16)
    noise += gen.integers(-k, k + 1, arr.shape[:2], dtype=np.int16)
    if arr.ndim == 3:
        noise = noise[:, :, None]
    return Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8), img.mode)


def shade(img: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Uneven lighting: a brightness ramp across the image, darker toward one corner."""
    w, h = img.size
    gx = np.linspace(0, 1, w, dtype=np.float32)[None, :] * np.float32(rng.uniform(-1, 1))
    gy = np.linspace(0, 1, h, dtype=np.float32)[:, None] * np.float32(rng.uniform(-1, 1))
    ramp = 1.0 - np.float32(strength) * (gx - gx.min() + gy - gy.min())
    arr = np.asarray(img, dtype=np.float32)
    ramp = ramp[:, :, None] if arr.ndim == 3 else ramp
    return Image.fromarray(np.clip(arr * ramp, 0, 255).astype(np.uint8), img.mode)


def encode(img: Image.Image, fmt: str, quality: int = 85, dpi: int | None = None) -> bytes:
    """PNG or JPEG bytes without time stamps (reproducible)."""
    buf = io.BytesIO()
    extra = {"dpi": (dpi, dpi)} if dpi else {}
    if fmt == "JPEG":
        img.convert("RGB" if img.mode not in ("L", "RGB") else img.mode).save(
            buf, "JPEG", quality=quality, optimize=False, **extra
        )
    else:
        img.save(buf, "PNG", **extra)
    return buf.getvalue()
