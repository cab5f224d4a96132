"""Webhooks end to end on real Kafka, registry, database and a real HTTP receiver that verifies
every signature with the `standardwebhooks` library."""

from __future__ import annotations

import json

import pytest
from standardwebhooks import Webhook

from consumers.webhooks.signing import new_signing_secret
from schemas.ids import delivery_id
from schemas.migrations import upgrade_database
from schemas.serde import AvroSerde
from tests.integration.consumers.postgres_sink_support import fresh_database
from tests.integration.consumers.webhooks_support import (
    application_events,
    create_endpoint,
    delivery_rows,
    enable_endpoint,
    endpoint_row,
    make_topics,
    new_key_ring,
    produce_events,
    read_deliveries,
    running_receiver,
    running_webhooks,
    wait_until,
    webhook_settings,
)


@pytest.mark.parametrize("database_kind", ["postgresql", "sqlite"])
def test_events_become_signed_deliveries_that_standardwebhooks_verifies(
    request, database_kind, kafka_bootstrap, topic_factory, schema_registry, tmp_path
):
    postgres = lambda: request.getfixturevalue("postgres_url")  # noqa: E731
    topics = make_topics(topic_factory)
    serde = AvroSerde(schema_registry)
    key_spec, ring = new_key_ring()
    events = application_events(6, salt=database_kind)
    with fresh_database(database_kind, postgres, tmp_path) as url, running_receiver() as receiver:
        every, every_secret = create_endpoint(url, ring, receiver.url("/every"))
        old_secret = new_signing_secret()
        rotated, rotated_secret = create_endpoint(url, ring, receiver.url("/processed"),
                                                  event_types=["application.processed"],
                                                  previous_secret=old_secret)
        create_endpoint(url, ring, receiver.url("/disabled"), status="disabled")
        create_endpoint(url, ring, receiver.url("/rejected"), event_types=["application.rejected"])
        receiver.secrets.update({"/every": [every_secret], "/processed": [rotated_secret, old_secret]})
        settings = webhook_settings(bootstrap=kafka_bootstrap, registry=schema_registry, database_url=url,
                                    key_spec=key_spec)
        with running_webhooks(settings, topics) as alive:
            produce_events(kafka_bootstrap, topics.events, serde, events)
            wait_until(lambda: len(receiver.delivered()) >= 8, "eight deliveries", alive=alive)
        rows = delivery_rows(url)

    received = receiver.snapshot()
    assert {r.path for r in received} == {"/every", "/processed"}  # never the disabled or unsubscribed ones
    assert receiver.delivered("/every").keys() == {delivery_id(e["event_id"], every) for e in events}
    processed = [e for e in events if e["type"] == "application.processed"]
    assert receiver.delivered("/processed").keys() == {delivery_id(e["event_id"], rotated) for e in processed}
    for request_ in received:
        assert request_.headers["content-type"] == "application/json"
        body = Webhook(receiver.secrets[request_.path][0]).verify(request_.body, request_.headers)
        assert body["type"] in {e["type"] for e in events}
        assert "merchant" not in request_.body and "iso_broker" not in request_.body
        event = next(e for e in events if e["event_id"] == body["data"]["event_id"])
        assert body["data"]["application_id"] == event["application_id"]
        assert body["data"]["links"]["application"].startswith("https://mca.example.test/api/v1/applications/")
    for request_ in (r for r in received if r.path == "/processed"):
        assert len(request_.headers["webhook-signature"].split(" ")) == 2  # rotation overlap: both sign
        assert request_.verified_by == [rotated_secret, old_secret]
    assert len(rows) == 8
    assert all((r["attempt"], r["outcome"], r["status_code"]) == (1, "succeeded", 200) for r in rows)
    assert all(r["latency_ms"] is not None and r["response_excerpt"] == "answered 200" for r in rows)


def test_receiver_down_for_a_while_then_back_gets_every_delivery_through_retries(
    kafka_bootstrap, topic_factory, schema_registry, sqlite_url
):
    topics = make_topics(topic_factory)
    serde = AvroSerde(schema_registry)
    key_spec, ring = new_key_ring()
    events = application_events(5, salt="outage")
    upgrade_database(sqlite_url)
    with running_receiver(answers={"/hook": 503}) as receiver:
        endpoint, secret = create_endpoint(sqlite_url, ring, receiver.url("/hook"))
        receiver.secrets["/hook"] = [secret]
        settings = webhook_settings(bootstrap=kafka_bootstrap, registry=schema_registry,
                                    database_url=sqlite_url, key_spec=key_spec)
        with running_webhooks(settings, topics) as alive:
            produce_events(kafka_bootstrap, topics.events, serde, events)
            wait_until(lambda: len({r.webhook_id for r in receiver.snapshot()}) >= 5, "503s", alive=alive)
            receiver.stop()  # now not even listening
            wait_until(lambda: any(r["status_code"] is None for r in delivery_rows(sqlite_url)),
                       "a refused connection", alive=alive)
            receiver.answers["/hook"] = 200
            receiver.start()
            wait_until(lambda: len(receiver.delivered()) >= 5, "every delivery", alive=alive)
        rows = delivery_rows(sqlite_url)

    assert receiver.delivered().keys() == {delivery_id(e["event_id"], endpoint) for e in events}
    by_delivery: dict[str, list[dict]] = {}
    for row in rows:
        by_delivery.setdefault(row["delivery_id"], []).append(row)
    for attempts in by_delivery.values():
        assert [r["attempt"] for r in attempts] == list(range(1, len(attempts) + 1))
        assert attempts[0]["status_code"] == 503 and attempts[0]["outcome"] == "retrying"
        assert attempts[-1]["outcome"] == "succeeded" and len(attempts) >= 2
    assert any("ConnectError" in (r["error"] or "") for r in rows)
    assert endpoint_row(sqlite_url, endpoint)["status"] == "enabled"
    assert endpoint_row(sqlite_url, endpoint)["consecutive_failures"] == 0


def test_permanently_failing_endpoint_ends_in_the_dlq_and_is_disabled_until_re_enabled(
    kafka_bootstrap, topic_factory, schema_registry, postgres_url, tmp_path
):
    topics = make_topics(topic_factory)
    serde = AvroSerde(schema_registry)
    key_spec, ring = new_key_ring()
    events = application_events(4, salt="failing")
    with (fresh_database("postgresql", lambda: postgres_url, tmp_path) as url,
          running_receiver(answers={"/broken": 500, "/gone": 410}) as receiver):
        broken, broken_secret = create_endpoint(url, ring, receiver.url("/broken"))
        gone, gone_secret = create_endpoint(url, ring, receiver.url("/gone"))
        healthy, healthy_secret = create_endpoint(url, ring, receiver.url("/healthy"))
        receiver.secrets.update({"/broken": [broken_secret], "/gone": [gone_secret],
                                 "/healthy": [healthy_secret]})
        settings = webhook_settings(bootstrap=kafka_bootstrap, registry=schema_registry, database_url=url,
                                    key_spec=key_spec, webhook_max_attempts=3,
                                    webhook_disable_after_failures=2)
        with running_webhooks(settings, topics) as alive:
            produce_events(kafka_bootstrap, topics.events, serde, events)
            dead = read_deliveries(kafka_bootstrap, topics.dlq, serde, count=8)
            wait_until(lambda: len(receiver.delivered("/healthy")) >= 4, "healthy deliveries", alive=alive)
            broken_state, gone_state = endpoint_row(url, broken), endpoint_row(url, gone)

            receiver.answers["/broken"] = 200
            enable_endpoint(url, broken)  # what the API's re-enable does: a column flip
            later = application_events(1, salt="after re-enabling")
            produce_events(kafka_bootstrap, topics.events, serde, later)
            wait_until(lambda: delivery_id(later[0]["event_id"], broken) in receiver.delivered("/broken"),
                       "a delivery after re-enabling", alive=alive)
        rows = delivery_rows(url)

    reasons = {(task["endpoint_id"], headers["mca-dlq-reason"].decode()) for task, headers in dead}
    assert {task["endpoint_id"] for task, _ in dead} == {broken, gone}
    assert (gone, "endpoint_gone") in reasons
    assert (broken, "attempts_exhausted") in reasons and (broken, "endpoint_disabled") in reasons
    assert sum(1 for task, _ in dead if task["endpoint_id"] == broken) == 4
    assert all(task["delivery_id"] == delivery_id(task["event_id"], task["endpoint_id"]) for task, _ in dead)
    exhausted = [task for task, h in dead if h["mca-dlq-reason"] == b"attempts_exhausted"]
    assert all(task["attempt"] == 3 and task["last_status_code"] == 500 for task in exhausted)
    assert broken_state["status"] == "disabled"
    assert broken_state["disabled_reason"] == "2 consecutive deliveries failed"
    assert gone_state["status"] == "disabled" and "410" in gone_state["disabled_reason"]
    assert len(receiver.delivered("/healthy")) == 5  # the four, then the one after re-enabling
    gone_attempts = [r for r in rows if r["endpoint_id"] == gone and r["status_code"] == 410]
    assert len(gone_attempts) == 1  # 410 is never retried
    assert all(json.loads(r.body)["type"] for r in receiver.snapshot())
