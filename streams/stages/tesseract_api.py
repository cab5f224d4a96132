"""Tesseract's C API kept loaded in the process (tesserocr), so a page costs recognition alone.

The `tesseract` CLI loads its model for every page (~0.1 CPU-s) and needs the page written to a
file; a pool worker that reads page after page keeps one engine per thread instead and hands it
the pixels directly. The engine reads the same model files as the installed CLI (their folder is
asked of the CLI once). The tesserocr wheel bundles its own single-threaded libtesseract (no
OpenMP, so no oversubscription whatever OMP_THREAD_LIMIT says). Where tesserocr or the models are
missing, `engine()` returns None and callers use the CLI.
"""

from __future__ import annotations

import functools
import logging
import re
import subprocess
import threading
from typing import Any

import numpy as np

try:
    import tesserocr
except ImportError:  # optional at run time: the CLI path still works
    tesserocr = None

logger = logging.getLogger(__name__)

TSV_COLUMNS = (
    "level", "page_num", "block_num", "par_num", "line_num", "word_num",
    "left", "top", "width", "height", "conf", "text",
)
_LANGS_FOLDER = re.compile(r'List of available languages in "([^"]+)"')
_local = threading.local()


class EngineError(RuntimeError):
    """The resident engine did not finish a page (its time limit passed, or recognition failed)."""


@functools.cache
def tessdata_dir() -> str | None:
    """The folder the installed `tesseract` CLI reads its models from (None: no CLI answered)."""
    try:
        result = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("tesseract --list-langs failed: %s", exc)
        return None
    found = _LANGS_FOLDER.search(result.stdout + result.stderr)
    return found.group(1) if found else None


def engine(lang: str, oem: int) -> Any | None:
    """This thread's loaded engine for `lang` and `oem` (created on first use), or None when
    tesserocr is not installed or cannot load the model (logged once per thread)."""
    if tesserocr is None:
        return None
    engines: dict[tuple[str, int], Any] = _local.__dict__.setdefault("engines", {})
    key = (lang, int(oem))
    if key not in engines:
        engines[key] = _load(lang, int(oem))
    return engines[key]


def _load(lang: str, oem: int) -> Any | None:
    folder = tessdata_dir()
    if folder is None:
        return None
    try:
        return tesserocr.PyTessBaseAPI(path=folder, lang=lang, oem=oem)
    except RuntimeError as exc:
        logger.warning("tesserocr could not load %s from %s, using the CLI: %s", lang, folder, exc)
        return None


def recognize(api: Any, image: np.ndarray, *, psm: int, dpi: int | None, timeout: float) -> dict[str, list]:
    """Read a uint8 single-channel `image` with `api` in segmentation mode `psm`, at `dpi` (None:
    Tesseract estimates it); Tesseract's TSV as columns (see `tsv_table`).

    Raises EngineError when recognition fails or runs past `timeout` seconds."""
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = pixels.shape[:2]
    api.SetPageSegMode(int(psm))
    api.SetImageBytes(pixels.tobytes(), width, height, 1, width)
    if dpi:
        api.SetSourceResolution(int(dpi))
    try:
        if not api.Recognize(max(1, int(timeout * 1000))):
            raise EngineError(f"Tesseract stopped after {timeout:g} s or failed")
        return tsv_table(api.GetTSVText(0))
    finally:
        api.Clear()


def tsv_table(tsv: str) -> dict[str, list]:
    """Tesseract's TSV rows (without header) as columns named as in TSV_COLUMNS; numbers as int,
    `conf` as float, `text` as str (empty when a row has none)."""
    table: dict[str, list] = {name: [] for name in TSV_COLUMNS}
    for line in tsv.splitlines():
        cells = line.split("\t")
        if len(cells) < len(TSV_COLUMNS) - 1 or not cells[0].isdigit():
            continue
        cells += [""] * (len(TSV_COLUMNS) - len(cells))
        for name, cell in zip(TSV_COLUMNS, cells, strict=False):
            if name == "text":
                table[name].append(cell)
            elif name == "conf":
                table[name].append(float(cell))
            else:
                table[name].append(int(cell))
    return table
