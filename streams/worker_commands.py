"""`mca worker [--agents split,render,...]`: one Faust worker running the chosen stage agents."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from faust import Worker

from infra.errors import ConfigurationError
from infra.settings import load_settings
from infra.topic_admin import admin_client_config
from streams.agents import STAGES, parse_agent_names, register_agents
from streams.internal_topics import ensure_internal_topics
from streams.runtime import build_runtime

logger = logging.getLogger(__name__)


def worker_command(
    agents: Annotated[
        str | None,
        typer.Option(help=f"Comma-separated stages to run ({','.join(STAGES)}); default: all of them."),
    ] = None,
) -> None:
    """Run a stream worker until SIGINT/SIGTERM. Every worker joins the same consumer group
    (MCA_STREAMS_APP_ID); Kafka spreads each stage's partitions over the workers running it."""
    settings = load_settings()
    try:
        names = parse_agent_names(agents)
        runtime = build_runtime(settings)
        registered = register_agents(runtime, names, required=agents is not None)
    except ConfigurationError as exc:
        raise typer.BadParameter(str(exc), param_hint="--agents") from exc
    logger.info("worker: agents %s, %d CPU process(es), concurrency %d", ",".join(registered),
                runtime.pool.workers if runtime.pool else 0, runtime.concurrency)
    ensure_internal_topics(runtime.app, admin_client_config(settings))
    worker = Worker(
        runtime.app,
        loglevel=settings.log_level.lower(),
        override_logging=False,  # keep the process's logging set up by infra.cli
        quiet=True,
    )
    try:
        worker.execute_from_commandline()
    finally:
        runtime.close()
