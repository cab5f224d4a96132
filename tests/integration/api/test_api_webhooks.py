"""Webhook endpoints through the API on PostgreSQL and Kafka: URL policy, secrets shown once and sealed,
rotation with overlap, test pings and redeliveries as delivery tasks, the delivery log, re-enabling."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import NewTopic
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.config import ApiTopics
from consumers.webhooks.payload import webhook_payload
from consumers.webhooks.signing import open_signing_secret
from infra.crypto import new_key_spec, parse_key_ring
from infra.database import make_engine
from infra.topics import WEBHOOK_DELIVERY
from schemas.db.records import AuditRecord, WebhookDelivery, WebhookEndpoint
from schemas.ids import delivery_id
from schemas.serde import AvroSerde
from tests.fixtures.kafka import admin_client
from tests.integration.api.api_support import (
    api_settings,
    application_value,
    event_value,
    make_callers,
    seed,
    serving,
)
from tests.integration.consumers.postgres_sink_support import fresh_database

API = "/api/v1"
PUBLIC_URL = "http://93.184.216.34/hooks/mca"  # an address literal: checked, never called


@pytest.fixture(scope="module")
def hooks(request, tmp_path_factory, kafka_bootstrap, schema_registry):
    tmp = tmp_path_factory.mktemp("webhooks")
    topic = f"api-deliveries-{uuid.uuid4().hex}"
    admin = admin_client(kafka_bootstrap)
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(15)
    spec = new_key_spec()
    ring = parse_key_ring(spec)
    application = application_value(1, ring)
    try:
        with fresh_database("postgresql", lambda: request.getfixturevalue("postgres_url"), tmp) as url:
            seed(url, [application])
            settings = api_settings(
                url,
                tmp / "home",
                spec,
                kafka_bootstrap=kafka_bootstrap,
                registry_url=schema_registry,
                webhook_links_base_url="https://api.example",
            )
            with serving(settings, topics=ApiTopics(webhook_delivery=topic)) as base:
                headers = make_callers(url, base).headers["admin"]
                yield {
                    "base": base,
                    "url": url,
                    "ring": ring,
                    "topic": topic,
                    "headers": headers,
                    "serde": AvroSerde(schema_registry),
                    "bootstrap": kafka_bootstrap,
                    "event": event_value(application, application["status"]),
                }
    finally:
        admin.delete_topics([topic])


def call(hooks, method, path, **kwargs):
    return httpx.request(
        method, f"{hooks['base']}{API}{path}", headers=hooks["headers"], timeout=30, **kwargs
    )


def endpoint_row(hooks, endpoint_id):
    engine = make_engine(hooks["url"], poolclass=NullPool)
    with Session(engine) as session:
        row = session.get(WebhookEndpoint, endpoint_id)
    engine.dispose()
    return row


def read_task(hooks, wanted_delivery_id):
    """(key, value) of the first delivery task on the topic with `wanted_delivery_id` (bounded wait)."""
    consumer = Consumer(
        {
            "bootstrap.servers": hooks["bootstrap"],
            "group.id": f"t-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([hooks["topic"]])
    try:
        for _ in range(100):
            message = consumer.poll(0.3)
            if message is not None and message.error() is None:
                task = hooks["serde"].decode(WEBHOOK_DELIVERY.name, message.value())
                if task["delivery_id"] == wanted_delivery_id:
                    return message.key(), task
    finally:
        consumer.close()
    raise AssertionError(f"no task for {wanted_delivery_id}")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/",
        "ftp://93.184.216.34/",
        "http://[::1]/",
    ],
)
def test_urls_on_loopback_private_or_link_local_addresses_are_refused(hooks, url):
    answer = call(hooks, "POST", "/webhooks", json={"url": url})
    assert answer.status_code == 422 and "URL refused" in answer.text


def test_asking_for_private_targets_is_refused_where_the_deployment_does_not_allow_them(hooks):
    answer = call(hooks, "POST", "/webhooks", json={"url": PUBLIC_URL, "allow_private_addresses": True})
    assert answer.status_code == 422


def test_a_new_endpoint_shows_its_secret_once_and_keeps_it_sealed(hooks):
    answer = call(
        hooks, "POST", "/webhooks", json={"url": PUBLIC_URL, "event_types": ["application.processed"]}
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["secret"].startswith("whsec_") and created["status"] == "enabled"
    again = call(hooks, "GET", f"/webhooks/{created['id']}").json()
    assert "secret" not in again and again["event_types"] == ["application.processed"]
    row = endpoint_row(hooks, created["id"])
    assert created["secret"].encode() not in row.secret_ciphertext
    assert open_signing_secret(hooks["ring"], row.secret_key_id, row.secret_ciphertext) == created["secret"]
    assert created["id"] in {item["id"] for item in call(hooks, "GET", "/webhooks").json()}


def test_rotation_gives_a_new_secret_and_keeps_the_old_one_for_the_overlap(hooks):
    created = call(hooks, "POST", "/webhooks", json={"url": PUBLIC_URL}).json()
    rotated = call(
        hooks, "POST", f"/webhooks/{created['id']}/rotate-secret", json={"overlap_seconds": 3600}
    ).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    row = endpoint_row(hooks, created["id"])
    assert (
        open_signing_secret(hooks["ring"], row.previous_secret_key_id, row.previous_secret_ciphertext)
        == (created["secret"])
    )
    assert open_signing_secret(hooks["ring"], row.secret_key_id, row.secret_ciphertext) == rotated["secret"]


def test_an_endpoint_can_be_changed_and_deleted_and_every_change_is_audited(hooks):
    created = call(hooks, "POST", "/webhooks", json={"url": PUBLIC_URL, "description": "first"}).json()
    changed = call(
        hooks,
        "PATCH",
        f"/webhooks/{created['id']}",
        json={"description": "second", "event_types": ["application.rejected"]},
    ).json()
    assert changed["description"] == "second" and changed["event_types"] == ["application.rejected"]
    refused = call(hooks, "PATCH", f"/webhooks/{created['id']}", json={"url": "http://127.0.0.1/"})
    assert refused.status_code == 422
    assert call(hooks, "DELETE", f"/webhooks/{created['id']}").status_code == 204
    assert call(hooks, "GET", f"/webhooks/{created['id']}").status_code == 404
    engine = make_engine(hooks["url"], poolclass=NullPool)
    with Session(engine) as session:
        actions = [
            row.action
            for row in session.scalars(
                select(AuditRecord).where(AuditRecord.target_id == created["id"]).order_by(AuditRecord.id)
            )
        ]
    engine.dispose()
    assert actions == ["webhook.create", "webhook.update", "webhook.delete"]


def test_a_ping_is_a_signed_delivery_task_for_the_workers(hooks):
    created = call(hooks, "POST", "/webhooks", json={"url": PUBLIC_URL}).json()
    answer = call(hooks, "POST", f"/webhooks/{created['id']}/ping")
    assert answer.status_code == 202
    queued = answer.json()
    _, task = read_task(hooks, queued["delivery_id"])
    assert (
        task["endpoint_id"] == created["id"] and task["attempt"] == 0 and task["event_type"] == "webhook.ping"
    )
    assert json.loads(task["payload"])["data"]["endpoint_id"] == created["id"]


def test_the_delivery_log_pages_newest_first_and_a_failed_delivery_is_sent_again_with_its_id_and_body(hooks):
    endpoint = call(hooks, "POST", "/webhooks", json={"url": PUBLIC_URL}).json()
    event = hooks["event"]
    failed = delivery_id(event["event_id"], endpoint["id"])
    now = datetime.now(UTC)
    engine = make_engine(hooks["url"], poolclass=NullPool)
    with Session(engine) as session:
        for attempt, outcome in ((1, "retrying"), (2, "retrying"), (3, "dead_lettered")):
            session.add(
                WebhookDelivery(
                    delivery_id=failed,
                    endpoint_id=endpoint["id"],
                    event_id=event["event_id"],
                    event_type=event["type"],
                    application_id=event["application_id"],
                    attempt=attempt,
                    outcome=outcome,
                    status_code=500,
                    latency_ms=12,
                    response_excerpt="boom",
                    attempted_at=now + timedelta(seconds=attempt),
                )
            )
        session.add(
            WebhookDelivery(
                delivery_id="msg_done",
                endpoint_id=endpoint["id"],
                event_id=str(uuid.uuid4()),
                event_type="application.processed",
                attempt=1,
                outcome="succeeded",
                status_code=204,
                attempted_at=now + timedelta(seconds=10),
            )
        )
        session.commit()
    first = call(hooks, "GET", f"/webhooks/{endpoint['id']}/deliveries", params={"limit": 3}).json()
    assert [item["attempt"] for item in first["items"]] == [1, 3, 2]
    rest = call(
        hooks,
        "GET",
        f"/webhooks/{endpoint['id']}/deliveries",
        params={"limit": 3, "cursor": first["next_cursor"]},
    ).json()
    assert [item["attempt"] for item in rest["items"]] == [1] and rest["next_cursor"] is None

    done = call(hooks, "POST", f"/webhooks/{endpoint['id']}/deliveries/msg_done/redeliver")
    assert done.status_code == 409
    with Session(engine) as session:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint["id"])
            .values(status="disabled", consecutive_failures=10, disabled_reason="failing")
        )
        session.commit()
    engine.dispose()
    assert call(hooks, "POST", f"/webhooks/{endpoint['id']}/deliveries/{failed}/redeliver").status_code == 409
    enabled = call(hooks, "POST", f"/webhooks/{endpoint['id']}/enable").json()
    assert (
        enabled["status"] == "enabled"
        and enabled["consecutive_failures"] == 0
        and not enabled["disabled_reason"]
    )

    answer = call(hooks, "POST", f"/webhooks/{endpoint['id']}/deliveries/{failed}/redeliver")
    assert answer.status_code == 202, answer.text
    key, task = read_task(hooks, failed)
    assert key == endpoint["id"].encode() and task["attempt"] == 3
    assert task["payload"] == webhook_payload(event, links_base_url="https://api.example")
    unknown = call(hooks, "POST", f"/webhooks/{endpoint['id']}/deliveries/msg_unknown/redeliver")
    assert unknown.status_code == 404
