"""ocr: Tesseract, word level, boxes as page fractions, confidences 0..1.

Pages are read by an engine kept loaded in the process (tesserocr, see tesseract_api.py): the
CLI would load its model again for every page, ~0.1 CPU-s, and needs the page as a file. The CLI
through pytesseract remains for orientation (OSD, rare), for photos of unknown resolution (the
CLI estimates it), for calls with extra Tesseract variables, and wherever tesserocr is missing.
Tesseract's OpenMP build is 6-7 times slower when several run at once, so every CLI call runs
with OMP_THREAD_LIMIT=1 (one process per core is the parallelism). Images go to the CLI as a file
written here: a cleaned page as a 1-bit PBM (Tesseract reads it ~20% faster than PNG), a gray one
as a fast-compressed PNG (pytesseract's own temporary PNG costs ~0.4 s at 300 DPI).
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytesseract

from infra.errors import MCAError
from streams.stages import tesseract_api
from streams.stages.text import Box, PageText, Word

OSD_MIN_CHARACTERS = 30  # fewer than Tesseract's default 50 halves OSD time; 20 misread sideways pages
OSD_DPI = 150  # OSD on a page scaled to this resolution: as accurate as 300 DPI, half the time
OSD_MIN_CONFIDENCE = 1.0  # below this Tesseract's orientation guess is noise: keep the page as is (a guess
# above it is only tried: the turned page is kept when it reads better, see reading.ocr_prepared)
LEGIBLE_CONFIDENCE = 0.6  # a word read at least this sure counts as legible


class OcrError(MCAError):
    """Tesseract failed on a page (it could not read the image or was stopped by the time limit)."""


@dataclass(frozen=True)
class OcrParams:
    """What Tesseract is asked: page segmentation and engine modes, resolution, language, and
    optionally a character whitelist and extra `-c` variables."""

    psm: int = 3
    oem: int = 1
    dpi: int | None = None
    lang: str = "eng"
    whitelist: str | None = None
    variables: tuple[tuple[str, str], ...] = ()


def tesseract_config(params: OcrParams) -> str:
    """The command-line configuration string for `params` (without `-l`, which pytesseract adds)."""
    parts = [f"--psm {int(params.psm)}", f"--oem {int(params.oem)}"]
    if params.dpi:
        parts.append(f"--dpi {int(params.dpi)}")
    variables = list(params.variables)
    if params.whitelist is not None:
        variables.append(("tessedit_char_whitelist", params.whitelist))
    for name, value in variables:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a Tesseract variable name: {name!r}")
        parts.append(f"-c {shlex.quote(f'{name}={value}')}")
    return " ".join(parts)


def ocr_page(
    image: np.ndarray,
    *,
    dpi: float | None,
    timeout: float,
    page_number: int = 1,
    params: OcrParams | None = None,
) -> PageText:
    """The words Tesseract reads on `image` (uint8 gray or binary), in its reading order.

    `dpi` None lets Tesseract estimate the resolution from the text (photos declare none).
    Boxes are fractions of the image; line numbers are unique on the page, blocks are Tesseract's.
    Raises OcrError when Tesseract fails or runs longer than `timeout` seconds.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"  # for any Tesseract this process starts (the CLI path, OSD)
    chosen = params or OcrParams()
    chosen = replace(chosen, dpi=chosen.dpi or (round(dpi) if dpi else None))
    api = None
    # A page of unknown resolution (a photo) goes to the CLI, which estimates it from the text
    # size; the resident engine did not (it lost a check photo's MICR line, or kept it, depending
    # on the resolution guessed for it).
    if chosen.dpi and chosen.whitelist is None and not chosen.variables:
        api = tesseract_api.engine(chosen.lang, chosen.oem)
    if api is not None:
        try:
            data = tesseract_api.recognize(api, image, psm=chosen.psm, dpi=chosen.dpi, timeout=timeout)
        except tesseract_api.EngineError as exc:
            raise OcrError(str(exc)) from exc
    else:
        data = _run(pytesseract.image_to_data, image, chosen.lang, tesseract_config(chosen), timeout)
    height, width = image.shape[:2]
    words: list[Word] = []
    lines: dict[tuple[int, int, int], int] = {}
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if int(data["level"][i]) != 5 or not text:
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        line = lines.setdefault(key, len(lines))
        left, top = int(data["left"][i]), int(data["top"][i])
        right, bottom = left + int(data["width"][i]), top + int(data["height"][i])
        box = Box(left / width, top / height, min(right / width, 1.0), min(bottom / height, 1.0))
        confidence = min(max(float(data["conf"][i]), 0.0), 100.0) / 100.0
        words.append(Word(text, box, confidence, line, key[0]))
    points_per_pixel = 72.0 / (dpi or 72.0)
    return PageText(page_number, width * points_per_pixel, height * points_per_pixel, tuple(words), "ocr")


def legibility(page: PageText) -> tuple[float, int]:
    """How readable an OCR result looks: the share of its words (3+ letters or digits) read with
    confidence >= LEGIBLE_CONFIDENCE, and their number. Upside-down or sideways text scores ~0.2."""
    words = [w for w in page.words if sum(ch.isalnum() for ch in w.text) >= 3]
    good = sum(w.confidence >= LEGIBLE_CONFIDENCE for w in words)
    return (good / len(words) if words else 0.0), good


def sideways_share(page: PageText) -> float:
    """The share of a reading's words (3+ letters or digits) whose box is taller than wide: near 1
    when Tesseract read a page turned sideways word by word (confidently, so legibility misses it)."""
    words = [w for w in page.words if sum(ch.isalnum() for ch in w.text) >= 3]
    tall = sum(
        (w.box.x1 - w.box.x0) * page.width_pt < (w.box.y1 - w.box.y0) * page.height_pt for w in words
    )
    return tall / len(words) if words else 0.0


def detect_orientation(image: np.ndarray, *, dpi: float | None, timeout: float) -> tuple[int, float]:
    """Tesseract OSD (`--psm 0`): the clockwise quarter turn that makes the page upright, and the
    confidence. (0, 0.0) when OSD finds too few characters to judge. Run it on a deskewed page."""
    scale = min(1.0, OSD_DPI / dpi) if dpi else 1.0
    if scale < 1.0:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    resolution = f"--dpi {round(dpi * scale)} " if dpi else ""
    config = f"--psm 0 {resolution}-c min_characters_to_try={OSD_MIN_CHARACTERS}"
    try:
        result = _run(pytesseract.image_to_osd, image, "osd", config, timeout)
    except OcrError as exc:
        if "too few characters" in str(exc).lower() or "image too small" in str(exc).lower():
            return 0, 0.0
        raise
    return int(result.get("rotate", 0)) % 360, float(result.get("orientation_conf", 0.0))


def _run(function: Callable[..., Any], image: np.ndarray, lang: str, config: str, timeout: float) -> Any:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by the Tesseract child process
    with tempfile.TemporaryDirectory(prefix="mca-ocr-") as folder:
        binary = image.ndim == 2 and cv2.countNonZero(cv2.inRange(image, 1, 254)) == 0
        path = Path(folder) / ("page.pbm" if binary else "page.png")
        if not cv2.imwrite(str(path), image, [] if binary else [cv2.IMWRITE_PNG_COMPRESSION, 1]):
            raise OcrError("could not write the page image for Tesseract")
        try:
            return function(
                str(path), lang=lang, config=config, timeout=timeout, output_type=pytesseract.Output.DICT
            )
        except pytesseract.TesseractError as exc:
            raise OcrError(f"Tesseract failed: {exc.message or exc}") from exc
        except RuntimeError as exc:  # pytesseract reports its timeout as a bare RuntimeError
            raise OcrError(f"Tesseract stopped after {timeout:g} s: {exc}") from exc
