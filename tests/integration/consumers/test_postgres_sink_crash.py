"""`mca postgres-sink` killed with SIGKILL under load and restarted: the tables and offsets end equal
to those of an undisturbed run (effectively once: offsets commit with the rows)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from consumers.postgres_sink.runner import SinkConfig
from schemas.serde import AvroSerde
from tests.integration.consumers.postgres_sink_support import (
    dump_tables,
    fresh_database,
    message_plan,
    produce,
    running_sink,
    stored_offsets,
    wait_for_offsets,
)

PARTITIONS = 3
KILLS = 2
ROOT = Path(__file__).resolve().parents[3]


def start_sink(url: str, bootstrap: str, registry: str, topic: str, group: str,
               log: Path) -> subprocess.Popen:
    """`python -m consumers.postgres_sink` (the `mca postgres-sink` command) as a process of its own."""
    env = {**os.environ, "MCA_DATABASE_URL": url, "MCA_KAFKA_BOOTSTRAP": bootstrap,
           "MCA_REGISTRY_URL": registry, "MCA_HOME": str(log.parent / "home"),
           "MCA_POSTGRES_SINK_BATCH_SIZE": "10", "MCA_POSTGRES_SINK_BATCH_MAX_SECONDS": "0.1",
           # The broker's minimum: a killed sink's partitions move to its successor within seconds.
           "MCA_POSTGRES_SINK_SESSION_TIMEOUT_SECONDS": "6"}
    argv = [sys.executable, "-m", "consumers.postgres_sink", "--topic", topic, "--group", group,
            "--dlq-topic", f"{topic}-dlq", "--no-upgrade"]
    with log.open("ab") as output:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def progress(url: str, group: str, topic: str) -> int:
    return sum(stored_offsets(url, group, topic).values())


def wait_for_progress(url: str, group: str, topic: str, beyond: int, process: subprocess.Popen,
                      seconds: float = 90.0) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = progress(url, group, topic)
        if done > beyond:
            return done
        assert process.poll() is None, f"the sink exited with {process.returncode}"
        time.sleep(0.02)
    raise AssertionError(f"the sink made no progress beyond {beyond} in {seconds} s")


@pytest.mark.parametrize("database_kind", ["postgresql", "sqlite"])
def test_sink_killed_under_load_and_restarted_ends_equal_to_an_undisturbed_run(
    request, database_kind, kafka_bootstrap, topic_factory, schema_registry, tmp_path
):
    postgres = lambda: request.getfixturevalue("postgres_url")  # noqa: E731
    topic = topic_factory(partitions=PARTITIONS, prefix="mca-application")
    serde = AvroSerde(schema_registry)
    plan = message_plan(applications=150, seed=3)
    first_half, second_half = plan[: len(plan) // 2], plan[len(plan) // 2:]
    group = f"sink-{uuid.uuid4().hex}"
    log = tmp_path / "sink.log"
    ends: dict[int, int] = {}

    def load() -> None:  # the second half arrives while the sink is killed and restarted
        for partition, end in produce(kafka_bootstrap, topic, serde, second_half, pause_every=20,
                                      pause_seconds=0.2).items():
            ends[partition] = max(ends.get(partition, 0), end)

    with (fresh_database(database_kind, postgres, tmp_path) as crashed_url,
          fresh_database(database_kind, postgres, tmp_path) as undisturbed_url):
        ends.update(produce(kafka_bootstrap, topic, serde, first_half))
        producer = threading.Thread(target=load, name="load")
        process = start_sink(crashed_url, kafka_bootstrap, schema_registry, topic, group, log)
        try:
            done = 0
            for kill in range(KILLS):
                done = wait_for_progress(crashed_url, group, topic, done, process)
                time.sleep(0.1)
                process.send_signal(signal.SIGKILL)
                process.wait(10)
                done = progress(crashed_url, group, topic)  # the next run must commit beyond this
                if kill == 0:
                    producer.start()
                process = start_sink(crashed_url, kafka_bootstrap, schema_registry, topic, group, log)
            producer.join(120)
            assert not producer.is_alive(), "the load did not finish"
            wait_for_offsets(crashed_url, group, topic, ends, alive=lambda: process.poll() is None)
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0, log.read_text()[-3000:]
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)

        config = SinkConfig(topic=topic, group_id=f"undisturbed-{uuid.uuid4().hex}", dlq_topic="unused",
                            batch_size=50, batch_max_seconds=0.2, poll_seconds=0.2)
        with running_sink(undisturbed_url, kafka_bootstrap, schema_registry, config):
            wait_for_offsets(undisturbed_url, config.group_id, topic, ends)

        crashed, undisturbed = dump_tables(crashed_url), dump_tables(undisturbed_url)
        assert crashed == undisturbed
        assert crashed["sink_offsets"] == sorted((topic, p, end) for p, end in ends.items())
        assert len(crashed["applications"]) > 100
