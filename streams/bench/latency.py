"""End-to-end latency per application, from SMTP acceptance to its record on mca.application:
the result type and its summary (the run itself is in e2e.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from streams.bench.measure import percentile


@dataclass(frozen=True)
class LatencyResult:
    """Seconds from SMTP acceptance to the application's first record on mca.application, per
    submission that produced one (`seconds`); `missing` submissions gave none within the wait.
    `kafka_share` is the share of that time not spent in the stages' own work: 1 - (the same
    submissions read one at a time in one process, without Kafka) / (end to end)."""

    workers: int
    submissions: int
    seconds: tuple[float, ...]
    missing: int = 0
    kafka_share: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def p50(self) -> float | None:
        """Median latency."""
        return percentile(self.seconds, 50)

    @property
    def p95(self) -> float | None:
        """95th percentile latency."""
        return percentile(self.seconds, 95)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {
            "workers": self.workers,
            "submissions": self.submissions,
            "completed": len(self.seconds),
            "missing": self.missing,
            "p50_seconds": None if self.p50 is None else round(self.p50, 2),
            "p95_seconds": None if self.p95 is None else round(self.p95, 2),
            "max_seconds": round(max(self.seconds), 2) if self.seconds else None,
            "kafka_share": None if self.kafka_share is None else round(self.kafka_share, 3),
            "seconds": [round(s, 2) for s in self.seconds],
            "notes": list(self.notes),
        }

    def table(self) -> Table:
        """A one-row rich table."""
        title = f"End-to-end latency per application (SMTP -> mca.application, {self.workers} workers)"
        table = Table(title=title)
        for column in ("submissions", "completed", "p50 s", "p95 s", "max s", "Kafka share"):
            table.add_column(column, justify="right")
        data = self.as_dict()
        table.add_row(
            str(self.submissions), str(len(self.seconds)), str(data["p50_seconds"] or "-"),
            str(data["p95_seconds"] or "-"), str(data["max_seconds"] or "-"),
            "-" if self.kafka_share is None else f"{100 * self.kafka_share:.1f}%",
        )
        return table
