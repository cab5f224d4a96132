"""Text-layer pages: documents whose pages carry real text, planned, read and extracted by the
pipeline's steps in a CpuPool of one process per worker slot (a document per call, as `mca
extract` hands short documents out), reported as pages per second per core."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from streams.bench.corpus import BenchDocument, text_documents
from streams.bench.measure import StepShare, breakdown, rate
from streams.bench.tasks import DocumentRun, pipeline_document, warm_up
from streams.pool import CpuPool
from streams.stages.limits import Limits

TEXT_STEPS = ("render", "extract")


@dataclass(frozen=True)
class TextLayerResult:
    """Pages read, wall and CPU seconds, with `workers` processes, and the split between steps."""

    workers: int
    documents: int
    pages: int
    seconds: float
    cpu_seconds: float
    steps: list[StepShare]

    @property
    def pages_per_second_per_core(self) -> float:
        """Pages per wall second divided by the workers (target >= 50)."""
        return rate(self.pages, self.seconds) / self.workers if self.workers else 0.0

    @property
    def pages_per_cpu_second(self) -> float:
        """Pages per CPU second (the same rate without other load's interference)."""
        return rate(self.pages, self.cpu_seconds)


async def _run(
    pool: CpuPool, documents: list[BenchDocument], limits: Limits
) -> tuple[float, list[DocumentRun]]:
    await asyncio.gather(*(pool.run_cpu(warm_up) for _ in range(pool.workers)))
    started = time.perf_counter()
    runs = await asyncio.gather(*(
        pool.run_cpu(pipeline_document, d.entry, d.data, d.text_pages, limits) for d in documents
    ))
    return time.perf_counter() - started, list(runs)


def run_text_layer(documents: list[BenchDocument], limits: Limits, workers: int) -> TextLayerResult:
    """Read and extract every text-layer document of `documents` in a CpuPool of `workers`."""
    chosen = text_documents(documents)
    pool = CpuPool(workers)
    try:
        seconds, runs = asyncio.run(_run(pool, chosen, limits))
    finally:
        pool.shutdown()
    pages = sum(r.pages for r in runs)
    steps = breakdown([r.timings for r in runs], TEXT_STEPS, pages)
    return TextLayerResult(workers, len(chosen), pages, seconds, sum(r.cpu_seconds for r in runs), steps)
