"""`mca demo-data DIR [--n N] [--seed S]`: write demo submissions with truth files."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from infra.demo.generate import build_demo_set


def demo_data_command(
    directory: Annotated[Path, typer.Argument(help="Folder to write NNN.eml and NNN.truth.json into.")],
    n: Annotated[int, typer.Option("--n", min=0, help="How many submissions.")] = 12,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed writes the same bytes.")] = 1,
) -> None:
    """Write N realistic ISO broker submissions, each with its expected extraction (truth file)."""
    started = time.monotonic()
    cases = build_demo_set(directory, n, seed)
    outcomes = Counter(c.outcome for c in cases)
    edges = Counter(c.kind for c in cases if c.kind != "normal")
    typer.echo(
        f"Wrote {len(cases)} submissions to {directory} (seed {seed}) in {time.monotonic() - started:.1f}s"
    )
    typer.echo("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    if edges:
        typer.echo(
            "  edge cases: "
            + ", ".join(f"{k}" + (f" x{v}" if v > 1 else "") for k, v in sorted(edges.items()))
        )
    typer.echo(f"  score a pipeline: python ../shared/tools/score.py PRED_DIR {directory}")
