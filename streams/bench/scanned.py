"""Scanned pages: the pipeline against Tesseract alone on the same rendered page images.

Three sides, each as a pool of one single-threaded process per worker slot with every slot busy:
- pipeline: the pipeline's own steps in the project's CpuPool (a document is planned, its pages
  fan out, it is extracted once they are read);
- bare tesseract: one `tesseract` CLI process per page, `workers` at a time, on the page images
  the pipeline's render step produces (same resolution), written as PNG beforehand, so its time
  is Tesseract's alone (the asked-for baseline);
- engine: the pipeline's resident Tesseract engine alone on those images (no cleaning), which
  separates what the engine gains over the CLI from what the pipeline's own steps cost.
Drift in the machine's other load is balanced by running the pages in two halves, the second in
the reverse order of sides (A B C, C B A).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from streams.bench.corpus import BenchDocument
from streams.bench.measure import StepShare, breakdown, rate, ratio, tesseract_command
from streams.bench.recall import Recall, word_recall
from streams.bench.tasks import (
    BaselineRun,
    ExtractRun,
    PageRun,
    PlanRun,
    bare_tesseract,
    engine_page,
    pipeline_extract,
    pipeline_page,
    pipeline_plan,
    warm_up,
)
from streams.pool import CpuPool
from streams.stages.images import render_image
from streams.stages.limits import Limits
from streams.stages.render import render_pdf_page

logger = logging.getLogger(__name__)

SCANNED_STEPS = ("render", "orientation", "deskew", "cleaning", "ocr", "extract")
SIDES = ("pipeline", "bare tesseract", "engine")


@dataclass(frozen=True)
class PageImage:
    """A page as the pipeline renders it, written for the baselines, with its resolution."""

    path: Path
    dpi: float | None


@dataclass(frozen=True)
class SideResult:
    """One side of the comparison: pages read, wall seconds, CPU seconds (all its processes)."""

    pages: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        """Pages per wall second with every worker busy."""
        return rate(self.pages, self.seconds)

    @property
    def cpu_seconds_per_page(self) -> float:
        """CPU seconds per page: the cost, less disturbed by other load than wall time."""
        return self.cpu_seconds / self.pages if self.pages else 0.0

    def __add__(self, other: SideResult) -> SideResult:
        return SideResult(self.pages + other.pages, self.seconds + other.seconds,
                          self.cpu_seconds + other.cpu_seconds)


@dataclass(frozen=True)
class ScannedResult:
    """The comparison: each side, the pipeline's steps, and OCR recall of the true field values
    of scanned application forms, per side and per source of documents."""

    workers: int
    documents: int
    sides: dict[str, SideResult]
    steps: list[StepShare]
    recall: dict[str, dict[str, Recall]] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Pipeline pages/s over bare Tesseract pages/s (target >= 0.8)."""
        return ratio(self.sides["pipeline"].pages_per_second, self.sides["bare tesseract"].pages_per_second)

    @property
    def cpu_ratio(self) -> float | None:
        """The same ratio from CPU seconds per page."""
        return ratio(self.sides["bare tesseract"].cpu_seconds_per_page,
                     self.sides["pipeline"].cpu_seconds_per_page)

    @property
    def engine_ratio(self) -> float | None:
        """Pipeline pages/s over its own engine's alone on the raw pages: what the other steps cost."""
        return ratio(self.sides["pipeline"].pages_per_second, self.sides["engine"].pages_per_second)


def render_baseline_images(
    documents: Sequence[BenchDocument], limits: Limits, folder: Path
) -> list[list[PageImage]]:
    """Every scanned page rendered by the pipeline's render step, written as PNG into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    images: list[list[PageImage]] = []
    for number, document in enumerate(documents):
        pages = []
        for index in document.scanned_pages:
            if document.plan.kind == "image":
                rendered = render_image(document.data, limits)
            else:
                rendered = render_pdf_page(document.data, index, limits, kind="raster")
            path = folder / f"{number:04d}-{index:03d}.png"
            if rendered.image is None or not cv2.imwrite(str(path), rendered.image):
                raise RuntimeError(f"could not render {document.label} page {index + 1} for the baseline")
            pages.append(PageImage(path, rendered.dpi))
        images.append(pages)
    return images


def bare_side(images: list[PageImage], workers: int) -> tuple[SideResult, list[BaselineRun]]:
    """Bare Tesseract over `images`, `workers` processes at a time (blocking; run it in a thread)."""
    commands = [tesseract_command(str(image.path), dpi=image.dpi) for image in images]
    with ThreadPoolExecutor(workers) as threads:
        started = time.perf_counter()
        runs = list(threads.map(bare_tesseract, commands))
        seconds = time.perf_counter() - started
    return SideResult(len(runs), seconds, sum(r.cpu_seconds for r in runs)), runs


async def engine_side(pool: CpuPool, images: list[PageImage]) -> tuple[SideResult, list[BaselineRun]]:
    """The resident engine alone over `images` in `pool`."""
    started = time.perf_counter()
    runs = await asyncio.gather(*(pool.run_cpu(engine_page, str(i.path), i.dpi) for i in images))
    seconds = time.perf_counter() - started
    return SideResult(len(runs), seconds, sum(r.cpu_seconds for r in runs)), list(runs)


@dataclass(frozen=True)
class _DocumentRuns:
    plan: PlanRun
    pages: list[PageRun]
    extract: ExtractRun


async def pipeline_side(
    pool: CpuPool, documents: Sequence[BenchDocument], limits: Limits
) -> tuple[SideResult, list[_DocumentRuns]]:
    """The pipeline over the scanned pages of `documents` in `pool`."""

    async def one(document: BenchDocument) -> _DocumentRuns:
        planned = await pool.run_cpu(pipeline_plan, document.entry, document.data, limits)
        pages = await asyncio.gather(*(
            pool.run_cpu(pipeline_page, document.data, planned.plan, index, limits)
            for index in document.scanned_pages
        ))
        outcomes = tuple(p.outcome for p in pages)
        extracted = await pool.run_cpu(pipeline_extract, document.entry, planned.plan, outcomes)
        return _DocumentRuns(planned, list(pages), extracted)

    started = time.perf_counter()
    runs = await asyncio.gather(*(one(document) for document in documents))
    seconds = time.perf_counter() - started
    cpu = sum(r.plan.cpu_seconds + r.extract.cpu_seconds + sum(p.cpu_seconds for p in r.pages) for r in runs)
    return SideResult(sum(len(r.pages) for r in runs), seconds, cpu), list(runs)


def _halves(documents: Sequence[BenchDocument]) -> tuple[list[int], list[int]]:
    total, first, count = sum(len(d.scanned_pages) for d in documents), [], 0
    for number, document in enumerate(documents):
        if count >= total / 2:
            break
        first.append(number)
        count += len(document.scanned_pages)
    return first, list(range(len(first), len(documents)))


async def _compare(
    documents: Sequence[BenchDocument], images: list[list[PageImage]], limits: Limits, workers: int
) -> tuple[dict[str, SideResult], dict[str, dict[int, list[list[str]]]], list[_DocumentRuns]]:
    pool = CpuPool(workers)
    totals = {side: SideResult() for side in SIDES}
    words: dict[str, dict[int, list[list[str]]]] = {side: {} for side in SIDES}
    pipeline_runs: list[_DocumentRuns] = []
    try:
        await asyncio.gather(*(pool.run_cpu(warm_up) for _ in range(workers)))
        for half, order in zip(_halves(documents), (SIDES, tuple(reversed(SIDES))), strict=True):
            for side in order:
                chosen = [documents[n] for n in half]
                flat = [image for n in half for image in images[n]]
                logger.info("bench: %s on %d pages", side, len(flat))
                if side == "pipeline":
                    result, runs = await pipeline_side(pool, chosen, limits)
                    pipeline_runs += runs
                    for n, run in zip(half, runs, strict=True):
                        words[side][n] = [page.words for page in run.pages]
                else:
                    if side == "engine":
                        result, page_runs = await engine_side(pool, flat)
                    else:
                        result, page_runs = await asyncio.to_thread(bare_side, flat, workers)
                    position = 0
                    for n in half:
                        count = len(images[n])
                        words[side][n] = [list(r.words) for r in page_runs[position:position + count]]
                        position += count
                totals[side] = totals[side] + result
    finally:
        pool.shutdown()
    return totals, words, pipeline_runs


def compare_scanned(
    documents: Sequence[BenchDocument], limits: Limits, workers: int, work_dir: Path
) -> ScannedResult:
    """The whole comparison in one run (see the module docstring)."""
    images = render_baseline_images(documents, limits, work_dir / "pages")
    sides, words, runs = asyncio.run(_compare(documents, images, limits, workers))
    timings = [p.timings for r in runs for p in r.pages]
    timings += [{"render": r.plan.seconds, "extract": r.extract.seconds} for r in runs]
    steps = breakdown(timings, SCANNED_STEPS, sides["pipeline"].pages)
    recall: dict[str, dict[str, Recall]] = {side: {} for side in SIDES}
    for number, document in enumerate(documents):
        if not document.expected:
            continue
        for side in SIDES:
            found = word_recall(document.expected, [w for page in words[side][number] for w in page])
            recall[side][document.source] = recall[side].get(document.source, Recall(0, 0)) + found
    return ScannedResult(workers, len(documents), sides, steps, recall)
