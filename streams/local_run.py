"""The pipeline in one process, without Kafka: what `mca extract` runs over files.

Submissions are assembled strictly in the order given (file-name order), threading one memory of
earlier submissions through the run, so a resend or another ISO broker's copy is recognised as
the platform would. Reading runs ahead: the next few submissions' pages are rendered and OCR'd in
the CPU pool (one single-threaded process per core) while earlier ones are still being read.
The steps are those of streams/pipeline.py, exactly as the Faust agents call them.

A step that raises where it should have given a status (an internal error: a bug, a library crash
on a hostile file) is what the Faust path dead-letters; here it fails that document (or, split, the
whole submission) the same way, and the same pure assemble step makes the application `failed`
(streams/stages/assemble.py). Other inputs of the run go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams import pipeline
from streams.pipeline import DocumentEntry, PageOutcome, SubmissionInfo
from streams.pool import CpuPool, CpuPoolError, WorkerCrashedError
from streams.stages.application_json import application_to_json
from streams.stages.assemble import Application, DocumentResult, StageFailure, failed_document
from streams.stages.assemble_memory import AssembleMemory
from streams.stages.limits import Limits
from streams.stages.reading import DocumentPlan, PagePlan

logger = logging.getLogger(__name__)

TEXT_PAGES_PER_TASK = 16  # text-layer pages are cheap: several per pool task spare copying the bytes
LOOKAHEAD = 3  # submissions read ahead of the one being assembled


@dataclass(frozen=True)
class ReadSubmission:
    """A submission whose documents are all read and extracted (or failed), ready to assemble;
    `failures` when a stage failed on the whole submission (split)."""

    info: SubmissionInfo
    results: tuple[DocumentResult, ...]
    failures: tuple[StageFailure, ...] = ()


@dataclass(frozen=True)
class ExtractResult:
    """What one input became: its application and its JSON, or the error that stopped it."""

    path: Path
    application: Application | None
    json: dict[str, Any] | None
    error: str | None = None


def render_and_read_pages(
    data: bytes, plan: DocumentPlan, pages: Sequence[PagePlan], limits: Limits
) -> list[PageOutcome]:
    """`pipeline.render_and_read_page` over several pages in one pool task."""
    return [pipeline.render_and_read_page(data, plan, page, limits) for page in pages]


class LocalRunner:
    """Reads submissions with a CpuPool and assembles them in order against one memory."""

    def __init__(self, pool: CpuPool, limits: Limits, *, memory: AssembleMemory | None = None) -> None:
        self.pool = pool
        self.limits = limits
        self.memory = memory or AssembleMemory()

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` in the pool; a worker crash is retried once (a neighbour may have caused it)."""
        try:
            return await self.pool.run_cpu(fn, *args)
        except WorkerCrashedError:
            logger.warning("%s: worker crashed; trying once more", getattr(fn, "__name__", fn))
            return await self.pool.run_cpu(fn, *args)

    async def read_email(self, raw: bytes) -> ReadSubmission:
        """Split an email and read every document of it."""
        info = await asyncio.to_thread(pipeline.submission_from_email, raw)
        try:
            entries = await self._run(pipeline.split_submission, raw, info.submission_id, self.limits)
        except Exception as exc:  # an internal error: the Faust path dead-letters it (see the module doc)
            logger.exception("splitting %s failed", info.submission_id)
            return ReadSubmission(info, (), (StageFailure("split", type(exc).__name__),))
        return await self.read_entries(info, entries)

    async def read_entries(
        self, info: SubmissionInfo, entries: Sequence[tuple[DocumentEntry, bytes]]
    ) -> ReadSubmission:
        """Read and extract the given documents of a submission, all at once."""
        results = await asyncio.gather(*(self.read_document(entry, data) for entry, data in entries))
        return ReadSubmission(info, tuple(results))

    async def read_document(self, entry: DocumentEntry, data: bytes) -> DocumentResult:
        """Plan, read every planned page, put the document together and extract it. A step raising
        (an internal error) fails the document, named after the Faust stage that runs the step."""
        stage = "render"
        try:
            try:
                plan = await self._run(pipeline.plan_entry, entry, data, self.limits)
            except CpuPoolError as exc:
                plan = DocumentPlan("invalid", "corrupt", f"could not be opened: {exc}")
            decided = pipeline.decided_from_plan(plan)
            if decided is not None:
                outcome = pipeline.refused_outcome(decided)
            else:
                stage = "ocr"  # render_page turns its own errors into page notes: what escapes is OCR's
                pages = await self._read_pages(data, plan)
                stage = "assemble-pages"
                outcome = pipeline.document_reading(
                    page_count=plan.page_count,
                    planned_pages=len(plan.pages),
                    raster=plan.kind == "image" or any(p.kind == "raster" for p in plan.pages),
                    outcomes=pages,
                    form_fields=plan.form_fields,
                )
            stage = "extract"
            try:
                pixels = data if pipeline.needs_bytes(outcome) else None
                result: DocumentResult = await self._run(
                    pipeline.extract_entry, entry, outcome, pixels, self.limits
                )
            except CpuPoolError as exc:
                logger.error("extracting %s failed in the pool: %s", entry.filename, exc)
                result = pipeline.extraction_failed(entry, outcome.page_count)
            return result
        except Exception as exc:  # an internal error: the Faust path dead-letters it (see the module doc)
            logger.exception("%s failed on document %s", stage, entry.document_id)
            failure = StageFailure(stage, type(exc).__name__, entry.document_id)
            return failed_document(entry.filename or "", failure)

    async def _read_pages(self, data: bytes, plan: DocumentPlan) -> list[PageOutcome]:
        pages = pipeline.pages_to_render(plan)
        text = [p for p in pages if p.kind == "text"]
        batches = [text[i : i + TEXT_PAGES_PER_TASK] for i in range(0, len(text), TEXT_PAGES_PER_TASK)]
        batches += [[p] for p in pages if p.kind != "text"]
        done = await asyncio.gather(*(self._read_batch(data, plan, batch) for batch in batches))
        return [outcome for batch in done for outcome in batch]

    async def _read_batch(self, data: bytes, plan: DocumentPlan, batch: list[PagePlan]) -> list[PageOutcome]:
        try:
            return await self._run(render_and_read_pages, data, plan, batch, self.limits)
        except CpuPoolError as exc:  # over the time limit, or a worker that keeps dying on it
            logger.error("pages %s could not be read: %s", [p.index + 1 for p in batch], exc)
            return [
                PageOutcome(
                    p.index + 1,
                    pipeline.page_is_raster(plan, p.index),
                    None,
                    f"page {p.index + 1} not read: {exc}",
                )
                for p in batch
            ]

    def assemble(self, read: ReadSubmission) -> Application:
        """Assemble a read submission against the memory, which then remembers it."""
        app, self.memory = pipeline.assemble_submission(read.info, read.results, self.memory, read.failures)
        return app


async def _read_path(runner: LocalRunner, path: Path) -> ReadSubmission:
    data = await asyncio.to_thread(path.read_bytes)
    if path.suffix.lower() == ".eml":
        return await runner.read_email(data)
    info, entries = pipeline.single_document(path.name, data)
    return await runner.read_entries(info, entries)


async def extract_paths(
    paths: Sequence[Path], runner: LocalRunner, *, lookahead: int = LOOKAHEAD
) -> AsyncIterator[ExtractResult]:
    """Each input's application, in the order given; later inputs are read while earlier ones finish."""
    tasks: dict[int, asyncio.Task[ReadSubmission]] = {}

    def start(index: int) -> None:
        if index < len(paths) and index not in tasks:
            tasks[index] = asyncio.create_task(_read_path(runner, paths[index]))

    try:
        for index, path in enumerate(paths):
            for ahead in range(index, index + max(lookahead, 1)):
                start(ahead)
            try:
                read = await tasks.pop(index)
            except Exception as exc:  # one unreadable input file must not stop the run
                logger.exception("%s could not be processed", path)
                yield ExtractResult(path, None, None, f"{type(exc).__name__}: {exc}")
                continue
            app = runner.assemble(read)
            yield ExtractResult(path, app, application_to_json(app))
    finally:
        for task in tasks.values():
            task.cancel()
