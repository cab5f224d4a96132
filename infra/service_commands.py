"""`mca services up | down | status`: the project's own processes beside the stack (see infra.services)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from infra.services import SERVICE_NAMES, services_status, start_services, stop_services
from infra.settings import load_settings
from infra.stack.process import StackError

services_app = typer.Typer(
    help=f"The project's processes: {', '.join(SERVICE_NAMES)} (the stack must be up).", no_args_is_help=True
)
NamesArgument = typer.Argument(None, help=f"Which services (default: all): {', '.join(SERVICE_NAMES)}.")


def _names(names: list[str] | None) -> list[str] | None:
    if names and (unknown := set(names) - set(SERVICE_NAMES)):
        raise typer.BadParameter(f"unknown service(s): {', '.join(sorted(unknown))}")
    return names or None


def print_services(status: dict[str, dict], console: Console) -> None:
    """The services as a table: name, address, state, pid, log file."""
    table = Table("service", "address", "state", "pid", "log", title="MCA services")
    for name, info in status.items():
        colour = "green" if info["state"] == "running" else "yellow"
        state = f"[{colour}]{info['state']}[/]"
        table.add_row(name, info["address"], state, str(info["pid"] or ""), info["logs"])
    console.print(table)


@services_app.command("up")
def up_command(
    names: list[str] | None = NamesArgument,
    timeout: float = typer.Option(90.0, help="Seconds to wait for the listening services."),
) -> None:
    """Start the services that are not running, detached, logging under MCA_HOME/logs."""
    settings, console = load_settings(), Console()
    try:
        started = start_services(settings, _names(names), timeout=timeout)
    except StackError as exc:
        console.print(f"[red]services up failed:[/] {exc}")
        raise typer.Exit(1) from exc
    for name, now in started.items():
        console.print(f"{name}: {'started' if now else 'already running'}")
    print_services(services_status(settings), console)


@services_app.command("down")
def down_command(names: list[str] | None = NamesArgument) -> None:
    """Stop the running services (SIGTERM: each finishes its work in flight and commits)."""
    settings, console = load_settings(), Console()
    for name in stop_services(settings, _names(names)):
        console.print(f"{name} stopped")
    print_services(services_status(settings), console)


@services_app.command("status")
def status_command(as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts.")) -> None:
    """Every service with its address, state, pid and log file."""
    status = services_status(load_settings())
    if as_json:
        typer.echo(json.dumps(status, indent=2))
    else:
        print_services(status, Console())
