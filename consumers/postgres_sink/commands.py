"""`mca postgres-sink` (the projection consumer) and `mca db upgrade | current` (migrations)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated

import typer

from consumers.postgres_sink.runner import PostgresSink, SinkConfig
from consumers.postgres_sink.writer import ProjectionWriter
from infra.database import make_engine, mask_url
from infra.settings import Settings, load_settings
from infra.topic_admin import admin_client_config
from infra.topics import APPLICATION, APPLICATION_EVENT, DLQ
from schemas.migrations import current_revision, head_revision, upgrade_database
from schemas.serde import AvroSerde

logger = logging.getLogger(__name__)

db_app = typer.Typer(help="The database: apply and inspect the schema migrations.", no_args_is_help=True)


def sink_config(
    settings: Settings, *, topic: str, group: str | None, dlq_topic: str, event_topic: str | None = None
) -> SinkConfig:
    """The sink's configuration from settings, with the command line's overrides."""
    return SinkConfig(
        topic=topic,
        event_topic=event_topic,
        group_id=group or settings.postgres_sink_group_id,
        dlq_topic=dlq_topic,
        batch_size=settings.postgres_sink_batch_size,
        batch_max_seconds=settings.postgres_sink_batch_max_seconds,
        session_timeout_seconds=settings.postgres_sink_session_timeout_seconds,
    )


def default_event_topic(topic: str) -> str | None:
    """The event topic read beside `topic` by default: the platform's own only when `topic` is the
    platform's application topic (another one, e.g. a replay or test topic, pairs with no events)."""
    return APPLICATION_EVENT.name if topic == APPLICATION.name else None


def postgres_sink_command(
    topic: Annotated[str, typer.Option(help="Topic of application states to project.")] = APPLICATION.name,
    group: Annotated[
        str | None, typer.Option(help="Consumer group (default: MCA_POSTGRES_SINK_GROUP_ID).")
    ] = None,
    dlq_topic: Annotated[str, typer.Option(help="Where undecodable messages go.")] = DLQ.name,
    event_topic: Annotated[
        str | None,
        typer.Option(help="Topic of application events for the processing history (default: "
                          f"{APPLICATION_EVENT.name} when --topic is {APPLICATION.name}; none otherwise; "
                          "'' for none)."),
    ] = None,
    upgrade: Annotated[
        bool, typer.Option("--upgrade/--no-upgrade", help="Apply the database migrations before starting.")
    ] = True,
) -> None:
    """Project application states into the database until SIGTERM or SIGINT, effectively once."""
    settings = load_settings()
    url = settings.resolved_database_url
    if upgrade:
        upgrade_database(url)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    events = default_event_topic(topic) if event_topic is None else event_topic or None
    config = sink_config(settings, topic=topic, group=group, dlq_topic=dlq_topic, event_topic=events)
    engine = make_engine(url)
    try:
        sink = PostgresSink(
            config,
            kafka=admin_client_config(settings),
            serde=AvroSerde(settings.registry_url),
            writer=ProjectionWriter(engine, config.group_id),
        )
        logger.info("postgres-sink: %s -> %s as group %s", ", ".join(config.topics), mask_url(url),
                    config.group_id)
        sink.run(stop)
    finally:
        engine.dispose()
    logger.info("postgres-sink stopped")


@db_app.command("upgrade")
def upgrade_command(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the migrations up to REVISION (default: the newest) to MCA_DATABASE_URL."""
    url = load_settings().resolved_database_url
    upgrade_database(url, revision)
    typer.echo(f"{mask_url(url)}: at {current_revision(url) or 'no revision'}")


@db_app.command("current")
def current_command() -> None:
    """Print the database's revision and whether it is the newest; exit 1 when it is behind."""
    url = load_settings().resolved_database_url
    current, head = current_revision(url), head_revision()
    state = "up to date" if current == head else f"behind (newest is {head}; run `mca db upgrade`)"
    typer.echo(f"{mask_url(url)}: {current or 'not migrated'} - {state}")
    if current != head:
        raise typer.Exit(code=1)
