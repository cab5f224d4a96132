"""`mca stack up | down | status` and `mca kafka TOOL ARGS...`.

`up` is idempotent: services already running are found (pid files under MCA_HOME/run, or an
answering port) and left alone. Only embedded services are started or stopped; external ones
(MCA_KAFKA_EMBEDDED=false, MCA_REGISTRY_EMBEDDED=false, PostgreSQL, S3) are checked and reported.
"""

from __future__ import annotations

import json
import logging
import subprocess
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from infra.settings import Settings, load_settings
from infra.stack.kafka import KafkaCluster, recorded_nodes
from infra.stack.process import StackError, port_open, split_host_port
from infra.stack.services import (
    database_status,
    mask_url,
    object_store_status,
    prepare_database,
    prepare_object_store,
    registry_status,
    start_registry,
    stop_registry,
)
from infra.stack.tools import KAFKA_TOOLS, tool_argv, tool_name

logger = logging.getLogger(__name__)

stack_app = typer.Typer(help="The local stack: Kafka, schema registry, database, object store.",
                        no_args_is_help=True)

# Tools whose main parser takes --bootstrap-server; `mca kafka` adds the configured one if absent.
BOOTSTRAP_TOOLS = {
    "kafka-topics", "kafka-console-consumer", "kafka-console-producer", "kafka-consumer-groups",
    "kafka-configs", "kafka-get-offsets", "kafka-metadata-quorum", "kafka-leader-election",
    "kafka-reassign-partitions", "kafka-delete-records", "kafka-log-dirs", "kafka-transactions",
    "kafka-acls", "kafka-features",
}


@stack_app.callback()
def stack_group() -> None:
    """The local stack: Kafka, schema registry, database, object store."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per health probe is noise here


def cluster_for(settings: Settings, nodes: int | None = None) -> KafkaCluster:
    """The embedded cluster the settings describe (node count: given, else as formatted, else settings)."""
    host, port = split_host_port(settings.kafka_bootstrap, 9092)
    count = nodes or recorded_nodes(settings.home_dir) or settings.kafka_nodes
    return KafkaCluster(settings.home_dir, nodes=count, host=host, broker_port=port, heap=settings.kafka_heap)


def kafka_status(settings: Settings) -> dict[str, Any]:
    """Address and state of Kafka; the embedded cluster also reports nodes, pids and its home."""
    if not settings.kafka_embedded:
        host, port = split_host_port(settings.kafka_bootstrap, 9092)
        state = "running" if port_open(host, port) else "unreachable"
        return {"address": settings.kafka_bootstrap, "state": state, "embedded": False}
    cluster = cluster_for(settings)
    pids = [cluster.node_pid(i) for i in range(cluster.nodes)]
    live = sum(pid is not None for pid in pids)
    state = "running" if live == cluster.nodes else ("degraded" if live else "stopped")
    return {"address": cluster.bootstrap_servers, "state": state, "embedded": True, "nodes": cluster.nodes,
            "pids": pids, "home": str(cluster.home / "kafka"), "logs": str(cluster.home / "logs")}


def stack_status(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every service of the stack with at least its (masked) address and state."""
    return {
        "kafka": kafka_status(settings),
        "registry": registry_status(settings),
        "database": database_status(settings),
        "object_store": object_store_status(settings),
    }


def print_status(status: dict[str, dict[str, Any]], console: Console) -> None:
    """The status as a table: service, address, state."""
    table = Table("service", "address", "state", title="MCA stack")
    colours = {"running": "green", "ready": "green", "configured": "cyan", "stopped": "yellow"}
    for service, info in status.items():
        state = info["state"]
        table.add_row(service, info["address"], f"[{colours.get(state, 'red')}]{state}[/]")
    console.print(table)


def bring_up(settings: Settings, console: Console | None = None, *, nodes: int | None = None,
             timeout: float = 90.0) -> dict[str, dict[str, Any]]:
    """Bring the stack up (idempotent): start embedded Kafka and registry unless running, apply the
    topic map, prepare database and object store. Reports progress on console; returns the status.

    Raises StackError when a service cannot be started or reached.
    """
    from infra.topic_admin import apply_topic_map, print_changes

    console = console or Console()
    settings.home_dir.mkdir(parents=True, exist_ok=True)
    bootstrap = settings.kafka_bootstrap
    if settings.kafka_embedded:
        cluster = cluster_for(settings, nodes)
        already = cluster.is_running()
        cluster.start(timeout=timeout)
        bootstrap = cluster.bootstrap_servers
        console.print(f"kafka: {'already running' if already else 'started'} at {bootstrap}")
    if settings.registry_embedded:
        started = start_registry(settings, bootstrap, timeout=timeout)
        verb = "started" if started else "already running"
        console.print(f"registry: {verb} at {mask_url(settings.registry_url)}")
    print_changes(apply_topic_map(settings), console)
    prepare_database(settings)
    prepare_object_store(settings)
    return stack_status(settings)


def bring_down(settings: Settings, console: Console | None = None) -> dict[str, dict[str, Any]]:
    """Stop the project's services, then the embedded registry and Kafka (data stays under home);
    returns the status after."""
    from infra.services import stop_services

    console = console or Console()
    for name in stop_services(settings):
        console.print(f"{name} stopped")
    if settings.registry_embedded and stop_registry(settings):
        console.print("registry stopped")
    if settings.kafka_embedded:
        cluster = cluster_for(settings)
        was_running = any(cluster.node_running(i) for i in range(cluster.nodes))
        cluster.stop()
        if was_running:
            console.print(f"kafka stopped ({cluster.nodes} node{'s' if cluster.nodes > 1 else ''})")
    return stack_status(settings)


@stack_app.command("up")
def up_command(
    nodes: int = typer.Option(None, "--nodes", help="Kafka nodes: 1, or 3 for a KRaft quorum."),
    timeout: float = typer.Option(90.0, help="Seconds to wait for each service."),
) -> None:
    """Start what is not running (Kafka, registry), apply the topic map, prepare database and store."""
    if nodes not in (None, 1, 3):
        raise typer.BadParameter("--nodes must be 1 or 3")
    console = Console()
    try:
        status = bring_up(load_settings(), console, nodes=nodes, timeout=timeout)
    except StackError as exc:
        console.print(f"[red]stack up failed:[/] {exc}")
        raise typer.Exit(1) from exc
    print_status(status, console)


@stack_app.command("down")
def down_command() -> None:
    """Stop the embedded services this stack started (data stays under MCA_HOME)."""
    console = Console()
    print_status(bring_down(load_settings(), console), console)


@stack_app.command("status")
def status_command(as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts.")) -> None:
    """Every service with its address and state."""
    status = stack_status(load_settings())
    if as_json:
        typer.echo(json.dumps(status, indent=2))
    else:
        print_status(status, Console())


def kafka_tool(ctx: typer.Context, tool: str = typer.Argument(..., help="e.g. kafka-topics")) -> None:
    """Run one of Apache Kafka's own tools from the stack's jars: `mca kafka kafka-topics --list`.

    --bootstrap-server defaults to MCA_KAFKA_BOOTSTRAP for the tools that take it.
    """
    try:
        name = tool_name(tool)
    except KeyError:
        typer.echo(f"unknown Kafka tool {tool!r}; available: {', '.join(sorted(KAFKA_TOOLS))}", err=True)
        raise typer.Exit(2) from None
    args = list(ctx.args)
    given = {arg.split("=", 1)[0] for arg in args}
    if name in BOOTSTRAP_TOOLS and not {"--bootstrap-server", "--bootstrap-controller"} & given:
        settings = load_settings()
        args = ["--bootstrap-server", settings.kafka_bootstrap, *args]
        logger.debug("using --bootstrap-server %s", mask_url(settings.kafka_bootstrap))
    try:
        argv = tool_argv(name, args)
    except StackError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    raise typer.Exit(subprocess.run(argv, check=False).returncode)
