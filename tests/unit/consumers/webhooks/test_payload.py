"""The webhook body: Standard Webhooks shape, deterministic, and free of PII."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from consumers.webhooks.payload import after_attempt, delivery_task, iso_timestamp, webhook_payload
from infra.topics import APPLICATION_EVENT
from schemas.examples import example_value
from schemas.ids import delivery_id

BASE = "https://mca.example.com/"


def test_payload_carries_type_status_reasons_version_timestamps_and_a_link():
    event = example_value(APPLICATION_EVENT.name)
    body = json.loads(webhook_payload(event, links_base_url=BASE))
    assert body["type"] == "application.review_required"
    assert body["timestamp"] == iso_timestamp(event["occurred_at"])
    data = body["data"]
    assert data["event_id"] == event["event_id"]
    assert data["application_id"] == event["application_id"]
    assert (data["status"], data["version"]) == ("review_required", 2)
    assert data["reasons"] == ["statements_missing"]
    link = f"https://mca.example.com/api/v1/applications/{event['application_id']}"
    assert data["links"]["application"] == link


def test_payload_leaves_out_merchant_name_amount_actor_and_iso_broker():
    event = example_value(APPLICATION_EVENT.name) | {"actor": "jane.doe@funder.example",
                                                     "merchant_name": "Jane Doe Bakery"}
    text = webhook_payload(event, links_base_url=BASE)
    for secret in ("Jane Doe", "jane.doe", "50000", "example-iso.com", "merchant_name", "amount"):
        assert secret not in text


def test_same_event_always_gives_the_same_bytes():
    first = example_value(APPLICATION_EVENT.name)
    second = dict(reversed(list(example_value(APPLICATION_EVENT.name).items())))
    assert webhook_payload(first, links_base_url=BASE) == webhook_payload(second, links_base_url=BASE)
    assert webhook_payload(first, links_base_url=BASE).isascii()


def test_timestamps_are_utc_iso_with_milliseconds_from_datetimes_or_epoch_millis():
    moment = datetime(2024, 3, 1, 12, 30, 5, 123000, tzinfo=UTC)
    assert iso_timestamp(moment) == "2024-03-01T12:30:05.123Z"
    assert iso_timestamp(int(moment.timestamp() * 1000)) == "2024-03-01T12:30:05.123Z"


def test_delivery_task_has_the_stable_webhook_id_and_no_attempt_yet():
    event = example_value(APPLICATION_EVENT.name)
    created = datetime(2024, 3, 1, tzinfo=UTC)
    task = delivery_task(event, "ep1", "{}", created_at=created)
    assert task["delivery_id"] == delivery_id(event["event_id"], "ep1")
    assert (task["attempt"], task["next_attempt_at"], task["created_at"]) == (0, None, created)
    later = after_attempt(task, attempt=1, attempted_at=created, status_code=503, error=None, latency_ms=12,
                          next_attempt_at=created)
    assert later["delivery_id"] == task["delivery_id"] and later["payload"] == task["payload"]
    assert (later["attempt"], later["last_status_code"], later["last_latency_ms"]) == (1, 503, 12)
