"""Read-load benchmark of the API (not a test): `python -m api.bench [--applications 1000] [--rate 100]`.

Seeds a fresh database with applications through the postgres-sink's own writer (PII really
encrypted), starts `mca api` as a process of its own (one uvicorn worker), and sends an open-loop
load at a fixed rate (a request is sent at its scheduled time whether or not earlier ones have
answered, so a slow server cannot hide its queueing) of list pages (with and without filters) and
application details. Reports latency percentiles, the rate achieved and any errors; fails on nothing.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from sqlalchemy.orm import Session

from api.services.users import create_api_key
from consumers.postgres_sink.mapping import project_application
from consumers.postgres_sink.writer import ProjectionWriter
from infra.crypto import KeyRing, new_key_spec, parse_key_ring
from infra.database import make_engine
from infra.stack.process import free_port
from schemas.examples import RECEIVED_AT, example_value
from schemas.migrations import upgrade_database
from schemas.pii import encrypt_field

STATUSES = ("processed", "review_required", "rejected", "duplicate", "failed")
START_SECONDS = 60.0


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ascending `ordered` (0 for none), pure."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass
class LoadResult:
    """Latencies (seconds) of answered requests, status counts, transport errors, and the time taken."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Counts, achieved rate and p50/p95/p99/max in milliseconds."""
        ordered = sorted(self.latencies)
        answered = len(ordered)
        return {
            "requests": answered + self.errors,
            "answered": answered,
            "errors": self.errors,
            "error_kinds": dict(sorted(self.error_kinds.items())),
            "statuses": dict(sorted(self.statuses.items())),
            "achieved_rate": round(answered / self.seconds, 1) if self.seconds else 0.0,
            **{
                name: round(percentile(ordered, q) * 1000, 1)
                for name, q in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99), ("max_ms", 1.0))
            },
        }


def application(index: int, ring: KeyRing) -> dict[str, Any]:
    """A distinct application value (merchant, ISO, status, time), PII encrypted with `ring`."""
    value = copy.deepcopy(example_value("mca.application"))
    application_id = hashlib.sha256(f"bench/{index}".encode()).hexdigest()
    submission_id = hashlib.sha256(f"bench-submission/{index}".encode()).hexdigest()
    received = RECEIVED_AT + timedelta(minutes=index)
    value.update(
        application_id=application_id,
        status=STATUSES[index % 5],
        iso_broker=f"iso{index % 7}.example",
        received_at=received,
        updated_at=received,
    )
    value["submission"].update(
        application_id=application_id, submission_id=submission_id, received_at=received
    )
    value["merchant"].update(
        legal_name=f"Bench Merchant {index} LLC", ein=f"{index % 90 + 10:02d}-{index:07d}"
    )
    value["funding"]["amount_requested"] = Decimal(5000 + index).quantize(Decimal("0.01"))
    value["owners"][0]["ssn"] = encrypt_field(ring, f"123-45-{index % 10000:04d}", field="ssn")
    value["documents"][0].update(
        document_id=hashlib.sha256(f"bench-doc/{index}".encode()).hexdigest(), submission_id=submission_id
    )
    return value


def seed(url: str, count: int, ring: KeyRing, role: str) -> tuple[list[str], str]:
    """Migrate `url`, write `count` applications and make an API key of `role`; returns (ids, key)."""
    upgrade_database(url)
    engine = make_engine(url)
    try:
        values = [application(index, ring) for index in range(count)]
        writer = ProjectionWriter(engine, "bench-seed")
        for start in range(0, count, 200):
            writer.write([project_application(value) for value in values[start : start + 200]], {})
        with Session(engine) as session:
            key = create_api_key(session, name="bench", role=role).key
            session.commit()
    finally:
        engine.dispose()
    return [value["application_id"] for value in values], key


def request_paths(ids: list[str], count: int, rng: random.Random) -> list[str]:
    """`count` request paths: half details of random applications, half list pages (some filtered)."""
    lists = [
        "/api/v1/applications?limit=50",
        "/api/v1/applications?status=review_required&limit=20",
        "/api/v1/applications?merchant=merchant%2012&limit=20",
        "/api/v1/applications?iso_broker=iso3.example",
    ]
    return [
        f"/api/v1/applications/{rng.choice(ids)}" if rng.random() < 0.5 else rng.choice(lists)
        for _ in range(count)
    ]


async def run_load(base_url: str, headers: dict[str, str], paths: list[str], rate: float) -> LoadResult:
    """Send `paths` open-loop at `rate` per second; every request has a 30 s timeout."""
    result = LoadResult()
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30, limits=limits) as client:

        async def one(path: str) -> None:
            started = time.perf_counter()
            try:
                answer = await client.get(path)
            except httpx.HTTPError as exc:
                result.errors += 1
                kind = type(exc).__name__
                result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1
                return
            result.latencies.append(time.perf_counter() - started)
            result.statuses[answer.status_code] = result.statuses.get(answer.status_code, 0) + 1

        begun = time.perf_counter()
        tasks = []
        for number, path in enumerate(paths):
            delay = begun + number / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(path)))
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - begun
    return result


def start_api(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`python -m api` (the `mca api` command, one worker) on `port`, waiting until it answers."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "--port", str(port), "--no-upgrade"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the API did not start:\n{log.read_text()[-2000:]}")


def bench(
    applications: Annotated[int, typer.Option(help="Applications seeded.")] = 1000,
    rate: Annotated[float, typer.Option(help="Requests per second sent.")] = 100.0,
    seconds: Annotated[float, typer.Option(help="How long the measured load lasts.")] = 30.0,
    role: Annotated[
        str, typer.Option(help="Role of the API key (underwriter: PII in clear, audited).")
    ] = "partner",
    database_url: Annotated[
        str | None, typer.Option(help="Empty database to use (default: a SQLite file).")
    ] = None,
) -> None:
    """Seed, serve, load, report (p50/p95/p99 latency at the given rate on one worker)."""
    with tempfile.TemporaryDirectory(prefix="mca-api-bench-") as folder:
        home = Path(folder)
        url = database_url or f"sqlite:///{home / 'bench.db'}"
        spec = new_key_spec()
        ids, key = seed(url, applications, parse_key_ring(spec), role)
        port = free_port()
        env = {
            **os.environ,
            "MCA_DATABASE_URL": url,
            "MCA_HOME": str(home),
            "MCA_ENCRYPTION_KEYS": spec,
            "MCA_JWT_SECRET": "bench-" + "x" * 40,
            "MCA_API_METRICS_REFRESH_SECONDS": "3600",
            "MCA_LOG_LEVEL": "WARNING",
        }
        process = start_api(env, port, home / "api.log")
        try:
            rng = random.Random(7)
            base, headers = f"http://127.0.0.1:{port}", {"X-API-Key": key}
            asyncio.run(run_load(base, headers, request_paths(ids, int(rate * 2), rng), rate))  # warm-up
            result = asyncio.run(run_load(base, headers, request_paths(ids, int(rate * seconds), rng), rate))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    typer.echo(
        f"API read load: {applications} applications, {rate:g} requests/s for {seconds:g} s, "
        f"one worker, {make_engine(url).dialect.name if database_url else 'sqlite'}, role {role}"
    )
    for name, value in result.summary().items():
        typer.echo(f"  {name}: {value}")


if __name__ == "__main__":
    typer.run(bench)
