"""The `mca` command line: one root, each command group defined beside the code it drives.

Commands are imported when they are called (`mca stack status` does not import the API, the
pipeline and the demo generator first), so operators' commands and the services start quickly;
`mca --help` imports them all to list them.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import typer
from typer.core import TyperGroup

# (module, attribute, command name, is_group)
COMMANDS: list[tuple[str, str, str, bool]] = [
    ("infra.stack.commands", "stack_app", "stack", True),
    ("infra.stack.commands", "kafka_tool", "kafka", False),
    ("infra.service_commands", "services_app", "services", True),
    ("infra.topic_admin", "topics_app", "topics", True),
    ("infra.registry.commands", "registry_app", "registry", True),
    ("schemas.commands", "schemas_app", "schemas", True),
    ("ingest.commands", "ingest_command", "ingest", False),
    ("ingest.commands", "smtp_command", "smtp", False),
    ("ingest.commands", "imap_command", "imap", False),
    ("infra.demo.commands", "demo_data_command", "demo-data", False),
    ("infra.demo_run", "demo_command", "demo", False),
    ("streams.dlq_commands", "dlq_app", "dlq", True),
    ("streams.worker_commands", "worker_command", "worker", False),
    ("streams.extract_commands", "extract_command", "extract", False),
    ("consumers.postgres_sink.commands", "postgres_sink_command", "postgres-sink", False),
    ("consumers.postgres_sink.commands", "db_app", "db", True),
    ("consumers.s3_sink.commands", "s3_sink_command", "s3-sink", False),
    ("api.commands", "api_command", "api", False),
    ("api.commands", "users_app", "users", True),
    ("consumers.webhooks.commands", "webhooks_command", "webhooks", False),
    ("streams.bench.commands", "bench_command", "bench", False),
]

PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


BY_NAME = {name: (module, attribute, is_group) for module, attribute, name, is_group in COMMANDS}


def load_command(name: str) -> Any:
    """The (click) command `mca NAME` runs, its module imported now; None for an unknown name."""
    if name not in BY_NAME:
        return None
    module_name, attribute, is_group = BY_NAME[name]
    target = getattr(importlib.import_module(module_name), attribute)
    holder = typer.Typer(add_completion=False)  # as a part of the root, without completion options
    if is_group:
        holder.add_typer(target, name=name)
        holder.callback()(lambda: None)
        return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
    holder.command(name, context_settings=PASS_THROUGH if name == "kafka" else None)(target)
    return typer.main.get_command(holder)


class LazyCommands(TyperGroup):
    """The root group: lists every command of COMMANDS and loads one only when it is asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *BY_NAME]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return super().get_command(ctx, cmd_name) or load_command(cmd_name)


app = typer.Typer(
    name="mca",
    help="MCA submission platform: ingest, pipeline workers, sinks, API and the local stack.",
    no_args_is_help=True,
    add_completion=False,
    cls=LazyCommands,
)


@app.callback()
def root() -> None:
    """MCA submission platform: ingest, pipeline workers, sinks, API and the local stack."""


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for chatty in ("httpx", "httpx2", "alembic.runtime.plugins"):  # lines that drown the useful ones
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app()


if __name__ == "__main__":  # `python -m infra.cli`: how the detached services are started
    main()
