"""What a benchmark runs in its worker processes and threads: the pipeline's own steps
(streams/pipeline.py) on one page or document, and Tesseract alone on one page image (the bare
CLI, or the pipeline's resident engine), each with its run time and the CPU seconds it used (its
own and its child processes', e.g. a Tesseract CLI's)."""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from streams.pipeline import (
    DocumentEntry,
    PageOutcome,
    document_reading,
    extract_entry,
    plan_entry,
    render_and_read_page,
)
from streams.stages import tesseract_api
from streams.stages.extract.document import extract_document
from streams.stages.limits import Limits
from streams.stages.ocr import ocr_page
from streams.stages.reading import DocumentPlan, configure_worker
from streams.stages.text import DocumentText

WARM_UP_PAUSE = 0.3  # seconds a warm-up call lingers, so that every pool worker receives one


@dataclass(frozen=True)
class PlanRun:
    """A document planned by the pipeline (which pages, what kind), with wall and CPU seconds."""

    plan: DocumentPlan
    seconds: float
    cpu_seconds: float


@dataclass(frozen=True)
class PageRun:
    """One page read by the pipeline: its outcome, seconds per step, and CPU seconds used."""

    outcome: PageOutcome
    timings: Mapping[str, float] = field(default_factory=dict)
    cpu_seconds: float = 0.0

    @property
    def words(self) -> list[str]:
        """The words read on the page."""
        return [w.text for w in self.outcome.reading.text.words] if self.outcome.reading else []


@dataclass(frozen=True)
class ExtractRun:
    """A document's extraction: the type found, wall seconds and CPU seconds."""

    doc_type: str
    seconds: float
    cpu_seconds: float


@dataclass(frozen=True)
class DocumentRun:
    """A whole document planned, read and extracted: pages read, seconds per step, CPU seconds."""

    pages: int
    timings: Mapping[str, float]
    cpu_seconds: float


@dataclass(frozen=True)
class BaselineRun:
    """Tesseract alone on one page image: the words it read, wall and CPU seconds."""

    words: tuple[str, ...]
    seconds: float
    cpu_seconds: float


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def warm_up() -> None:
    """Load the reading and extraction stack (OpenCV, pdfium, Tesseract, label grammars) in a pool
    worker before timing."""
    configure_worker()
    blank = np.full((200, 400), 255, dtype=np.uint8)
    page = ocr_page(blank, dpi=150, timeout=30)
    extract_document(DocumentText((page,)))
    time.sleep(WARM_UP_PAUSE)


def pipeline_plan(entry: DocumentEntry, data: bytes, limits: Limits) -> PlanRun:
    """The pipeline's plan of a document (part of its render step)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    plan = plan_entry(entry, data, limits)
    return PlanRun(plan, time.perf_counter() - started, cpu_seconds() - cpu)


def pipeline_page(data: bytes, plan: DocumentPlan, index: int, limits: Limits) -> PageRun:
    """Page `index` (0-based) of a planned document rendered and read as the pipeline does
    (render, deskew, cleaning, OCR, orientation when the reading looks illegible)."""
    cpu = cpu_seconds()
    page = next(p for p in plan.pages if p.index == index)
    outcome = render_and_read_page(data, plan, page, limits)
    timings = dict(outcome.reading.timings) if outcome.reading else {}
    return PageRun(outcome, timings, cpu_seconds() - cpu)


def pipeline_extract(
    entry: DocumentEntry, plan: DocumentPlan, outcomes: tuple[PageOutcome, ...]
) -> ExtractRun:
    """The read pages put together and the document classified and extracted, as the pipeline does."""
    started, cpu = time.perf_counter(), cpu_seconds()
    raster = plan.kind == "image" or any(p.kind == "raster" for p in plan.pages)
    reading = document_reading(
        page_count=plan.page_count, planned_pages=len(outcomes), raster=raster, outcomes=outcomes,
        form_fields=plan.form_fields,
    )
    result = extract_entry(entry, reading)
    return ExtractRun(result.doc_type, time.perf_counter() - started, cpu_seconds() - cpu)


def pipeline_document(
    entry: DocumentEntry, data: bytes, pages: tuple[int, ...], limits: Limits
) -> DocumentRun:
    """A document planned, its `pages` read and the whole extracted, in one call (as `mca extract`
    hands a short document to one worker)."""
    cpu = cpu_seconds()
    planned = pipeline_plan(entry, data, limits)
    runs = [pipeline_page(data, planned.plan, index, limits) for index in pages]
    extracted = pipeline_extract(entry, planned.plan, tuple(r.outcome for r in runs))
    timings = {"render": planned.seconds, "extract": extracted.seconds}
    for run in runs:
        for step, seconds in run.timings.items():
            timings[step] = timings.get(step, 0.0) + seconds
    return DocumentRun(len(runs), timings, cpu_seconds() - cpu)


def engine_page(path: str, dpi: float | None, timeout: float = 120.0) -> BaselineRun:
    """The pipeline's resident Tesseract engine alone on a page image file, without cleaning."""
    started, cpu = time.perf_counter(), cpu_seconds()
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    api = tesseract_api.engine("eng", 1)
    if image is None or api is None:
        raise RuntimeError(f"cannot read {path} with the resident engine")
    table = tesseract_api.recognize(api, image, psm=3, dpi=round(dpi) if dpi else None, timeout=timeout)
    words = tuple(t.strip() for level, t in zip(table["level"], table["text"], strict=True)
                  if level == 5 and t.strip())
    return BaselineRun(words, time.perf_counter() - started, cpu_seconds() - cpu)


def bare_tesseract(command: list[str]) -> BaselineRun:
    """Run one bare `tesseract` command (see measure.tesseract_command) single-threaded, as the
    pipeline runs it; raises subprocess.CalledProcessError when it fails."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
        assert process.stdout is not None
        with process.stdout:
            out = process.stdout.read()
        # Reaped here rather than by Popen, to read the child's own CPU time.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if process.returncode:
            errors.seek(0)
            raise subprocess.CalledProcessError(process.returncode, command, out, errors.read())
    return BaselineRun(tsv_words(out.decode("utf-8", "replace")), seconds, usage.ru_utime + usage.ru_stime)


def tsv_words(tsv: str) -> tuple[str, ...]:
    """The words of Tesseract's TSV output (level-5 rows with text)."""
    words = []
    for line in tsv.splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) >= 12 and cells[0] == "5" and cells[11].strip():
            words.append(cells[11].strip())
    return tuple(words)
