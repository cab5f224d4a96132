"""The delivery worker's waiting on real Kafka: a retry task waits for its time by pausing its
partition while polling goes on, so other tasks flow and the consumer keeps its partitions."""

from __future__ import annotations

import copy
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import Consumer, Producer

from consumers.postgres_sink.dead_letters import DeadLetterPublisher
from consumers.webhooks.worker import DeliveryWorker, WorkerConfig
from infra.topics import WEBHOOK_DELIVERY
from schemas.examples import example_value
from schemas.serde import AvroSerde
from tests.integration.consumers.webhooks_support import wait_until

WAIT = 8.0  # longer than the consumer's max.poll.interval below: a sleeping consumer would lose the group


def task(name: str, due: datetime | None) -> dict[str, Any]:
    value = copy.deepcopy(example_value(WEBHOOK_DELIVERY.name))
    value.update(delivery_id=f"msg_{name}", next_attempt_at=due)
    return value


def test_a_retry_task_waits_for_its_time_while_other_tasks_flow_and_the_group_holds(
    kafka_bootstrap, topic_factory, schema_registry
):
    delivery = topic_factory(partitions=1, prefix="delivery")
    retry = topic_factory(partitions=1, prefix="retry")
    serde = AvroSerde(schema_registry)
    handled: list[tuple[str, float]] = []
    revoked: list[Any] = []
    config = WorkerConfig(topics=(delivery, retry), group_id=f"worker-{uuid.uuid4().hex}", concurrency=4,
                          poll_seconds=0.2, session_timeout_seconds=6.0, max_poll_interval_seconds=6.0)
    kafka = {"bootstrap.servers": kafka_bootstrap}
    worker = DeliveryWorker(
        config, kafka=kafka, serde=serde,
        handle=lambda t: handled.append((t["delivery_id"], time.time())) or "succeeded",
        dead_letters=DeadLetterPublisher(kafka, topic="unused", stage="test", worker="test", serde=serde),
    )
    original_revoke = worker._on_revoke
    worker._on_revoke = lambda c, p: (revoked.append(p), original_revoke(c, p))  # type: ignore[method-assign]
    worker.setup()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    producer = Producer(kafka)
    try:
        due = datetime.now(UTC) + timedelta(seconds=WAIT)
        for topic, value in ((retry, task("later", due)), (retry, task("behind-later", None)),
                             (delivery, task("fresh", None))):
            producer.produce(topic, key=b"ep", value=serde.encode(WEBHOOK_DELIVERY.name, value))
        assert producer.flush(30) == 0
        wait_until(lambda: any(name == "msg_fresh" for name, _ in handled), "the fresh task", seconds=60)
        wait_until(lambda: worker.paused, "the retry partition paused", seconds=30)
        assert [name for name, _ in handled] == ["msg_fresh"]
        wait_until(lambda: len(handled) == 3, "the retry tasks", seconds=60)
        producer.produce(delivery, key=b"ep", value=serde.encode(WEBHOOK_DELIVERY.name, task("after", None)))
        assert producer.flush(30) == 0
        wait_until(lambda: len(handled) == 4, "a task after the wait", seconds=30)
        lost_partitions = list(revoked)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    names = [name for name, _ in handled]
    assert names == ["msg_fresh", "msg_later", "msg_behind-later", "msg_after"]  # each exactly once, in order
    assert dict(handled)["msg_later"] >= due.timestamp()
    assert not lost_partitions, "the consumer lost its partitions while a task waited"


def test_a_waiting_task_survives_a_rebalance_and_is_handled_when_due(
    kafka_bootstrap, topic_factory, schema_registry
):
    retry, other = topic_factory(partitions=1, prefix="retry"), topic_factory(partitions=1, prefix="other")
    serde = AvroSerde(schema_registry)
    handled: list[tuple[str, float]] = []
    group = f"worker-{uuid.uuid4().hex}"
    config = WorkerConfig(topics=(retry,), group_id=group, concurrency=2, poll_seconds=0.2,
                          session_timeout_seconds=6.0, max_poll_interval_seconds=6.0)
    kafka = {"bootstrap.servers": kafka_bootstrap}
    worker = DeliveryWorker(
        config, kafka=kafka, serde=serde,
        handle=lambda t: handled.append((t["delivery_id"], time.time())) or "succeeded",
        dead_letters=DeadLetterPublisher(kafka, topic="unused", stage="test", worker="test", serde=serde),
    )
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    producer = Producer(kafka)
    try:
        due = datetime.now(UTC) + timedelta(seconds=WAIT)
        producer.produce(retry, key=b"ep", value=serde.encode(WEBHOOK_DELIVERY.name, task("waiting", due)))
        assert producer.flush(30) == 0
        wait_until(lambda: worker.paused, "the retry partition paused", seconds=60)
        # Another member joining and leaving the group makes it rebalance (eager: all revoked).
        member = Consumer({**kafka, "group.id": group, "session.timeout.ms": 6000})
        member.subscribe([other])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not member.assignment():
            member.poll(0.2)
        member.close()
        wait_until(lambda: handled, "the waiting task", seconds=60)
    finally:
        stop.set()
        thread.join(30)
    assert [name for name, _ in handled] == ["msg_waiting"]
    assert handled[0][1] >= due.timestamp()
