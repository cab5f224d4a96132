"""Corrections and reviews over real Kafka, registry, postgres-sink and PostgreSQL.

The assemble stage is not running here, so the test plays it: it consumes the API's commands from
the correction topic, applies those made against the current version, and produces the next
application version and its event; the real postgres-sink projects both, and the API's
read-your-writes wait returns the new state."""

from __future__ import annotations

import copy
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import NewTopic
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.config import ApiTopics
from consumers.postgres_sink.runner import SinkConfig
from infra.crypto import new_key_spec, parse_key_ring
from infra.database import make_engine
from infra.topics import APPLICATION, APPLICATION_CORRECTION, APPLICATION_EVENT
from schemas.db.records import AuditRecord
from schemas.ids import event_id
from schemas.pii import decrypt_field
from schemas.serde import AvroSerde
from tests.fixtures.kafka import admin_client
from tests.integration.api.api_support import (
    SSN,
    api_settings,
    application_value,
    event_value,
    make_callers,
    serving,
)
from tests.integration.consumers.postgres_sink_support import fresh_database, running_sink

API = "/api/v1"
_INDEXED = re.compile(r"^(\w+)\[(\d+)\]$")


def apply_path(state: dict[str, Any], path: str, value: Any) -> None:
    """Set `path` (merchant.ein, owners[0].ssn) in an application value."""
    *parents, leaf = path.split(".")
    node: Any = state
    for part in parents:
        match = _INDEXED.match(part)
        node = node[match.group(1)][int(match.group(2))] if match else node[part]
    node[leaf] = value


class Assembler:
    """The test's stand-in for the assemble stage: applies current commands, emits the next version."""

    def __init__(self, bootstrap: str, serde: AvroSerde, topics: dict[str, str], states: dict[str, dict]):
        self.serde, self.topics, self.states = serde, topics, states
        self.commands: list[dict[str, Any]] = []
        self.paused = threading.Event()
        self.stop = threading.Event()
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"assembler-{uuid.uuid4().hex}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": True,
            }
        )
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
        self.thread = threading.Thread(target=self.run, name="test-assembler", daemon=True)

    def publish(self, state: dict[str, Any], event: dict[str, Any]) -> None:
        key = state["application_id"].encode()
        self.producer.produce(
            self.topics["application"], key=key, value=self.serde.encode(APPLICATION.name, state)
        )
        self.producer.produce(
            self.topics["event"], key=key, value=self.serde.encode(APPLICATION_EVENT.name, event)
        )
        assert self.producer.flush(30) == 0

    def run(self) -> None:
        self.consumer.subscribe([self.topics["correction"]])
        while not self.stop.is_set():
            if self.paused.is_set():
                self.stop.wait(0.05)
                continue
            message = self.consumer.poll(0.1)
            if message is None or message.error() is not None:
                continue
            command = self.serde.decode(APPLICATION_CORRECTION.name, message.value())
            self.commands.append(command)
            self.apply(command)
        self.consumer.close()

    def apply(self, command: dict[str, Any]) -> None:
        state = self.states[command["application_id"]]
        if command["type"] == "reprocess" or command["expected_version"] != state["version"]:
            return  # a stale command changes nothing; reprocessing is not played here
        state = copy.deepcopy(state)
        state["version"] += 1
        state["updated_at"] = datetime.now(UTC)
        if command["type"] == "correct_field":
            apply_path(state, command["field"], command["value"])
            state["corrections"].append(
                {key: command[key] for key in ("command_id", "actor", "reason", "at")}
                | {"path": command["field"], "value": command["value"]}
            )
            transition = "corrected"
        else:
            state["review"] = {
                "decision": command["decision"],
                "actor": command["actor"],
                "note": command["reason"],
                "at": command["at"],
            }
            state["status"] = "processed" if command["decision"] == "approve" else "rejected"
            transition = "reviewed"
        event = event_value(state, transition)
        event.update(
            actor=command["actor"],
            command_id=command["command_id"],
            corrected_fields=[command["field"]] if command["field"] else [],
            event_id=event_id(state["application_id"], transition, state["version"]),
        )
        self.states[state["application_id"]] = state
        self.publish(state, event)


@pytest.fixture(scope="module")
def world(request, tmp_path_factory, kafka_bootstrap, schema_registry):
    """Topics, a database fed by the real sink, the API, and the test's assembler."""
    tmp = tmp_path_factory.mktemp("corrections")
    names = {kind: f"api-{kind}-{uuid.uuid4().hex}" for kind in ("application", "event", "correction")}
    admin = admin_client(kafka_bootstrap)
    for future in admin.create_topics([NewTopic(name, 2, 1) for name in names.values()]).values():
        future.result(15)
    spec = new_key_spec()
    ring = parse_key_ring(spec)
    serde = AvroSerde(schema_registry)
    states = {value["application_id"]: value for value in (application_value(i, ring) for i in range(3))}
    assembler = Assembler(kafka_bootstrap, serde, names, states)
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
            with running_sink(url, kafka_bootstrap, schema_registry, config):
                for state in states.values():
                    assembler.publish(state, event_value(state, "received"))
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
                    ids = list(states)
                    wait_until_listed(base, callers.headers["admin"], ids)
                    assembler.thread.start()
                    yield {
                        "base": base,
                        "url": url,
                        "ids": ids,
                        "callers": callers,
                        "ring": ring,
                        "assembler": assembler,
                        "settings": settings,
                        "names": names,
                    }
                    assembler.stop.set()
                    assembler.thread.join(10)
    finally:
        admin.delete_topics(list(names.values()))


def wait_until_listed(base: str, headers: dict[str, str], ids: list[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = httpx.get(f"{base}{API}/applications", headers=headers).json()["items"]
        if {item["application_id"] for item in listed} >= set(ids):
            return
        time.sleep(0.1)
    raise AssertionError("the sink never projected the seeded applications")


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
    [command] = [c for c in world["assembler"].commands if c["command_id"] == answer.headers["x-command-id"]]
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
    [command] = [c for c in world["assembler"].commands if c["command_id"] == answer.headers["x-command-id"]]
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
    assembler = world["assembler"]
    assembler.paused.set()
    try:
        settings = world["settings"].model_copy(update={"api_read_your_writes_seconds": 0.3})
        with serving(settings, topics=ApiTopics(correction=world["names"]["correction"])) as base:
            answer = httpx.post(
                f"{base}{API}/applications/{application_id}/corrections",
                json={"field": "merchant.dba_name", "value": "Later Shop"},
                headers={**world["callers"].headers["underwriter"], "If-Match": '"2"'},
                timeout=30,
            )
    finally:
        assembler.paused.clear()
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
    commands: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        commands = [c for c in world["assembler"].commands if c["command_id"] == answer.json()["command_id"]]
        if commands:
            break
        time.sleep(0.1)
    assert commands[0]["type"] == "reprocess" and commands[0]["expected_version"] is None
    assert commands[0]["document_id"] is None and commands[0]["reason"] == "extractor 0.2"
