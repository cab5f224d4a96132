"""A Faust worker killed with SIGKILL in the middle of a document (pages of a scanned statement in
flight) and started again: every application completes with the content `mca extract` gives for
the same file (an undisturbed run), and each transition is on mca.application.event under one
event id (a redelivered copy carries the same id)."""

from __future__ import annotations

import asyncio
import json
import os
import random
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
from infra.demo import documents as D
from infra.demo.identities import make_broker, new_faker
from infra.object_store import object_store_from_url
from infra.topics import (
    APPLICATION,
    APPLICATION_EVENT,
    EMAIL_RECEIVED,
    PAGE_READ,
)
from ingest.accept import IngestDeps, accept_email
from ingest.producer import EventProducer, producer_config
from schemas.ids import submission_id
from schemas.serde import AvroSerde
from streams.wire.contract import contract
from tests.integration.streams.pipeline_e2e_support import (
    PIPELINE_TOPICS,
    WORKER,
    TopicReader,
    cases_in_order,
    wait_for,
)
from tests.unit.streams.edge_submissions import SENT, application_and_statement, email, merchant_files

ROOT = Path(__file__).resolve().parents[3]
KILL_WAIT_S = 120.0


def scanned_submission() -> bytes:
    """A merchant's text application and a scanned (image-only) statement of several pages."""
    rng = random.Random("worker-crash/scanned")
    fake = new_faker(rng)
    deal = D.make_deal(rng, fake, SENT)
    broker = make_broker(rng, fake, set())
    taken: set[str] = set()
    application = D.application_doc(rng, deal, broker, taken, scanned=False)
    statement = D.statement_doc(rng, deal, deal.statements[-1], taken, scanned=True)
    return email(
        [
            ("Application.pdf", application.data, "application/pdf"),
            ("Statement.pdf", statement.data, "application/pdf"),
        ],
        sender="deals@crash-iso.example",
        message_id=f"<scanned-{uuid.uuid4().hex[:8]}@crash-iso.example>",
    )


class Workers:
    """`mca worker` processes, started one after another, sharing an app id, topics and store."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp, self.env = tmp, env
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self) -> subprocess.Popen[bytes]:
        index = len(self.processes)
        log = self.tmp / f"worker-{index}.log"
        env = {**self.env, "MCA_HOME": str(self.tmp / f"home-{index}")}
        with log.open("wb") as out:
            argv = [sys.executable, "-c", WORKER, "--agents", "tests.integration.streams.pipeline_agents"]
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self.logs.append(log)
        return process

    def view(self, alive: list[subprocess.Popen[bytes]]) -> dict[str, Any]:
        """What pipeline_e2e_support.wait_for watches: the workers that must stay up, and every log."""
        return {"processes": alive, "logs": self.logs}

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@pytest.fixture
def workers(
    tmp_path: Path, kafka_bootstrap: str, schema_registry: str, topic_factory: Callable[..., str]
) -> Iterator[tuple[Workers, dict[str, str], str]]:
    topics = {
        spec.name: topic_factory(
            partitions=spec.partitions, prefix=spec.name, config={"cleanup.policy": spec.cleanup_policy}
        )
        for spec in PIPELINE_TOPICS
    }
    keys = new_key_spec("crash")
    app_id = f"test-crash-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MCA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MCA_REGISTRY_URL": schema_registry,
        "MCA_STREAMS_APP_ID": app_id,
        "MCA_OBJECT_STORE_URL": (tmp_path / "objects").as_uri(),
        "MCA_ENCRYPTION_KEYS": keys,
        "MCA_CPU_POOL_WORKERS": "1",
        "MCA_STREAMS_CONCURRENCY": "2",
        "MCA_TEST_TOPIC_NAMES": json.dumps(topics),
    }
    group = Workers(tmp_path, env)
    try:
        yield group, topics, keys
    finally:
        group.stop()
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        internal = [name for name in admin.list_topics(timeout=15).topics if name.startswith(app_id)]
        if internal:
            for future in admin.delete_topics(internal).values():
                future.exception(15)


def test_a_worker_killed_in_the_middle_of_a_document_finishes_it_after_a_restart_exactly_once(
    tmp_path: Path, workers: tuple[Workers, dict[str, str], str], kafka_bootstrap: str, schema_registry: str
) -> None:
    group, topics, keys = workers
    raws = [
        scanned_submission(),
        email(application_and_statement(merchant_files(8)), message_id="<text-crash@first-iso.example>"),
    ]
    cases = cases_in_order(tmp_path / "inputs", [(f"{i}.eml", raw) for i, raw in enumerate(raws)])
    scanned = submission_id(raws[0])
    ring = parse_key_ring(keys)
    pages_read = TopicReader(kafka_bootstrap, topics[PAGE_READ.name], schema_registry)
    applications = TopicReader(kafka_bootstrap, topics[APPLICATION.name], schema_registry)
    events = TopicReader(kafka_bootstrap, topics[APPLICATION_EVENT.name], schema_registry)
    producer = EventProducer(producer_config(kafka_bootstrap, delivery_timeout_ms=30_000))
    deps = IngestDeps(
        store=object_store_from_url(group.env["MCA_OBJECT_STORE_URL"], ring=ring),
        serde=AvroSerde(schema_registry),
        producer=producer,
        topic=topics[EMAIL_RECEIVED.name],
    )
    try:
        first = group.start()
        for raw in raws:
            assert asyncio.run(accept_email(raw, channel="file", deps=deps)).status == "accepted"
        # Kill once the scanned statement's first page is read and before its application is assembled.
        deadline = time.monotonic() + KILL_WAIT_S
        while not [
            p
            for p in pages_read.snapshot()
            if p["submission"]["submission_id"] == scanned and p["page_count"] > 1
        ]:
            assert first.poll() is None and time.monotonic() < deadline, "no page was read in time"
            time.sleep(0.2)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assembled = {a["submission"]["submission_id"] for a in applications.snapshot()}
        assert scanned not in assembled, "the worker finished the document before it was killed"
        group.start()
        records = wait_for(applications, {c.submission_id for c in cases}, group.view(group.processes[1:]))
        time.sleep(3.0)  # a redelivered transition would show here, under the same event id
        for case in cases:
            assert contract(records[case.submission_id], ring) == case.expected, case.name
        ids_of: dict[tuple[str, str, int], set[str]] = {}
        for event in events.snapshot():
            ids_of.setdefault((event["application_id"], event["type"], event["version"]), set()).add(
                event["event_id"]
            )
        assert all(len(found) == 1 for found in ids_of.values()), ids_of
        for record in records.values():
            transitions = {(t, v) for (a, t, v) in ids_of if a == record["application_id"]}
            assert transitions == {("application.received", 1), (f"application.{record['status']}", 1)}
    finally:
        producer.close()
        for reader in (pages_read, applications, events):
            reader.stop()
