"""The `mca` command line: one root, each command group defined beside the code it drives."""

from __future__ import annotations

import importlib
import logging

import typer

app = typer.Typer(
    name="mca",
    help="MCA submission platform: ingest, pipeline workers, sinks, API and the local stack.",
    no_args_is_help=True,
    add_completion=False,
)

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


def _register(root: typer.Typer) -> None:
    for module_name, attribute, name, is_group in COMMANDS:
        module = importlib.import_module(module_name)
        target = getattr(module, attribute)
        if is_group:
            root.add_typer(target, name=name)
        elif name == "kafka":
            root.command(name, context_settings=PASS_THROUGH)(target)
        else:
            root.command(name)(target)


_register(app)


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for chatty in ("httpx", "httpx2"):  # one line per registry request drowns the useful ones
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app()


if __name__ == "__main__":  # `python -m infra.cli`: how the detached services are started
    main()
