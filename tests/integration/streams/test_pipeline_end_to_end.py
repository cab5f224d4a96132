"""The whole pipeline against real services: submissions (the project's demo data, one merchant sent
by two ISO brokers, plus a handful of ../shared/samples where present) enter through ingest (object
store: an S3-API server; Kafka; the schema registry) and are read by TWO Faust workers (`mca worker`
subprocesses). Every application appears on mca.application with the same content that `mca extract`
gives for the same file, and each of its transitions on mca.application.event under one event id."""

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

from infra.crypto import new_key_spec, parse_key_ring
from infra.topics import (
    APPLICATION,
    APPLICATION_EVENT,
    EMAIL_RECEIVED,
)
from ingest.accept import IngestDeps, accept_email
from ingest.producer import EventProducer, producer_config
from schemas.serde import AvroSerde
from streams.wire.contract import contract
from tests.integration.streams.pipeline_e2e_support import (
    PIPELINE_TOPICS,
    WORKER,
    TopicReader,
    cases_in_order,
    wait_for,
)
from tests.unit.streams.edge_submissions import application_and_statement, email, merchant_files

ROOT = Path(__file__).resolve().parents[3]
# Text layers, a zip, a resend, bad and edge cases, a scanned application.
SAMPLES = ("001", "005", "008", "012", "013", "014", "019")
DEMO_COUNT, DEMO_SEED = 2, 11


@pytest.fixture
def emails(tmp_path: Path, request: pytest.FixtureRequest) -> list[tuple[str, bytes]]:
    """Demo submissions and another ISO broker's copy, plus some of ../shared/samples where present."""
    from infra.demo import generate_demo_set

    found = [
        (f"b-demo-{p.name}", p.read_bytes())
        for p in generate_demo_set(tmp_path / "demo", n=DEMO_COUNT, seed=DEMO_SEED)
    ]
    # One merchant from two ISO brokers: the copy's outcome rests on the EIN table all workers share.
    attachments = application_and_statement(merchant_files())
    copy = email(attachments, sender="rep@second-iso.example", message_id="<two@second-iso.example>")
    found += [
        ("c-copy-1.eml", email(attachments, message_id="<one@first-iso.example>")),
        ("c-copy-2.eml", copy),
    ]
    try:
        shared: Path = request.getfixturevalue("shared_dir")
    except pytest.skip.Exception:
        return found
    return [
        (f"a-sample-{name}.eml", (shared / "samples" / f"{name}.eml").read_bytes()) for name in SAMPLES
    ] + found


@pytest.fixture
def workers(
    tmp_path: Path,
    kafka_bootstrap: str,
    schema_registry: str,
    s3_store_factory: Callable[..., Any],
    topic_factory: Callable[..., str],
) -> Iterator[dict[str, Any]]:
    """Two `mca worker` processes running every pipeline agent on this test's own topics and store."""
    topics = {
        spec.name: topic_factory(
            partitions=spec.partitions, prefix=spec.name, config={"cleanup.policy": spec.cleanup_policy}
        )
        for spec in PIPELINE_TOPICS
    }
    store = s3_store_factory("objects")
    keys = new_key_spec("e2e")
    app_id = f"test-pipeline-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MCA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MCA_REGISTRY_URL": schema_registry,
        "MCA_STREAMS_APP_ID": app_id,
        "MCA_OBJECT_STORE_URL": f"s3://{store.bucket}/{store.prefix}",
        "MCA_S3_ENDPOINT_URL": store.endpoint_url,
        "MCA_ENCRYPTION_KEYS": keys,
        "MCA_CPU_POOL_WORKERS": "1",
        "MCA_STREAMS_CONCURRENCY": "2",
        "MCA_TEST_TOPIC_NAMES": json.dumps(topics),
    }
    processes, logs = [], []
    for index in range(2):
        log = tmp_path / f"worker-{index}.log"
        worker_env = {**env, "MCA_HOME": str(tmp_path / f"home-{index}")}
        with log.open("wb") as out:
            argv = [sys.executable, "-c", WORKER, "--agents", "tests.integration.streams.pipeline_agents"]
            processes.append(
                subprocess.Popen(argv, cwd=ROOT, env=worker_env, stdout=out, stderr=subprocess.STDOUT)
            )
        logs.append(log)
    try:
        yield {
            "topics": topics,
            "store": store,
            "ring": parse_key_ring(keys),
            "processes": processes,
            "logs": logs,
        }
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        internal = [name for name in admin.list_topics(timeout=15).topics if name.startswith(app_id)]
        if internal:
            for future in admin.delete_topics(internal).values():
                future.exception(15)  # best effort: a leftover uuid topic harms nobody


async def ingest(raws: list[bytes], deps: IngestDeps) -> None:
    for raw in raws:
        accepted = await accept_email(raw, channel="file", deps=deps)
        assert accepted.status == "accepted"


def test_every_submission_through_ingest_and_two_workers_matches_mca_extract(
    tmp_path: Path,
    emails: list[tuple[str, bytes]],
    workers: dict[str, Any],
    kafka_bootstrap: str,
    schema_registry: str,
) -> None:
    cases = cases_in_order(tmp_path / "inputs", emails)
    topics = workers["topics"]
    applications = TopicReader(kafka_bootstrap, topics[APPLICATION.name], schema_registry)
    events = TopicReader(kafka_bootstrap, topics[APPLICATION_EVENT.name], schema_registry)
    producer = EventProducer(producer_config(kafka_bootstrap, delivery_timeout_ms=30_000))
    deps = IngestDeps(
        store=workers["store"],
        serde=AvroSerde(schema_registry),
        producer=producer,
        topic=topics[EMAIL_RECEIVED.name],
    )
    try:
        # Outcomes that depend on earlier submissions (a resend, another ISO broker's copy) are sent
        # once those earlier ones are done: the workers read independent submissions in any order.
        first = [c for c in cases if not c.depends_on_earlier]
        asyncio.run(ingest([c.raw for c in first], deps))
        wait_for(applications, {c.submission_id for c in first}, workers)
        for case in cases:
            if case.depends_on_earlier:
                asyncio.run(ingest([case.raw], deps))
                wait_for(applications, {case.submission_id}, workers)
        records = wait_for(applications, {c.submission_id for c in cases}, workers)
        time.sleep(3.0)  # a redelivered transition would show here, under the same event id
        for case in cases:
            assert contract(records[case.submission_id], workers["ring"]) == case.expected, case.name
        seen: dict[tuple[str, str], set[str]] = {}
        for event in events.snapshot():
            seen.setdefault((event["application_id"], event["type"]), set()).add(event["event_id"])
        for record in records.values():
            assert len(seen[(record["application_id"], f"application.{record['status']}")]) == 1
            assert len(seen[(record["application_id"], "application.received")]) == 1
        assert all(len(ids) == 1 for ids in seen.values())
    finally:
        producer.close()
        applications.stop()
        events.stop()
