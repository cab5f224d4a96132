"""`mca worker` as operators run it: a transient error that outlasts its retries stops the worker
with the message unacknowledged; restarted, the worker reads that message again and goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from infra.topics import DLQ, DOCUMENT_RECEIVED, EMAIL_RECEIVED
from schemas.examples import example_value
from schemas.serde import AvroSerde

from .test_app import collect, committed

ROOT = Path(__file__).resolve().parents[3]
WAIT_S = 60.0
# `mca worker` without the rest of the CLI, logging as infra.cli.main sets it up
WORKER = ("import logging, typer; from streams.worker_commands import worker_command; "
          "logging.basicConfig(level=logging.INFO); typer.run(worker_command)")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        argv = [sys.executable, "-c", WORKER, "--agents", "tests.integration.streams.outage_agent"]
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def test_a_worker_stops_on_an_outage_and_resumes_from_the_unacknowledged_message(
    kafka_bootstrap, schema_registry, topic_factory, tmp_path
):
    source, output, dlq = (topic_factory(prefix=prefix) for prefix in ("wk-source", "wk-output", "wk-dlq"))
    serde = AvroSerde(schema_registry)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for subject in ("first", "outage", "third"):
        email = {**example_value(EMAIL_RECEIVED.name), "subject": subject}
        producer.produce(source, value=serde.encode(EMAIL_RECEIVED.name, email), partition=0)
    assert producer.flush(15) == 0

    app_id = f"test-worker-{uuid.uuid4().hex}"
    outage = tmp_path / "outage"
    outage.touch()
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "MCA_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCA_REGISTRY_URL": schema_registry,
           "MCA_STREAMS_APP_ID": app_id, "MCA_HOME": str(tmp_path / "home"), "MCA_CPU_POOL_WORKERS": "1",
           "MCA_STREAMS_CONCURRENCY": "1", "MCA_TEST_OUTAGE_FILE": str(outage),
           "MCA_TEST_TOPIC_NAMES": json.dumps({EMAIL_RECEIVED.name: source, DOCUMENT_RECEIVED.name: output,
                                                DLQ.name: dlq})}
    log = tmp_path / "worker.log"
    try:
        worker = start_worker(env, log)
        assert worker.wait(WAIT_S) != 0, log.read_text()[-3000:]
        assert "outage: TransientError: the object store is away; stopping the worker" in log.read_text()
        assert committed(kafka_bootstrap, app_id, source) == 1, log.read_text()[-6000:]

        outage.unlink()
        worker = start_worker(env, log)
        try:
            deadline = time.monotonic() + WAIT_S
            while committed(kafka_bootstrap, app_id, source) < 3 and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(WAIT_S) == 0, log.read_text()[-3000:]
        assert committed(kafka_bootstrap, app_id, source) == 3
        records = collect(kafka_bootstrap, [output], expected=10, timeout=3.0)
        details = [serde.decode(DOCUMENT_RECEIVED.name, record.value())["detail"] for record in records]
        # At least once: the first run may have done "first" and "third" before it stopped.
        assert set(details) == {"first@0", "outage@1", "third@2"}
        assert details.count("outage@1") == 1
        assert collect(kafka_bootstrap, [dlq], expected=1, timeout=2.0) == []
    finally:
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        for future in admin.delete_topics([f"{app_id}-__assignor-__leader"]).values():
            future.exception(15)  # best effort: a leftover uuid topic harms nobody
