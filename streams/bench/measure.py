"""Pure measurement helpers: rates, ratios, percentiles, step breakdowns and the bare Tesseract
command line the pipeline is compared with. No clocks and no processes here."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

BASELINE_PSM = 3  # Tesseract's default segmentation, the one the pipeline asks for
BASELINE_OEM = 1  # LSTM only, as the pipeline


@dataclass(frozen=True)
class StepShare:
    """One step of a breakdown: mean seconds per page and its share of all steps' time."""

    step: str
    seconds_per_page: float
    share: float


def rate(count: int, seconds: float) -> float:
    """Items per second; 0.0 when no time was measured."""
    return count / seconds if seconds > 0 else 0.0


def ratio(ours: float, theirs: float) -> float | None:
    """ours / theirs (e.g. pipeline pages/s over bare Tesseract pages/s); None when theirs is 0."""
    return ours / theirs if theirs > 0 else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default);
    None for no values."""
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def breakdown(timings: Iterable[Mapping[str, float]], steps: Sequence[str], pages: int) -> list[StepShare]:
    """Per-step mean seconds per page over `pages` pages, from per-page (or per-document) timing
    maps; steps in the order given, missing steps count as zero."""
    totals = dict.fromkeys(steps, 0.0)
    for timing in timings:
        for step in steps:
            totals[step] += float(timing.get(step, 0.0))
    whole = sum(totals.values())
    return [
        StepShare(step, totals[step] / pages if pages else 0.0, totals[step] / whole if whole else 0.0)
        for step in steps
    ]


def tesseract_command(
    image: str, *, dpi: float | None, lang: str = "eng", psm: int = BASELINE_PSM, oem: int = BASELINE_OEM
) -> list[str]:
    """The bare `tesseract` invocation for one page image: words with boxes (TSV) to stdout, at the
    page's resolution when it is known (as the pipeline passes it) and otherwise Tesseract's guess."""
    command = ["tesseract", image, "stdout", "-l", lang, "--psm", str(int(psm)), "--oem", str(int(oem))]
    if dpi:
        command += ["--dpi", str(round(dpi))]
    return [*command, "tsv"]
