"""Prometheus metrics of the API process: request latencies, per-stage throughput and consumer lag
(from Kafka's group offsets), and webhook delivery outcomes (from the deliveries table).

Lag and outcomes are slow to read, so a background task refreshes a snapshot every few seconds,
doing the blocking reads in a worker thread; a scrape only renders the latest snapshot and never
waits on Kafka or the database. Throughput is exposed as counters of committed offsets and topic
end offsets: `rate(mca_stage_messages_total[1m])` is a stage's messages per second.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.lag import KafkaProgress

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class Snapshot:
    """The latest slow readings and when they were taken (0: never)."""

    kafka: KafkaProgress = field(default_factory=KafkaProgress)
    webhook_outcomes: dict[str, int] = field(default_factory=dict)
    refreshed_at: float = 0.0
    errors: int = 0


class _SnapshotCollector(Collector):
    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snapshot = self._snapshot()
        lag = GaugeMetricFamily(
            "mca_consumer_lag",
            "Messages a consumer group has yet to process.",
            labels=["group", "stage", "topic"],
        )
        done = CounterMetricFamily(
            "mca_stage_messages",
            "Messages a stage has committed (rate = throughput).",
            labels=["group", "stage", "topic"],
        )
        for item in snapshot.kafka.groups:
            lag.add_metric([item.group, item.stage, item.topic], item.lag)
            done.add_metric([item.group, item.stage, item.topic], item.committed)
        produced = CounterMetricFamily(
            "mca_topic_messages", "Messages written to each platform topic.", labels=["topic"]
        )
        for topic, end in sorted(snapshot.kafka.topic_ends.items()):
            produced.add_metric([topic], end)
        outcomes = CounterMetricFamily(
            "mca_webhook_deliveries", "Webhook delivery attempts by outcome.", labels=["outcome"]
        )
        for outcome, count in sorted(snapshot.webhook_outcomes.items()):
            outcomes.add_metric([outcome], count)
        refreshed = GaugeMetricFamily(
            "mca_metrics_refreshed_timestamp_seconds", "When lag and outcomes were last read (0: not yet)."
        )
        refreshed.add_metric([], snapshot.refreshed_at)
        errors = CounterMetricFamily("mca_metrics_refresh_errors", "Failed refreshes of lag and outcomes.")
        errors.add_metric([], snapshot.errors)
        yield from (lag, done, produced, outcomes, refreshed, errors)


class ApiMetrics:
    """The process's metrics registry (one per app, so tests can build several apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.snapshot = Snapshot()
        self.requests = Histogram(
            "mca_api_request_duration_seconds",
            "API request latency by route and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_SnapshotCollector(lambda: self.snapshot))

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Record one request's latency under its route template (never the raw path: ids would
        make a label per application)."""
        self.requests.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        """The text exposition format of every metric."""
        return generate_latest(self.registry)


async def refresh_forever(
    metrics: ApiMetrics,
    *,
    read_kafka: Callable[[], KafkaProgress],
    read_outcomes: Callable[[], dict[str, int]],
    every_seconds: float,
) -> None:
    """Refresh `metrics.snapshot` every `every_seconds` until cancelled; the blocking readers run in
    worker threads. A failed reading keeps the previous values and counts an error."""
    while True:
        snapshot = metrics.snapshot
        try:
            kafka, outcomes = await asyncio.gather(
                asyncio.to_thread(read_kafka), asyncio.to_thread(read_outcomes)
            )
            metrics.snapshot = Snapshot(kafka, outcomes, time.time(), snapshot.errors)
        except Exception as exc:  # any reader failure must not end the loop
            logger.warning("metrics refresh failed: %s", exc)
            snapshot.errors += 1
        await asyncio.sleep(every_seconds)
