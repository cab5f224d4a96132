"""`mca bench` runs end to end on the smallest workload (one scanned page, a few text-layer pages,
no end-to-end latency: that part starts a whole stack).

A smoke test only: it proves the benchmark works (demo data, pools, the bare Tesseract CLI, the
report), never how fast anything is. The full benchmark never runs in the test command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app

pytestmark = pytest.mark.timeout(300)


def test_bench_with_one_page_reports_ratios_steps_and_text_layer_rate(tmp_path: Path):
    out = tmp_path / "bench.json"
    argv = ["bench", "--pages", "1", "--text-pages", "5", "--apps", "0", "--out", str(out)]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    scanned = report["scanned"]
    assert [scanned[side]["pages"] for side in ("pipeline", "bare_tesseract", "engine")] == [1, 1, 1]
    assert scanned["ratio"] > 0 and scanned["cpu_ratio"] > 0
    assert set(scanned["steps"]) == {"render", "orientation", "deskew", "cleaning", "ocr", "extract"}
    assert 1 <= report["text_layer"]["pages"] <= 5 and report["text_layer"]["pages_per_second_per_core"] > 0
    assert len(report["machine"]["load_before"]) == 3 and "load_after" in report["machine"]
    assert "ratio pipeline / bare" in result.output
