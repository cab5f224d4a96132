"""A stage that crashes on a hostile attachment, on a real Kafka with a real worker: the dead letter
reaches assemble, so the application arrives on mca.application as `failed` (with its
`application.failed` event) instead of never; once the crash is fixed, `mca dlq replay` redrives
the document and the application comes out at its next version with the status `mca extract` gives."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from typer.testing import CliRunner

from infra.crypto import new_key_spec, parse_key_ring
from infra.object_store import object_store_from_url
from infra.topics import (
    APPLICATION,
    APPLICATION_EVENT,
    DLQ,
    EMAIL_RECEIVED,
)
from ingest.accept import IngestDeps, accept_email
from ingest.producer import EventProducer, producer_config
from schemas.ids import event_id
from schemas.serde import AvroSerde
from streams.dlq_commands import dlq_app
from streams.wire.contract import contract
from tests.integration.streams.pipeline_e2e_support import (
    PIPELINE_TOPICS,
    WORKER,
    TopicReader,
    cases_in_order,
    worker_logs,
)
from tests.unit.streams.edge_submissions import application_and_statement, email, merchant_files

ROOT = Path(__file__).resolve().parents[3]
HOSTILE = "Statement.pdf"
WAIT_S = 90.0


@pytest.fixture
def worker(
    tmp_path: Path, kafka_bootstrap: str, schema_registry: str, topic_factory: Callable[..., str]
) -> Iterator[dict[str, Any]]:
    """One `mca worker` running failing_agents on uuid topics; the crash marker file exists."""
    topics = {
        spec.name: topic_factory(
            partitions=spec.partitions, prefix=spec.name, config={"cleanup.policy": spec.cleanup_policy}
        )
        for spec in PIPELINE_TOPICS
    }
    marker = tmp_path / "extractor-crashes"
    marker.touch()
    app_id = f"test-failed-{uuid.uuid4().hex[:12]}"
    keys = new_key_spec("failed")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MCA_HOME": str(tmp_path / "home"),
        "MCA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MCA_REGISTRY_URL": schema_registry,
        "MCA_STREAMS_APP_ID": app_id,
        "MCA_OBJECT_STORE_URL": (tmp_path / "objects").as_uri(),
        "MCA_ENCRYPTION_KEYS": keys,
        "MCA_CPU_POOL_WORKERS": "1",
        "MCA_STREAMS_CONCURRENCY": "2",
        "MCA_TEST_TOPIC_NAMES": json.dumps(topics),
        "MCA_TEST_FAIL_FILE": str(marker),
        "MCA_TEST_FAIL_NAME": HOSTILE,
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        argv = [sys.executable, "-c", WORKER, "--agents", "tests.integration.streams.failing_agents"]
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield {"process": process, "log": log, "env": env, "topics": topics, "keys": keys, "marker": marker}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        internal = [name for name in admin.list_topics(timeout=15).topics if name.startswith(app_id)]
        if internal:
            for future in admin.delete_topics(internal).values():
                future.exception(15)


def record_where(
    reader: TopicReader, worker: dict[str, Any], found: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first record of `reader` that `found` accepts, waiting at most WAIT_S for it."""
    deadline = time.monotonic() + WAIT_S
    while True:
        hits = [value for value in reader.snapshot() if found(value)]
        if hits:
            return hits[0]
        logs = {"logs": [worker["log"]]}
        assert worker["process"].poll() is None, f"the worker exited\n{worker_logs(logs)}"
        assert time.monotonic() < deadline, f"nothing arrived in {WAIT_S:.0f} s\n{worker_logs(logs)}"
        time.sleep(0.5)


def test_a_document_a_stage_crashes_on_fails_its_application_until_mca_dlq_replay_redrives_it(
    tmp_path: Path, worker: dict[str, Any], kafka_bootstrap: str, schema_registry: str
) -> None:
    raw = email(application_and_statement(merchant_files()), message_id=f"<{uuid.uuid4().hex}@iso.example>")
    [case] = cases_in_order(tmp_path / "inputs", [("submission.eml", raw)])
    topics, ring = worker["topics"], parse_key_ring(worker["keys"])
    applications = TopicReader(kafka_bootstrap, topics[APPLICATION.name], schema_registry)
    events = TopicReader(kafka_bootstrap, topics[APPLICATION_EVENT.name], schema_registry)
    producer = EventProducer(producer_config(kafka_bootstrap, delivery_timeout_ms=30_000))
    deps = IngestDeps(
        store=object_store_from_url(worker["env"]["MCA_OBJECT_STORE_URL"], ring=ring),
        serde=AvroSerde(schema_registry),
        producer=producer,
        topic=topics[EMAIL_RECEIVED.name],
    )
    try:
        assert asyncio.run(accept_email(raw, channel="file", deps=deps)).status == "accepted"
        failed = record_where(
            applications, worker, lambda r: r["submission"]["submission_id"] == case.submission_id
        )
        app_id = failed["application_id"]
        assert (failed["status"], failed["version"]) == ("failed", 1)
        hostile = next(d for d in failed["documents"] if d["filename"] == HOSTILE)
        assert (hostile["status"], hostile["reason"]) == ("invalid", "internal_error:extract:RuntimeError")
        assert failed["status_detail"] == (
            f"internal_error: extract failed on document {hostile['document_id']} (RuntimeError)"
        )
        failure = record_where(events, worker, lambda e: e["type"] == "application.failed")
        assert failure["event_id"] == event_id(app_id, "application.failed", 1)

        worker["marker"].unlink()  # the extractor is fixed
        cli_env = {"MCA_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCA_REGISTRY_URL": schema_registry}
        result = CliRunner().invoke(
            dlq_app, ["replay", "--stage", "extract", "--topic", topics[DLQ.name]], env=cli_env
        )
        assert result.exit_code == 0 and "1 replayed, 0 skipped" in result.output, result.output

        fixed = record_where(
            applications, worker, lambda r: r["application_id"] == app_id and r["version"] == 2
        )
        assert fixed["status"] == case.expected["status"] != "failed"
        assert contract(fixed, ring) == case.expected
        transition = f"application.{fixed['status']}"
        settled = record_where(events, worker, lambda e: (e["type"], e["version"]) == (transition, 2))
        assert (settled["previous_status"], settled["event_id"]) == (
            "failed",
            event_id(app_id, transition, 2),
        )
        time.sleep(2.0)  # a redelivered transition would show here, under the same event id
        ids_of: dict[tuple[str, int], set[str]] = {}
        for event in events.snapshot():
            ids_of.setdefault((event["type"], event["version"]), set()).add(event["event_id"])
        assert ids_of.keys() == {("application.received", 1), ("application.failed", 1), (transition, 2)}
        assert all(len(found) == 1 for found in ids_of.values()), ids_of
    finally:
        producer.close()
        for reader in (applications, events):
            reader.stop()
