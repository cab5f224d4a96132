"""Health endpoints and /metrics on real Kafka and PostgreSQL: request latencies, a consumer group's
throughput and lag read from Kafka's own offsets, and webhook outcomes from the delivery log."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from confluent_kafka.admin import NewTopic
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from consumers.postgres_sink.runner import SinkConfig
from consumers.webhooks.signing import seal_signing_secret
from infra.crypto import new_key_spec, parse_key_ring
from infra.database import make_engine
from schemas.db.records import WebhookDelivery, WebhookEndpoint
from schemas.serde import AvroSerde
from tests.fixtures.kafka import admin_client
from tests.integration.api.api_support import api_settings, application_value, make_callers, serving
from tests.integration.consumers.postgres_sink_support import (
    fresh_database,
    produce,
    running_sink,
    wait_for_offsets,
)


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition text (None when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture(scope="module")
def ops(request, tmp_path_factory, kafka_bootstrap, schema_registry):
    tmp = tmp_path_factory.mktemp("ops")
    topic = f"mca.apitest-{uuid.uuid4().hex}"  # "mca." so the metrics list its end offsets
    admin = admin_client(kafka_bootstrap)
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(15)
    spec = new_key_spec()
    ring = parse_key_ring(spec)
    group = f"sink-{uuid.uuid4().hex}"
    try:
        with fresh_database("postgresql", lambda: request.getfixturevalue("postgres_url"), tmp) as url:
            values = [application_value(index, ring) for index in range(5)]
            ends = produce(
                kafka_bootstrap,
                topic,
                AvroSerde(schema_registry),
                [(value["application_id"], value) for value in values],
            )
            config = SinkConfig(
                topic=topic,
                group_id=group,
                dlq_topic=f"{topic}-dlq",
                batch_size=10,
                batch_max_seconds=0.1,
                poll_seconds=0.1,
            )
            with running_sink(url, kafka_bootstrap, schema_registry, config):
                wait_for_offsets(url, group, topic, ends)
            settings = api_settings(
                url,
                tmp / "home",
                spec,
                kafka_bootstrap=kafka_bootstrap,
                registry_url=schema_registry,
                postgres_sink_group_id=group,
            )
            with serving(settings) as base:
                yield {
                    "base": base,
                    "url": url,
                    "topic": topic,
                    "group": group,
                    "ring": ring,
                    "headers": make_callers(url, base).headers["analyst"],
                    "settings": settings,
                    "tmp": tmp,
                }
    finally:
        admin.delete_topics([topic])


def scrape_until(base: str, check, seconds: float = 30.0) -> str:
    deadline = time.monotonic() + seconds
    while True:
        text = httpx.get(f"{base}/metrics").text
        if check(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def test_health_of_the_process_the_database_and_kafka(ops):
    for path, component in (("", "api"), ("/db", "database"), ("/kafka", "kafka")):
        answer = httpx.get(f"{ops['base']}/api/v1/health{path}")
        assert answer.status_code == 200 and answer.json() == answer.json() | {
            "status": "ok",
            "component": component,
        }


def test_health_reports_503_when_kafka_or_the_database_is_unreachable(ops, tmp_path):
    broken = ops["settings"].model_copy(
        update={"kafka_bootstrap": "127.0.0.1:1", "database_url": "postgresql://nobody:x@127.0.0.1:1/none"}
    )
    with serving(broken) as base:
        started = time.monotonic()
        assert httpx.get(f"{base}/api/v1/health/kafka", timeout=30).status_code == 503
        assert httpx.get(f"{base}/api/v1/health/db", timeout=30).status_code == 503
        assert httpx.get(f"{base}/api/v1/health", timeout=30).status_code == 200
        assert time.monotonic() - started < 20


def test_metrics_show_a_stage_throughput_and_lag_from_kafka_offsets(ops):
    labels = {"group": ops["group"], "stage": "postgres-sink", "topic": ops["topic"]}
    text = scrape_until(ops["base"], lambda t: metric(t, "mca_stage_messages_total", **labels) == 5.0)
    assert metric(text, "mca_stage_messages_total", **labels) == 5.0
    assert metric(text, "mca_consumer_lag", **labels) == 0.0
    assert metric(text, "mca_topic_messages_total", topic=ops["topic"]) == 5.0
    assert metric(text, "mca_metrics_refreshed_timestamp_seconds") > 0


def test_metrics_record_request_latency_by_route_template(ops):
    for _ in range(3):
        httpx.get(f"{ops['base']}/api/v1/applications/{uuid.uuid4().hex}", headers=ops["headers"])
    text = httpx.get(f"{ops['base']}/metrics").text
    count = metric(
        text,
        "mca_api_request_duration_seconds_count",
        method="GET",
        route="/api/v1/applications/{application_id}",
        status="404",
    )
    assert count == 3.0
    assert not re.search(r'route="/api/v1/applications/[0-9a-f]{32}"', text)


def test_metrics_count_webhook_outcomes_from_the_delivery_log(ops):
    engine = make_engine(ops["url"], poolclass=NullPool)
    now = datetime.now(UTC)
    with Session(engine) as session:
        key_id, sealed = seal_signing_secret(ops["ring"], "whsec_" + "A" * 43)
        endpoint = WebhookEndpoint(
            url="http://93.184.216.34/",
            secret_key_id=key_id,
            secret_ciphertext=sealed,
            created_at=now,
            updated_at=now,
        )
        session.add(endpoint)
        session.flush()
        for attempt, outcome in enumerate(("retrying", "retrying", "succeeded"), start=1):
            session.add(
                WebhookDelivery(
                    delivery_id="msg_metrics",
                    endpoint_id=endpoint.id,
                    event_id="e",
                    event_type="application.processed",
                    attempt=attempt,
                    outcome=outcome,
                    attempted_at=now,
                )
            )
        session.commit()
    engine.dispose()
    text = scrape_until(
        ops["base"], lambda t: metric(t, "mca_webhook_deliveries_total", outcome="succeeded") == 1.0
    )
    assert metric(text, "mca_webhook_deliveries_total", outcome="succeeded") == 1.0
    assert metric(text, "mca_webhook_deliveries_total", outcome="retrying") == 2.0
