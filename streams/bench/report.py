"""A benchmark's results as one JSON-ready dict and as rich tables (both from the same values)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from streams.bench.latency import LatencyResult
from streams.bench.measure import StepShare
from streams.bench.recall import Recall
from streams.bench.scanned import SIDES, ScannedResult, SideResult
from streams.bench.textlayer import TextLayerResult

SCANNED_TARGET = 0.8
SIDE_LABELS = {
    "pipeline": "pipeline",
    "bare tesseract": "bare tesseract CLI",
    "engine": "resident engine, raw page",
}
TEXT_TARGET = 50.0


@dataclass(frozen=True)
class BenchReport:
    """Everything one `mca bench` run measured, with the machine's state around it."""

    machine: Mapping[str, Any]
    scanned: ScannedResult | None = None
    text_layer: TextLayerResult | None = None
    latency: LatencyResult | None = None
    notes: list[str] = field(default_factory=list)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _side(side: SideResult) -> dict[str, Any]:
    return {
        "pages": side.pages,
        "seconds": _round(side.seconds),
        "pages_per_second": _round(side.pages_per_second),
        "cpu_seconds_per_page": _round(side.cpu_seconds_per_page),
    }


def _steps(steps: list[StepShare]) -> dict[str, Any]:
    return {s.step: {"seconds_per_page": _round(s.seconds_per_page, 4), "share": _round(s.share)}
            for s in steps}


def _recall(recall: Mapping[str, Recall]) -> dict[str, Any]:
    return {k: {"found": r.found, "expected": r.expected, "share": _round(r.share, 4)}
            for k, r in recall.items()}


def report_dict(report: BenchReport) -> dict[str, Any]:
    """The report as plain JSON values."""
    out: dict[str, Any] = {"machine": dict(report.machine), "notes": list(report.notes)}
    if report.scanned is not None:
        s = report.scanned
        out["scanned"] = {
            "workers": s.workers,
            "documents": s.documents,
            **{_key(side): _side(result) for side, result in s.sides.items()},
            "ratio": _round(s.ratio),
            "cpu_ratio": _round(s.cpu_ratio),
            "engine_ratio": _round(s.engine_ratio),
            "target_ratio": SCANNED_TARGET,
            "steps": _steps(s.steps),
            "recall": {_key(side): _recall(r) for side, r in s.recall.items()},
        }
    if report.text_layer is not None:
        t = report.text_layer
        out["text_layer"] = {
            "workers": t.workers,
            "documents": t.documents,
            "pages": t.pages,
            "seconds": _round(t.seconds),
            "pages_per_second_per_core": _round(t.pages_per_second_per_core, 1),
            "pages_per_cpu_second": _round(t.pages_per_cpu_second, 1),
            "target_pages_per_second_per_core": TEXT_TARGET,
            "steps": _steps(t.steps),
        }
    if report.latency is not None:
        out["latency"] = report.latency.as_dict()
    return out


def _key(side: str) -> str:
    return side.replace(" ", "_")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def tables(report: BenchReport) -> list[Table]:
    """Rich tables for a terminal: scanned pages, their steps, text-layer pages, latency."""
    out = []
    if report.scanned is not None:
        s = report.scanned
        table = Table(title=f"Scanned pages, same page images, {s.workers} workers")
        for column in ("", "pages", "wall s", "pages/s", "CPU-s/page", "field-word recall"):
            table.add_column(column, justify="right" if column else "left")
        for name in SIDES:
            side = s.sides[name]
            recall = s.recall.get(name, {})
            shares = ", ".join(f"{k} {_pct(r.share)} ({r.found}/{r.expected})" for k, r in recall.items())
            table.add_row(SIDE_LABELS[name], str(side.pages), _num(side.seconds, 1),
                          _num(side.pages_per_second, 3), _num(side.cpu_seconds_per_page), shares or "-")
        table.add_row("ratio pipeline / bare", "", "", f"{_num(s.ratio)} (target {SCANNED_TARGET})",
                      f"{_num(s.cpu_ratio)}", "")
        table.add_row("ratio pipeline / engine", "", "", _num(s.engine_ratio), "", "")
        out.append(table)
        steps = Table(title="Pipeline steps on scanned pages (mean wall seconds per page)")
        for column in ("step", "s/page", "share"):
            steps.add_column(column, justify="left" if column == "step" else "right")
        for share in s.steps:
            steps.add_row(share.step, _num(share.seconds_per_page, 3), _pct(share.share))
        out.append(steps)
    if report.text_layer is not None:
        t = report.text_layer
        table = Table(title=f"Text-layer pages ({t.workers} workers, read + extract)")
        for column in ("documents", "pages", "wall s", "pages/s/core", "pages/CPU-s", "split"):
            table.add_column(column, justify="right")
        split = ", ".join(f"{x.step} {_pct(x.share)}" for x in t.steps)
        table.add_row(str(t.documents), str(t.pages), _num(t.seconds, 2),
                      f"{_num(t.pages_per_second_per_core, 1)} (target {TEXT_TARGET:g})",
                      _num(t.pages_per_cpu_second, 1), split)
        out.append(table)
    if report.latency is not None:
        out.append(report.latency.table())
    return out
