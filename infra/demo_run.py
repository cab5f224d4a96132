"""`mca demo`: the README's first command after bootstrap.

Brings the embedded stack up, writes the project's own demo submissions, ingests them through
the same accept path as the SMTP door, then reads the events back from Kafka through the schema
registry and prints what arrived, so a newcomer sees the whole contract working end to end.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from confluent_kafka import Consumer, TopicPartition
from rich.console import Console
from rich.table import Table

from infra.demo import generate_demo_set
from infra.settings import Settings, load_settings
from infra.stack.commands import bring_up
from infra.topics import EMAIL_RECEIVED
from ingest.commands import summary_table
from ingest.files import FileResult, collect_sources, ingest_sources
from ingest.wiring import ingest_deps
from schemas.serde import AvroSerde

logger = logging.getLogger(__name__)


def demo_command(
    n: Annotated[int, typer.Option("--n", help="How many demo submissions to write and ingest.")] = 12,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the demo generator.")] = 7,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to write them (default: MCA_HOME/demo).")
    ] = None,
) -> None:
    """Start the stack, ingest the demo submissions and show the events that reached Kafka."""
    settings = load_settings()
    console = Console()
    bring_up(settings, console)
    target = directory or settings.home_dir / "demo"
    paths = generate_demo_set(target, n=n, seed=seed)
    console.print(f"wrote {len(paths)} demo submissions with truth files to {target}")
    results = _ingest(settings, paths)
    console.print(summary_table(results))
    accepted = {r.submission_id for r in results if r.submission_id}
    events = read_events(settings, accepted, timeout_s=30.0)
    console.print(events_table(events, results))
    console.print(
        "\nThe stack keeps running: [bold]mca stack status[/] shows where everything is, "
        "[bold]mca kafka kafka-console-consumer --topic mca.email.received --from-beginning[/] "
        "reads the raw log, [bold]mca stack down[/] stops it."
    )
    if any(r.status == "failed" for r in results) or len(events) < len(accepted):
        raise typer.Exit(1)


def _ingest(settings: Settings, paths: list[Path]) -> list[FileResult]:
    sources, unreadable = collect_sources(paths)
    with ingest_deps(settings) as deps:
        return list(unreadable) + asyncio.run(ingest_sources(sources, deps))


def read_events(
    settings: Settings, submission_ids: set[str], *, timeout_s: float
) -> dict[str, dict[str, Any]]:
    """The mca.email.received events of these submissions, decoded through the registry."""
    serde = AvroSerde(settings.registry_url)
    consumer = Consumer({
        "bootstrap.servers": settings.kafka_bootstrap,
        "group.id": f"mca-demo-{uuid.uuid4()}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    found: dict[str, dict[str, Any]] = {}
    try:
        metadata = consumer.list_topics(EMAIL_RECEIVED.name, timeout=10)
        partitions = metadata.topics[EMAIL_RECEIVED.name].partitions
        consumer.assign([TopicPartition(EMAIL_RECEIVED.name, p, 0) for p in partitions])
        deadline = time.monotonic() + timeout_s
        while set(found) < submission_ids and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            value = message.value() if message is not None and not message.error() else None
            if value is None:
                continue
            event = serde.decode(EMAIL_RECEIVED.name, value)
            if event["submission_id"] in submission_ids:
                found[event["submission_id"]] = event
    finally:
        consumer.close()
    return found


def events_table(events: dict[str, dict[str, Any]], results: list[FileResult]) -> Table:
    """One row per ingested file: its submission and what Kafka holds for it."""
    table = Table(title=f"{EMAIL_RECEIVED.name} (read back through the schema registry)")
    for column in ("file", "submission", "ISO broker", "attachments", "subject"):
        table.add_column(column, overflow="ellipsis", no_wrap=True)
    for result in results:
        event = events.get(result.submission_id or "")
        if event is None:
            table.add_row(Path(result.label).name, result.status, "", "", result.reason or "not on Kafka")
            continue
        table.add_row(
            Path(result.label).name, event["submission_id"][:12], event["sender_domain"],
            str(len(event["attachments"])), event["subject"],
        )
    return table
