"""`mca webhooks` killed with SIGKILL under load and restarted: every delivery arrives, and no
webhook-id is ever delivered as two different events (an id may arrive twice, always with the same
body, and receivers deduplicate on it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from schemas.ids import delivery_id
from schemas.serde import AvroSerde
from tests.integration.consumers.postgres_sink_support import fresh_database
from tests.integration.consumers.webhooks_support import (
    application_events,
    create_endpoint,
    delivery_rows,
    make_topics,
    new_key_ring,
    produce_events,
    running_receiver,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[3]
ENDPOINTS = 3
EVENTS = 60
KILLS = 2


def start_webhooks(url: str, bootstrap: str, registry: str, key_spec: str, arguments: list[str],
                   log: Path) -> subprocess.Popen:
    """`python -m consumers.webhooks` (the `mca webhooks` command) as a process of its own."""
    env = {**os.environ, "MCA_ENVIRONMENT": "test", "MCA_DATABASE_URL": url, "MCA_KAFKA_BOOTSTRAP": bootstrap,
           "MCA_REGISTRY_URL": registry, "MCA_HOME": str(log.parent / "home"),
           "MCA_ENCRYPTION_KEYS": key_spec,
           "MCA_WEBHOOK_ALLOW_PRIVATE_URLS": "true", "MCA_WEBHOOK_RETRY_TIER_SECONDS": "[0.2, 0.5, 1.0]",
           "MCA_WEBHOOK_MAX_ATTEMPTS": "20", "MCA_WEBHOOK_ENDPOINT_CACHE_SECONDS": "1",
           # The broker's minimum: a killed process's partitions move to its successor within seconds.
           "MCA_WEBHOOK_SESSION_TIMEOUT_SECONDS": "6"}
    argv = [sys.executable, "-m", "consumers.webhooks", *arguments, "--no-upgrade"]
    with log.open("ab") as output:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def test_webhooks_killed_under_load_and_restarted_never_deliver_one_id_as_two_events(
    kafka_bootstrap, topic_factory, schema_registry, postgres_url, tmp_path
):
    topics = make_topics(topic_factory)
    serde = AvroSerde(schema_registry)
    key_spec, ring = new_key_ring()
    events = application_events(EVENTS, salt=uuid.uuid4().hex)
    first_half, second_half = events[: EVENTS // 2], events[EVENTS // 2:]
    log = tmp_path / "webhooks.log"

    def answer(path: str, webhook_id: str, nth: int) -> int:  # some deliveries need a retry
        return 503 if nth == 1 and int(webhook_id[-2:], 16) % 4 == 0 else 200

    with (fresh_database("postgresql", lambda: postgres_url, tmp_path) as url,
          running_receiver(answer=answer, delay_seconds=0.01) as receiver):
        endpoints = []
        for number in range(ENDPOINTS):
            endpoint, secret = create_endpoint(url, ring, receiver.url(f"/hook/{number}"))
            receiver.secrets[f"/hook/{number}"] = [secret]
            endpoints.append(endpoint)
        expected = {delivery_id(e["event_id"], endpoint) for e in events for endpoint in endpoints}
        arguments = topics.arguments(uuid.uuid4().hex)
        load = threading.Thread(target=lambda: [produce_events(kafka_bootstrap, topics.events, serde, [e])
                                                or time.sleep(0.05) for e in second_half], name="load")
        produce_events(kafka_bootstrap, topics.events, serde, first_half)
        process = start_webhooks(url, kafka_bootstrap, schema_registry, key_spec, arguments, log)
        try:
            for kill in range(KILLS):
                reached, running = len(receiver.delivered()), process
                wait_until(lambda reached=reached: len(receiver.delivered()) > reached + 20, "progress",
                           alive=lambda running=running: running.poll() is None)
                process.send_signal(signal.SIGKILL)
                process.wait(10)
                if kill == 0:
                    load.start()
                process = start_webhooks(url, kafka_bootstrap, schema_registry, key_spec, arguments, log)
            load.join(120)
            assert not load.is_alive(), "the load did not finish"
            wait_until(lambda: receiver.delivered().keys() >= expected, "every delivery", seconds=180,
                       alive=lambda: process.poll() is None)
            process.send_signal(signal.SIGTERM)
            assert process.wait(60) == 0, log.read_text()[-3000:]
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        rows = delivery_rows(url)

    received = receiver.snapshot()
    assert receiver.delivered().keys() == expected
    bodies: dict[str, set[str]] = {}
    for request in received:
        assert request.verified_by, "a request whose signature does not verify"
        bodies.setdefault(request.webhook_id, set()).add(request.body)
        endpoint = endpoints[int(request.path.rsplit("/", 1)[1])]
        assert delivery_id(json.loads(request.body)["data"]["event_id"], endpoint) == request.webhook_id
    assert all(len(versions) == 1 for versions in bodies.values()), "a webhook-id named two different bodies"
    succeeded = Counter(row["delivery_id"] for row in rows if row["outcome"] == "succeeded")
    assert set(succeeded) == expected and max(succeeded.values()) == 1
    assert any(row["status_code"] == 503 for row in rows)  # retries happened under the kills too
