"""The project's own long-running processes, run detached beside the stack: worker, sinks, webhooks,
API and the SMTP door.

Each runs as `python -X mca-service=NAME -m infra.cli COMMAND`, in its own session, with a pid file
under MCA_HOME/run and its output in MCA_HOME/logs/NAME.log; the `-X` marker lets a stale pid file
never make us signal an unrelated process. The settings reach the children through the environment
they inherit, so every process of one system reads the same MCA_* values.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.settings import Settings
from infra.stack.process import StackError, port_open, running_pid, spawn_detached, stop_processes, tail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    """One of the project's processes: its `mca` command and, if it listens, how to find it."""

    name: str
    command: tuple[str, ...]
    description: str
    address: Callable[[Settings], str] | None = None
    listens: Callable[[Settings], tuple[str, int]] | None = None
    uses_database: bool = False


def _api_address(settings: Settings) -> str:
    return f"http://{settings.api_host}:{settings.api_port}"


def _smtp_address(settings: Settings) -> str:
    return f"smtp://{settings.smtp_host}:{settings.smtp_port}"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("worker", ("worker",), "Faust agents: split, render, ocr, extract, assemble"),
    ServiceSpec("postgres-sink", ("postgres-sink", "--no-upgrade"), "projects applications into the db",
                uses_database=True),
    ServiceSpec("s3-sink", ("s3-sink",), "archives every mca.* topic as Avro files in the object store"),
    ServiceSpec("webhooks", ("webhooks", "--no-upgrade"), "signed deliveries to partners' endpoints",
                uses_database=True),
    ServiceSpec("api", ("api", "--no-upgrade"), "FastAPI for underwriters and partners", _api_address,
                lambda s: (s.api_host, s.api_port), uses_database=True),
    ServiceSpec("smtp", ("smtp",), "the SMTP door for ISO brokers' emails", _smtp_address,
                lambda s: (s.smtp_host, s.smtp_port)),
)
SERVICE_NAMES = tuple(spec.name for spec in SERVICES)


def marker(name: str) -> str:
    """The command-line marker that identifies service `name`'s process."""
    return f"mca-service={name}"


def service_argv(spec: ServiceSpec, python: str = sys.executable) -> list[str]:
    """The command line of a service (pure)."""
    return [python, "-X", marker(spec.name), "-m", "infra.cli", *spec.command]


def _pid_file(settings: Settings, name: str) -> Path:
    return settings.home_dir / "run" / f"{name}.pid"


def log_file(settings: Settings, name: str) -> Path:
    """Where service `name` writes its output."""
    return settings.home_dir / "logs" / f"{name}.log"


def select_services(names: Iterable[str] | None) -> list[ServiceSpec]:
    """The specs for `names` in start order (all when None); ValueError names an unknown one."""
    if names is None:
        return list(SERVICES)
    wanted = set(names)
    unknown = wanted - set(SERVICE_NAMES)
    if unknown:
        known = ", ".join(SERVICE_NAMES)
        raise ValueError(f"unknown service(s) {', '.join(sorted(unknown))}; known: {known}")
    return [spec for spec in SERVICES if spec.name in wanted]


def service_pid(settings: Settings, name: str) -> int | None:
    """The pid of the running service `name`, else None."""
    return running_pid(_pid_file(settings, name), marker(name))


def services_status(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every service: state (running / stopped), pid, address when it listens, log file."""
    status: dict[str, dict[str, Any]] = {}
    for spec in SERVICES:
        pid = service_pid(settings, spec.name)
        status[spec.name] = {
            "address": spec.address(settings) if spec.address else "",
            "state": "running" if pid is not None else "stopped",
            "pid": pid,
            "logs": str(log_file(settings, spec.name)),
        }
    return status


def start_services(
    settings: Settings,
    names: Iterable[str] | None = None,
    *,
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
) -> dict[str, bool]:
    """Start the named services that are not running (idempotent); {name: started now}.

    The database migrations run once here first (services started together would race to apply
    them). Waits until each listening service accepts connections and every started one is still
    alive a moment later; raises StackError with the log's tail when one exits or never listens.
    """
    from schemas.migrations import upgrade_database

    specs = select_services(names)
    if any(spec.uses_database and service_pid(settings, spec.name) is None for spec in specs):
        upgrade_database(settings.resolved_database_url)
    child_env = {**os.environ, **(env or {})}
    started: dict[str, bool] = {}
    for spec in specs:
        if service_pid(settings, spec.name) is not None:
            started[spec.name] = False
            continue
        if spec.listens is not None and port_open(*spec.listens(settings)):
            host, port = spec.listens(settings)
            raise StackError(f"{spec.name}: {host}:{port} is taken by another process")
        spawn_detached(service_argv(spec), log_file=log_file(settings, spec.name),
                       pid_file=_pid_file(settings, spec.name), env=child_env, cwd=Path.cwd())
        started[spec.name] = True
    _await_ready(settings, [spec for spec in specs if started[spec.name]], timeout)
    return started


def _await_ready(settings: Settings, specs: list[ServiceSpec], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(specs)
    settle_until = time.monotonic() + 3.0  # a bad setting makes a service exit within its first seconds
    while waiting or time.monotonic() < settle_until:
        for spec in specs:
            if service_pid(settings, spec.name) is None:
                raise StackError(f"{spec.name} exited while starting:\n{tail(log_file(settings, spec.name))}")
        waiting = [spec for spec in waiting if spec.listens and not port_open(*spec.listens(settings))]
        if waiting and time.monotonic() > deadline:
            names = ", ".join(spec.name for spec in waiting)
            raise StackError(f"{names} not listening after {timeout:.0f} s:\n"
                             + tail(log_file(settings, waiting[0].name)))
        time.sleep(0.3)


def stop_services(
    settings: Settings, names: Iterable[str] | None = None, *, grace: float = 30.0
) -> list[str]:
    """SIGTERM the named running services (all when None), SIGKILL after grace; the names stopped."""
    specs = select_services(names)
    running = [spec.name for spec in specs if service_pid(settings, spec.name) is not None]
    stop_processes([(_pid_file(settings, spec.name), marker(spec.name)) for spec in reversed(specs)],
                   grace=grace)
    return running
