"""`mca webhooks`: the fan-out and the delivery worker of consumers/webhooks, one process (edge).

Both loops run on threads of their own until SIGTERM or SIGINT; each finishes its batch in hand,
commits and leaves its consumer group. When one loop fails the other is stopped too and the
command exits with status 1, so a supervisor restarts the process (which resumes from Kafka's
committed offsets and the delivery log).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy import Engine

from consumers.postgres_sink.dead_letters import DeadLetterPublisher
from consumers.webhooks.delivery import DeliveryHandler
from consumers.webhooks.fanout import FanOut, FanOutConfig
from consumers.webhooks.kafka_io import TaskPublisher
from consumers.webhooks.policy import RetryPolicy
from consumers.webhooks.sender import SenderConfig, WebhookSender
from consumers.webhooks.store import WebhookStore
from consumers.webhooks.worker import DeliveryWorker, WorkerConfig
from infra.database import make_engine
from infra.settings import Settings, key_ring, load_settings
from infra.topic_admin import admin_client_config
from infra.topics import (
    APPLICATION_EVENT,
    DLQ,
    WEBHOOK_DELIVERY,
    WEBHOOK_DLQ,
    WEBHOOK_RETRY_1H,
    WEBHOOK_RETRY_1M,
    WEBHOOK_RETRY_10M,
)
from schemas.migrations import upgrade_database
from schemas.serde import AvroSerde

logger = logging.getLogger(__name__)

RETRY_TOPICS = (WEBHOOK_RETRY_1M.name, WEBHOOK_RETRY_10M.name, WEBHOOK_RETRY_1H.name)


@dataclass(frozen=True)
class Wiring:
    """Topics and groups of one webhooks process (the topic map's, or the command line's)."""

    events_topic: str = APPLICATION_EVENT.name
    delivery_topic: str = WEBHOOK_DELIVERY.name
    retry_topics: tuple[str, ...] = RETRY_TOPICS
    dead_letter_topic: str = WEBHOOK_DLQ.name
    poison_topic: str = DLQ.name
    fanout_group: str | None = None
    delivery_group: str | None = None


def retry_policy(settings: Settings, wiring: Wiring) -> RetryPolicy:
    """The retry and disable policy from settings."""
    return RetryPolicy(
        retry_topics=wiring.retry_topics, dlq_topic=wiring.dead_letter_topic,
        tier_seconds=tuple(settings.webhook_retry_tier_seconds), max_attempts=settings.webhook_max_attempts,
        disable_after_failures=settings.webhook_disable_after_failures,
        disable_after=timedelta(seconds=settings.webhook_disable_after_seconds),
    )


def links_base_url(settings: Settings) -> str:
    """Base URL of payload links: the setting, else the API's own address."""
    return settings.webhook_links_base_url or f"http://{settings.api_host}:{settings.api_port}"


def sender_config(settings: Settings) -> SenderConfig:
    """Timeouts, excerpt length and the private-address switch from settings."""
    return SenderConfig(
        connect_timeout_seconds=settings.webhook_connect_timeout_seconds,
        read_timeout_seconds=settings.webhook_read_timeout_seconds,
        excerpt_chars=settings.webhook_response_excerpt_chars,
        allow_private_urls=settings.webhook_allow_private_urls,
    )


def build_loops(settings: Settings, wiring: Wiring, *, engine: Engine,
                sender: WebhookSender) -> tuple[FanOut, DeliveryWorker]:
    """The fan-out and the delivery worker over one store, serde and sender (no I/O yet)."""
    kafka = admin_client_config(settings)
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    store = WebhookStore(engine, key_ring(settings), cache_seconds=settings.webhook_endpoint_cache_seconds)
    serde = AvroSerde(settings.registry_url)

    def dead_letters(stage: str) -> DeadLetterPublisher:
        return DeadLetterPublisher(kafka, topic=wiring.poison_topic, stage=stage, worker=worker_id,
                                   serde=serde)

    def publisher(client_id: str) -> TaskPublisher:
        return TaskPublisher(kafka, serde, client_id=client_id, fallback_schema_topic=WEBHOOK_DELIVERY.name)

    fanout_config = FanOutConfig(
        links_base_url=links_base_url(settings), events_topic=wiring.events_topic,
        delivery_topic=wiring.delivery_topic, poison_topic=wiring.poison_topic,
        group_id=wiring.fanout_group or settings.webhook_fanout_group_id,
        session_timeout_seconds=settings.webhook_session_timeout_seconds,
    )
    fanout = FanOut(fanout_config, kafka=kafka, serde=serde, store=store,
                    publisher=publisher("mca-webhooks-fanout"), dead_letters=dead_letters("webhooks-fanout"))
    handler = DeliveryHandler(store=store, sender=sender, publisher=publisher("mca-webhooks-delivery"),
                              policy=retry_policy(settings, wiring), rng=random.Random())
    worker_config = WorkerConfig(
        topics=(wiring.delivery_topic, *wiring.retry_topics), poison_topic=wiring.poison_topic,
        group_id=wiring.delivery_group or settings.webhook_delivery_group_id,
        concurrency=settings.webhook_concurrency,
        session_timeout_seconds=settings.webhook_session_timeout_seconds,
    )
    worker = DeliveryWorker(worker_config, kafka=kafka, serde=serde, handle=handler.handle,
                            dead_letters=dead_letters("webhooks-delivery"))
    return fanout, worker


Loop = Callable[[threading.Event], None]


def run_loops(loops: dict[str, Loop], stop: threading.Event) -> list[BaseException]:
    """Run each loop on its own thread until all return; one failing sets `stop` for the others.
    Returns the failures."""
    failures: list[BaseException] = []

    def guarded(name: str, loop: Loop) -> None:
        try:
            loop(stop)
        except BaseException as exc:  # recorded; every loop then stops and the command exits 1
            logger.exception("%s stopped on an error", name)
            failures.append(exc)
            stop.set()

    threads = [threading.Thread(target=guarded, args=item, name=item[0]) for item in loops.items()]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(0.5)
    return failures


def webhooks_command(
    events_topic: Annotated[str, typer.Option(help="Application events to deliver.")] = Wiring.events_topic,
    delivery_topic: Annotated[str, typer.Option(help="Delivery tasks.")] = Wiring.delivery_topic,
    retry_topic: Annotated[
        list[str] | None, typer.Option(help="The three retry topics, shortest wait first (repeat it).")
    ] = None,
    dead_letter_topic: Annotated[str, typer.Option(help="Failed deliveries.")] = Wiring.dead_letter_topic,
    poison_topic: Annotated[str, typer.Option(help="Where undecodable records go.")] = Wiring.poison_topic,
    fanout_group: Annotated[str | None, typer.Option(help="Fan-out consumer group.")] = None,
    delivery_group: Annotated[str | None, typer.Option(help="Delivery consumer group.")] = None,
    upgrade: Annotated[
        bool, typer.Option("--upgrade/--no-upgrade", help="Apply the database migrations before starting.")
    ] = True,
) -> None:
    """Deliver application events as signed webhooks (fan-out and delivery worker) until SIGTERM or SIGINT."""
    retry_topics = tuple(retry_topic or RETRY_TOPICS)
    if len(retry_topics) != len(RETRY_TOPICS):
        raise typer.BadParameter("give exactly three retry topics", param_hint="--retry-topic")
    wiring = Wiring(events_topic, delivery_topic, retry_topics, dead_letter_topic, poison_topic,
                    fanout_group, delivery_group)
    settings = load_settings()
    url = settings.resolved_database_url
    if upgrade:
        upgrade_database(url)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        logger.info("signal %s: finishing the batches in hand and stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    engine = make_engine(url)
    sender = WebhookSender(sender_config(settings))
    try:
        fanout, worker = build_loops(settings, wiring, engine=engine, sender=sender)
        sender.setup()
        logger.info("webhooks: %s -> %s (retries %s, failures %s)", wiring.events_topic,
                    wiring.delivery_topic, ", ".join(wiring.retry_topics), wiring.dead_letter_topic)
        failures = run_loops({"webhooks-fanout": fanout.run, "webhooks-delivery": worker.run}, stop)
    finally:
        sender.close()
        engine.dispose()
    if failures:
        raise typer.Exit(code=1)
    logger.info("webhooks stopped")
