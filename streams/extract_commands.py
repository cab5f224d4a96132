"""`mca extract PATH... [--out DIR]`: the pipeline over local files, without Kafka.

Inputs are .eml files, bare PDFs or images (one-document submissions), or folders of them, taken in
file-name order. With one input and no --out the application JSON goes to stdout; otherwise each
input's JSON is written to DIR/<input stem>.json. The JSON is unmasked: this is an operator's tool
on the operator's own files.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from infra.settings import load_settings
from streams.local_run import ExtractResult, LocalRunner, extract_paths
from streams.pool import CpuPool
from streams.stages.limits import Limits, limits_from_settings

logger = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = frozenset(
    {".eml", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".webp"}
)


def input_files(paths: Sequence[Path]) -> list[Path]:
    """The files to process: given files as they are, folders expanded to their .eml, PDF and image
    files (not recursively); all in file-name order. Raises typer.BadParameter for a missing path."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES]
        elif path.is_file():
            found.append(path)
        else:
            raise typer.BadParameter(f"{path} does not exist", param_hint="PATH")
    return sorted(dict.fromkeys(found), key=lambda p: (p.name, str(p)))


def to_json_text(value: dict[str, Any]) -> str:
    """The application JSON as written: indented, UTF-8, non-JSON values (dates, decimals) as text."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"


async def run_extract(
    files: Sequence[Path], *, limits: Limits, workers: int | None, task_timeout: float | None
) -> list[ExtractResult]:
    """Run the pipeline over `files` with a fresh CPU pool; results in input order."""
    pool = CpuPool(workers, default_timeout=task_timeout)
    try:
        runner = LocalRunner(pool, limits)
        return [result async for result in extract_paths(files, runner)]
    finally:
        pool.shutdown()


def write_results(results: Sequence[ExtractResult], out: Path | None) -> int:
    """Print (one input, no `out`) or write DIR/<stem>.json per input; returns how many failed."""
    failed = [r for r in results if r.json is None]
    for result in failed:
        typer.echo(f"{result.path}: failed: {result.error}", err=True)
    if out is None:
        for result in results:
            if result.json is not None:
                sys.stdout.write(to_json_text(result.json))
        return len(failed)
    out.mkdir(parents=True, exist_ok=True)
    written: set[str] = set()
    for result in results:
        if result.json is None:
            continue
        target = out / f"{result.path.stem}.json"
        if target.name in written:
            logger.warning("%s: another input had the same stem; %s is overwritten", result.path, target)
        written.add(target.name)
        target.write_text(to_json_text(result.json), encoding="utf-8")
    return len(failed)


def extract_command(
    paths: Annotated[list[Path], typer.Argument(help=".eml files, PDFs, images or folders of them.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write DIR/<input stem>.json per input instead of stdout.")
    ] = None,
) -> None:
    """Read submissions from files into applications (JSON), as the platform would, without Kafka.

    Files are taken in file-name order with one memory of the earlier ones, so a resend (same
    Message-ID) is a duplicate and another ISO broker's copy of a merchant goes to review.
    """
    settings = load_settings()
    files = input_files(paths)
    if not files:
        raise typer.BadParameter("no .eml, PDF or image file found", param_hint="PATH")
    if out is None and len(files) > 1:
        raise typer.BadParameter(f"{len(files)} inputs: give --out DIR to write one JSON file each")
    results = asyncio.run(
        run_extract(
            files,
            limits=limits_from_settings(settings),
            workers=settings.cpu_pool_workers,
            task_timeout=settings.cpu_task_timeout_seconds,
        )
    )
    failed = write_results(results, out)
    if out is not None:
        statuses = [r.json["status"] for r in results if r.json is not None]
        summary = ", ".join(f"{s} {statuses.count(s)}" for s in sorted(set(statuses)))
        typer.echo(f"{len(statuses)} application(s) written to {out} ({summary})", err=True)
    if failed:
        raise typer.Exit(1)
