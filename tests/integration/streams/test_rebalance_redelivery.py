"""A rebalance loses no event: events waiting in an agent's buffer on a partition that has
nothing committed yet are processed after the rebalance. Faust empties its agents' buffers when
partitions are revoked and seeks back to committed offsets, which leaves a partition without a
committed offset alone; what brings its events back is the new assignment itself, whose positions
start from the committed offset or, where there is none, from the `earliest` reset policy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewPartitions

ROOT = Path(__file__).resolve().parents[3]
SLOW_S = 12.0  # longer than a metadata refresh (5 s) plus a rejoin: the rebalance comes mid-event


def wait_for(condition, timeout_s: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n" + log.read_text()[-4000:]
        time.sleep(0.2)


def finished(result_dir: Path) -> list[str]:
    done = result_dir / "done"
    return done.read_text().split() if done.exists() else []


def test_events_buffered_on_an_uncommitted_partition_are_processed_after_a_rebalance(
    kafka_bootstrap, topic_factory, tmp_path
):
    topic = topic_factory(partitions=2, prefix="rebalance")
    result_dir = tmp_path / "results"
    result_dir.mkdir()
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(topic, value=b"slow-0", partition=0)
    assert producer.flush(15) == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "APP_ID": f"test-rebalance-{uuid.uuid4().hex}",
           "BOOTSTRAP": kafka_bootstrap, "TOPIC": topic, "RESULT_DIR": str(result_dir), "SLOW_S": str(SLOW_S)}
    log = tmp_path / "worker.log"
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "faust", "-A", "tests.integration.streams.rebalance_app", "worker",
             "-l", "info", "--without-web"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: (result_dir / "started-slow-0").exists(), 90, "the slow event to start", log)
        quick = [f"quick-{n}" for n in range(5)]
        for name in quick:
            producer.produce(topic, value=name.encode(), partition=1)
        assert producer.flush(15) == 0
        time.sleep(1.0)  # fetched into the agent's buffer while the agent is busy with slow-0
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        admin.create_partitions([NewPartitions(topic, 3)])[topic].result(15)

        wait_for(lambda: set(quick) <= set(finished(result_dir)), SLOW_S + 60,
                 "the buffered events after the rebalance", log)

        assert "slow-0" in finished(result_dir)
        assert "generation 2" in log.read_text(), "the partition change must have caused a rebalance"
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
