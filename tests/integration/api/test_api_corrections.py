"""Corrections, reviews and reprocessing over real Kafka, registry, Faust worker, postgres-sink and
PostgreSQL.

Three submissions enter through ingest and are read by a real `mca worker` running every pipeline
agent; the API publishes its commands on the correction topic, the worker's assemble stage applies
those made against the current version and produces the next application version and its event,
the real postgres-sink projects both, and the API's read-your-writes wait returns the new state."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import NewTopic
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.config import ApiTopics
from consumers.postgres_sink.runner import SinkConfig
from infra.crypto import new_key_spec, parse_key_ring
from infra.database import make_engine
from infra.object_store import object_store_from_url
from infra.topics import (
    APPLICATION,
    APPLICATION_CORRECTION,
    APPLICATION_EVENT,
    DLQ,
    DOCUMENT_EXTRACTED,
    DOCUMENT_READ,
    DOCUMENT_RECEIVED,
    EMAIL_RECEIVED,
    PAGE_READ,
    PAGE_READY,
)
from ingest.accept import IngestDeps, accept_email
from ingest.producer import EventProducer, producer_config
from schemas.db.records import AuditRecord
from schemas.ids import application_id, submission_id
from schemas.pii import decrypt_field
from schemas.serde import AvroSerde
from tests.fixtures.kafka import admin_client
from tests.integration.api.api_support import SSN, api_settings, make_callers, serving
from tests.integration.consumers.postgres_sink_support import fresh_database, running_sink
from tests.integration.streams.pipeline_e2e_support import WORKER
from tests.unit.streams.edge_submissions import application_and_statement, email, merchant_files

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[3]
PIPELINE = (EMAIL_RECEIVED, DOCUMENT_RECEIVED, PAGE_READY, PAGE_READ, DOCUMENT_READ, DOCUMENT_EXTRACTED, DLQ)
PIPELINE_WAIT_S = 240.0


class CommandLog:
    """Every command on the correction topic, decoded, as the assemble stage receives them."""

    def __init__(self, bootstrap: str, serde: AvroSerde, topic: str) -> None:
        self.serde, self.topic = serde, topic
        self.commands: list[dict[str, Any]] = []
        self.stop = threading.Event()
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"command-log-{uuid.uuid4().hex}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        self.thread = threading.Thread(target=self.run, name="command-log", daemon=True)
        self.thread.start()

    def run(self) -> None:
        self.consumer.subscribe([self.topic])
        while not self.stop.is_set():
            message = self.consumer.poll(0.1)
            if message is None or message.error() is not None:
                continue
            self.commands.append(self.serde.decode(APPLICATION_CORRECTION.name, message.value()))
        self.consumer.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)


@contextmanager
def pipeline_worker(tmp: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """One `mca worker` running every pipeline agent (tests.integration.streams.pipeline_agents)."""
    log = tmp / "worker.log"
    with log.open("wb") as out:
        argv = [sys.executable, "-c", WORKER, "--agents", "tests.integration.streams.pipeline_agents"]
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextmanager
def paused(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """The worker stopped (SIGSTOP) for the block, then continued: its commands wait in Kafka."""
    process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        process.send_signal(signal.SIGCONT)


def submissions() -> list[bytes]:
    """Three merchants' submissions, each from its own ISO broker."""
    return [
        email(
            application_and_statement(merchant_files(seed)),
            sender=f"deals@iso{seed}.example",
            message_id=f"<corrections-{seed}-{uuid.uuid4().hex[:8]}@iso{seed}.example>",
        )
        for seed in (5, 6, 7)
    ]


async def ingest(raws: list[bytes], deps: IngestDeps) -> None:
    for raw in raws:
        assert (await accept_email(raw, channel="file", deps=deps)).status == "accepted"


@pytest.fixture(scope="module")
def world(request, tmp_path_factory, kafka_bootstrap, schema_registry):
    """Topics, a pipeline worker, a database fed by the real sink, the API, and a log of the commands."""
    tmp = tmp_path_factory.mktemp("corrections")
    names = {kind: f"api-{kind}-{uuid.uuid4().hex}" for kind in ("application", "event", "correction")}
    topic_names = {
        APPLICATION.name: names["application"],
        APPLICATION_EVENT.name: names["event"],
        APPLICATION_CORRECTION.name: names["correction"],
    }
    topic_names |= {spec.name: f"api-{spec.name}-{uuid.uuid4().hex}" for spec in PIPELINE}
    partitions = {spec.name: spec.partitions for spec in (*PIPELINE, APPLICATION, APPLICATION_EVENT)}
    admin = admin_client(kafka_bootstrap)
    created = [NewTopic(name, partitions.get(spec, 2), 1) for spec, name in topic_names.items()]
    for future in admin.create_topics(created).values():
        future.result(15)
    spec = new_key_spec()
    ring = parse_key_ring(spec)
    serde = AvroSerde(schema_registry)
    objects = (tmp / "objects").as_uri()
    app_id = f"test-corrections-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MCA_HOME": str(tmp / "worker-home"),
        "MCA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MCA_REGISTRY_URL": schema_registry,
        "MCA_STREAMS_APP_ID": app_id,
        "MCA_OBJECT_STORE_URL": objects,
        "MCA_ENCRYPTION_KEYS": spec,
        "MCA_CPU_POOL_WORKERS": "1",
        "MCA_STREAMS_CONCURRENCY": "2",
        "MCA_TEST_TOPIC_NAMES": json.dumps(topic_names),
    }
    raws = submissions()
    ids = [application_id(email_message_id(raw), submission_id(raw)) for raw in raws]
    log = CommandLog(kafka_bootstrap, serde, names["correction"])
    producer = EventProducer(producer_config(kafka_bootstrap, delivery_timeout_ms=30_000))
    try:
        with fresh_database("postgresql", lambda: request.getfixturevalue("postgres_url"), tmp) as url:
            config = SinkConfig(
                topic=names["application"],
                event_topic=names["event"],
                group_id=f"sink-{uuid.uuid4().hex}",
                dlq_topic=names["event"] + "-dlq",
                batch_size=50,
                batch_max_seconds=0.05,
                poll_seconds=0.05,
            )
            with (
                running_sink(url, kafka_bootstrap, schema_registry, config),
                pipeline_worker(tmp, env) as worker,
            ):
                deps = IngestDeps(
                    store=object_store_from_url(objects, ring=ring),
                    serde=serde,
                    producer=producer,
                    topic=topic_names[EMAIL_RECEIVED.name],
                )
                asyncio.run(ingest(raws, deps))
                settings = api_settings(
                    url,
                    tmp / "home",
                    spec,
                    kafka_bootstrap=kafka_bootstrap,
                    registry_url=schema_registry,
                    api_read_your_writes_seconds=20,
                )
                with serving(settings, topics=ApiTopics(correction=names["correction"])) as base:
                    callers = make_callers(url, base)
                    wait_until_listed(base, callers.headers["admin"], ids, worker, tmp / "worker.log")
                    yield {
                        "base": base,
                        "url": url,
                        "ids": ids,
                        "callers": callers,
                        "ring": ring,
                        "commands": log,
                        "worker": worker,
                        "settings": settings,
                        "names": names,
                    }
    finally:
        log.close()
        producer.close()
        internal = [name for name in admin.list_topics(timeout=15).topics if name.startswith(app_id)]
        admin.delete_topics([*topic_names.values(), *internal])


def email_message_id(raw: bytes) -> str:
    from ingest.parse import parse_email

    message_id = parse_email(raw).message_id
    assert message_id is not None
    return message_id


def wait_until_listed(
    base: str, headers: dict[str, str], ids: list[str], worker: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + PIPELINE_WAIT_S
    while time.monotonic() < deadline:
        listed = httpx.get(f"{base}{API}/applications", headers=headers).json()["items"]
        if {item["application_id"] for item in listed} >= set(ids):
            return
        assert worker.poll() is None, f"the worker exited\n{log.read_text(errors='replace')[-4000:]}"
        time.sleep(0.5)
    raise AssertionError(
        f"the sink never projected the applications\n{log.read_text(errors='replace')[-4000:]}"
    )


def detail(world, application_id: str) -> httpx.Response:
    return httpx.get(
        f"{world['base']}{API}/applications/{application_id}", headers=world["callers"].headers["admin"]
    )


def published(world, command_id: str) -> list[dict[str, Any]]:
    """The commands with `command_id` seen on the correction topic (waiting a little for them)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [c for c in world["commands"].commands if c["command_id"] == command_id]
        if found:
            return found
        time.sleep(0.1)
    return []


def post(world, path, body, role="underwriter", if_match=None):
    headers = dict(world["callers"].headers[role])
    if if_match is not None:
        headers["If-Match"] = if_match
    return httpx.post(f"{world['base']}{API}{path}", json=body, headers=headers, timeout=60)


def test_a_correction_is_published_applied_and_returned_as_the_new_state(world):
    application_id = world["ids"][0]
    answer = post(
        world,
        f"/applications/{application_id}/corrections",
        {"field": "merchant.ein", "value": "98-7654321", "reason": "per phone call"},
        if_match='"1"',
    )
    assert answer.status_code == 200, answer.text
    detail = answer.json()
    assert answer.headers["etag"] == '"2"' and detail["version"] == 2
    assert detail["merchant"]["ein"] == "98-7654321"
    [correction] = [c for c in detail["corrections"] if c["path"] == "merchant.ein"]
    assert (
        correction["command_id"] == answer.headers["x-command-id"]
        and correction["reason"] == "per phone call"
    )
    assert [event["type"] for event in detail["history"]][-1] == "application.corrected"
    [command] = published(world, answer.headers["x-command-id"])
    assert command["type"] == "correct_field" and command["expected_version"] == 1
    assert command["actor"].startswith("user:")


def test_a_command_against_a_stale_version_is_refused_with_412_and_the_current_etag(world):
    application_id = world["ids"][1]
    first = post(
        world,
        f"/applications/{application_id}/corrections",
        {"field": "funding.amount_requested", "value": "75000"},
        if_match='"1"',
    )
    assert first.status_code == 200 and first.json()["funding"]["amount_requested"] == "75000.00"
    stale = post(
        world,
        f"/applications/{application_id}/corrections",
        {"field": "funding.amount_requested", "value": "80000"},
        if_match='"1"',
    )
    assert stale.status_code == 412 and stale.headers["etag"] == '"2"'
    missing = post(
        world,
        f"/applications/{application_id}/corrections",
        {"field": "funding.amount_requested", "value": "80000"},
    )
    assert missing.status_code == 428
    unknown = post(
        world,
        f"/applications/{application_id}/corrections",
        {"field": "status", "value": "processed"},
        if_match='"2"',
    )
    assert unknown.status_code == 422


def test_a_pii_correction_travels_encrypted_and_reads_back_in_clear_only_for_pii_read(world):
    application_id = world["ids"][2]
    answer = post(
        world,
        f"/applications/{application_id}/corrections",
        {"field": "owners[0].ssn", "value": "987-65-4321"},
        if_match='"1"',
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["owners"][0]["ssn"] == {"masked": "***-**-4321", "value": "987-65-4321"}
    [command] = published(world, answer.headers["x-command-id"])
    assert command["value"]["masked"] == "***-**-4321" and b"4321" not in command["value"]["ciphertext"]
    assert decrypt_field(world["ring"], command["value"], field="ssn") == "987-65-4321"
    partner = httpx.get(
        f"{world['base']}{API}/applications/{application_id}",
        headers={"X-API-Key": world["callers"].partner_key},
    ).json()
    assert partner["owners"][0]["ssn"]["value"] is None and "987-65-4321" not in str(partner)
    assert partner["corrections"][-1]["value"] == {"masked": "***-**-4321", "value": None}
    assert SSN not in str(partner)


def test_a_review_decision_moves_the_application_and_is_audited(world):
    application_id = world["ids"][0]
    version = httpx.get(
        f"{world['base']}{API}/applications/{application_id}", headers=world["callers"].headers["admin"]
    ).headers["etag"]
    answer = post(
        world,
        f"/applications/{application_id}/review",
        {"decision": "approve", "note": "looks good"},
        if_match=version,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "processed" and answer.json()["review"]["decision"] == "approve"
    assert answer.json()["history"][-1]["type"] == "application.reviewed"
    engine = make_engine(world["url"], poolclass=NullPool)
    with Session(engine) as session:
        actions = {(row.action, row.target_id) for row in session.scalars(select(AuditRecord))}
    engine.dispose()
    assert ("application.review", application_id) in actions and (
        "application.correct",
        application_id,
    ) in actions


def test_an_analyst_may_not_correct(world):
    answer = post(
        world,
        f"/applications/{world['ids'][0]}/corrections",
        {"field": "merchant.ein", "value": "1"},
        role="analyst",
        if_match='"1"',
    )
    assert answer.status_code == 403


def test_when_the_projection_does_not_show_the_change_in_time_the_answer_is_202_with_a_location(world):
    application_id = world["ids"][1]
    settings = world["settings"].model_copy(update={"api_read_your_writes_seconds": 0.3})
    with serving(settings, topics=ApiTopics(correction=world["names"]["correction"])) as base:
        with paused(world["worker"]):
            answer = httpx.post(
                f"{base}{API}/applications/{application_id}/corrections",
                json={"field": "merchant.dba_name", "value": "Later Shop"},
                headers={**world["callers"].headers["underwriter"], "If-Match": '"2"'},
                timeout=30,
            )
    assert answer.status_code == 202, answer.text
    assert answer.headers["location"] == f"{API}/applications/{application_id}"
    assert (
        answer.json()["command_id"] == answer.headers["x-command-id"]
        and answer.json()["expected_version"] == 2
    )


def test_reprocessing_publishes_a_reprocess_command_and_answers_202(world):
    application_id = world["ids"][2]
    answer = post(world, f"/applications/{application_id}/reprocess", {"reason": "extractor 0.2"})
    assert answer.status_code == 202 and answer.headers["location"].endswith(application_id)
    commands = published(world, answer.json()["command_id"])
    assert commands[0]["type"] == "reprocess" and commands[0]["expected_version"] is None
    assert commands[0]["document_id"] is None and commands[0]["reason"] == "extractor 0.2"


def test_the_reprocessed_application_keeps_its_human_corrections_at_the_next_version(world):
    application_id = world["ids"][2]  # its SSN was corrected (version 2), then it was reprocessed
    deadline = time.monotonic() + PIPELINE_WAIT_S
    after = detail(world, application_id).json()
    while after["version"] < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
        after = detail(world, application_id).json()
    assert after["version"] == 3, "the reprocessed application never showed"
    assert after["extractor_version"]
    assert after["owners"][0]["ssn"] == {"masked": "***-**-4321", "value": "987-65-4321"}
    assert [c["path"] for c in after["corrections"]] == ["owners[0].ssn"]
    assert after["history"][-1]["type"] == f"application.{after['status']}"
