"""`mca bench [--pages N] [--out FILE.json] [--samples DIR]`: the pipeline's speed, measured in one run.

A benchmark, never a test: it reports numbers and ratios and fails on nothing but errors.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from infra.errors import MCAError
from infra.settings import load_settings
from streams.bench.corpus import demo_documents, submission_documents, take_scanned, take_text
from streams.bench.e2e import measure_latency
from streams.bench.report import BenchReport, report_dict, tables
from streams.bench.scanned import compare_scanned
from streams.bench.textlayer import run_text_layer
from streams.stages.limits import limits_from_settings

logger = logging.getLogger(__name__)

TABLE_WIDTH = 130


def machine_state(stage: str) -> dict[str, Any]:
    """The load averages and core count now, labelled with `stage` (before/after)."""
    one, five, fifteen = os.getloadavg()
    return {f"load_{stage}": [round(one, 2), round(five, 2), round(fifteen, 2)]}


def _tesseract_version() -> str:
    try:
        result = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable: {exc}"
    return (result.stdout or result.stderr).splitlines()[0] if (result.stdout or result.stderr) else "unknown"


def bench_command(
    pages: Annotated[int, typer.Option("--pages", min=1, help="Scanned pages to read (demo data).")] = 24,
    out: Annotated[Path | None, typer.Option("--out", help="Write the results as JSON to this file.")] = None,
    samples: Annotated[
        Path | None, typer.Option("--samples", help="Also read the scanned pages of this NNN.eml folder.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Pool size on both sides (default: all cores).")
    ] = None,
    text_pages: Annotated[
        int, typer.Option("--text-pages", min=1, help="At most this many text-layer pages (whole documents).")
    ] = 400,
    apps: Annotated[
        int, typer.Option("--apps", min=0, help="Submissions timed end to end through SMTP and two workers "
                                                "(0: skip; starts a temporary stack).")
    ] = 6,
    interval: Annotated[
        float, typer.Option("--interval", min=0.0, help="Seconds between those submissions.")
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="First demo-data seed.")] = 1,
) -> None:
    """Measure scanned pages/s against bare Tesseract (ratio), text-layer pages/s per core, and
    (when the stage agents exist) end-to-end latency per application; print tables, write JSON."""
    settings = load_settings()
    limits = limits_from_settings(settings)
    size = workers or os.cpu_count() or 1
    machine: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "workers": size,
        "python": platform.python_version(),
        "tesseract": _tesseract_version(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **machine_state("before"),
    }
    console = Console()
    console.width = max(console.width, TABLE_WIDTH)  # a pipe gets 80 columns: too narrow to read
    with tempfile.TemporaryDirectory(prefix="mca-bench-") as folder:
        work = Path(folder)
        console.print(f"[dim]generating demo submissions until they hold {pages} scanned pages...[/dim]")
        documents = demo_documents(work / "demo", pages, limits, seed=seed)
        scanned = take_scanned(documents, pages)
        if samples is not None:
            scanned += [d for d in submission_documents(samples, "samples", limits) if d.scanned_pages]
        console.print(f"[dim]scanned: {sum(len(d.scanned_pages) for d in scanned)} pages[/dim]")
        scanned_result = compare_scanned(scanned, limits, size, work)
        text_result = run_text_layer(take_text(documents, text_pages), limits, size)
        machine.update(machine_state("after"))
        report = BenchReport(machine, scanned_result, text_result)
        _show(report, console, out)
        if not apps:
            return
        emails = [p.read_bytes() for p in sorted((work / "demo").glob("*/*.eml"))][: apps + 1]
        try:
            latency = measure_latency(emails, limits, interval=interval, console=console)
        except (RuntimeError, MCAError, OSError) as exc:
            logger.exception("end-to-end latency not measured")
            report.notes.append(f"end-to-end latency not measured: {exc}")
            latency = None
    machine.update(machine_state("after_latency"))
    _show(replace(report, latency=latency), console, out, only_latency=True)


def _show(report: BenchReport, console: Console, out: Path | None, *, only_latency: bool = False) -> None:
    """Print the report's tables (or only the latency's) and write the whole report as JSON."""
    shown = tables(report)
    if only_latency:
        shown = [report.latency.table()] if report.latency else []
    for table in shown:
        console.print(table)
    for note in [*report.notes, *(report.latency.notes if only_latency and report.latency else ())]:
        console.print(f"[dim]{note}[/dim]")
    machine = report.machine
    console.print(f"load average before {machine['load_before']}, after {machine['load_after']}"
                  + (f", after the latency run {machine['load_after_latency']}" if only_latency else "")
                  + f" on {machine['cpu_count']} cores")
    if out is not None:
        out.write_text(json.dumps(report_dict(report), indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {out}")
