"""The real pipeline under the browser tests: the project's demo submissions accepted by ingest onto
uuid-named topics, read by one `mca worker` running every pipeline agent (split, render, OCR,
extract and assemble with its correction agents; tests.integration.streams.pipeline_agents), as
tests/integration/api/test_api_corrections.py runs it. The postgres-sink then projects what the
assemble agent produces, and the API's commands reach that same agent on the correction topic.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka.admin import NewTopic

from infra.demo.generate import build_demo_set
from ingest.accept import IngestDeps, accept_email
from ingest.parse import parse_email
from schemas.ids import application_id, submission_id
from tests.integration.streams.pipeline_e2e_support import PIPELINE_TOPICS, WORKER

ROOT = Path(__file__).resolve().parents[3]
STOP_SECONDS = 60


@dataclass(frozen=True)
class DemoSubmission:
    """One demo submission: its raw email, the application id the pipeline gives it, and its truth."""

    case_id: str
    intended: str
    raw: bytes
    application_id: str
    truth: dict[str, Any]

    @property
    def ssns(self) -> list[str]:
        """The owners' SSNs printed on its documents."""
        return [owner["ssn"] for owner in self.truth.get("owners") or () if owner.get("ssn")]


def demo_submissions(folder: Path, *, cases: int, keep: Callable[[list[DemoSubmission]], list[DemoSubmission]]
                     ) -> list[DemoSubmission]:
    """The demo set of `cases` written to `folder`, narrowed by `keep` (the tests pick by outcome)."""
    written = []
    for case in build_demo_set(folder, cases, seed=1):
        raw = case.eml.read_bytes()
        message_id = parse_email(raw).message_id
        assert message_id is not None, f"demo case {case.case_id} has no Message-ID"
        truth = json.loads(case.truth.read_text(encoding="utf-8"))
        app = application_id(message_id, submission_id(raw))
        written.append(DemoSubmission(case.case_id, case.outcome, raw, app, truth))
    return keep(written)


def create_topics(admin: Any, prefix: str) -> dict[str, str]:
    """Every pipeline topic under a uuid name (topic map name -> name), created with its partitions."""
    names = {spec.name: f"{prefix}-{spec.name}-{uuid.uuid4().hex}" for spec in PIPELINE_TOPICS}
    partitions = {spec.name: spec.partitions for spec in PIPELINE_TOPICS}
    created = [NewTopic(name, partitions[spec], 1) for spec, name in names.items()]
    for future in admin.create_topics(created).values():
        future.result(15)
    return names


def worker_env(base: Mapping[str, str], *, home: Path, bootstrap: str, registry: str, app_id: str,
               object_store_url: str, key_spec: str, topic_names: Mapping[str, str]) -> dict[str, str]:
    """The environment of a worker on the test's topics, store and keys (one CPU process)."""
    return {
        **base,
        "PYTHONPATH": str(ROOT),
        "MCA_HOME": str(home),
        "MCA_KAFKA_BOOTSTRAP": bootstrap,
        "MCA_REGISTRY_URL": registry,
        "MCA_STREAMS_APP_ID": app_id,
        "MCA_OBJECT_STORE_URL": object_store_url,
        "MCA_ENCRYPTION_KEYS": key_spec,
        "MCA_CPU_POOL_WORKERS": "1",
        "MCA_STREAMS_CONCURRENCY": "2",
        "MCA_TEST_TOPIC_NAMES": json.dumps(dict(topic_names)),
    }


@contextmanager
def pipeline_worker(log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """One `mca worker` running every pipeline agent, its output in `log`; stopped (TERM, then KILL
    after STOP_SECONDS) when the block ends."""
    with log.open("wb") as out:
        argv = [sys.executable, "-c", WORKER, "--agents", "tests.integration.streams.pipeline_agents"]
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def ingest(submissions: list[DemoSubmission], deps: IngestDeps) -> None:
    """Accept each submission as the file channel does (stored, then its event acknowledged)."""

    async def run() -> None:
        for submission in submissions:
            accepted = await accept_email(submission.raw, channel="file", deps=deps)
            assert accepted.status == "accepted", (submission.case_id, accepted)

    asyncio.run(run())


def wait_until(condition: Callable[[], bool], *, what: str, seconds: float,
               worker: subprocess.Popen[bytes], log: Path) -> None:
    """Poll `condition` every half second for at most `seconds`; fail early if the worker exits."""
    deadline = time.monotonic() + seconds
    while not condition():
        tail = log.read_text(errors="replace")[-4000:]
        assert worker.poll() is None, f"the worker exited before {what}\n{tail}"
        assert time.monotonic() < deadline, f"timed out after {seconds:.0f} s waiting for {what}\n{tail}"
        time.sleep(0.5)
