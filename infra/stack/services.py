"""The stack's other services: the embedded schema registry process, the database and the object store.

Each has a `*_status(settings) -> dict` (at least "address" and "state") and a way to bring it up.
Addresses are masked: a URL never shows its password.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
from sqlalchemy.engine import make_url

from infra.database import check_database
from infra.settings import Settings
from infra.stack.process import StackError, running_pid, spawn_detached, stop_processes, tail

logger = logging.getLogger(__name__)


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***; anything that is not a URL passes unchanged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


# Schema registry -------------------------------------------------------------------------------

def _registry_endpoint(settings: Settings) -> tuple[str, int]:
    parts = urlsplit(settings.registry_url)
    return parts.hostname or "127.0.0.1", parts.port or 8081


def _registry_files(settings: Settings) -> tuple[Path, Path, str]:
    host, port = _registry_endpoint(settings)
    home = settings.home_dir
    return home / "run" / "registry.pid", home / "logs" / "registry.log", f"serve --host {host} --port {port}"


def registry_answers(url: str, timeout: float = 2.0) -> bool:
    """True when GET {url}/ answers 200 (the Confluent API's root)."""
    try:
        return httpx.get(url.rstrip("/") + "/", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def start_registry(settings: Settings, bootstrap: str, timeout: float = 60.0) -> bool:
    """Start the embedded registry (`python -m infra.registry serve`) unless it answers already.

    Returns True when it was started now. Raises StackError if it dies or does not answer in time.
    """
    url = settings.registry_url
    pid_file, log_file, marker = _registry_files(settings)
    if running_pid(pid_file, marker) is not None or registry_answers(url):
        return False
    if importlib.util.find_spec("infra.registry.__main__") is None:
        raise StackError("the embedded registry (infra/registry) is not installed in this tree")
    host, port = _registry_endpoint(settings)
    argv = [sys.executable, "-m", "infra.registry", "serve", "--host", host, "--port", str(port),
            "--bootstrap", bootstrap]
    child = spawn_detached(argv, log_file=log_file, pid_file=pid_file)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise StackError(f"the schema registry exited during start; {log_file}:\n{tail(log_file)}")
        if registry_answers(url, timeout=1.0):
            logger.info("schema registry answers at %s", url)
            return True
        time.sleep(0.3)
    raise StackError(f"the schema registry did not answer at {url} within {timeout:.0f} s; see {log_file}")


def stop_registry(settings: Settings) -> bool:
    """Stop the embedded registry if this stack started it; True when something was stopped."""
    pid_file, _, marker = _registry_files(settings)
    return bool(stop_processes([(pid_file, marker)], grace=10.0))


def registry_status(settings: Settings) -> dict[str, Any]:
    """Address and state of the registry; embedded ones also report their pid."""
    pid_file, log_file, marker = _registry_files(settings)
    pid = running_pid(pid_file, marker) if settings.registry_embedded else None
    answers = registry_answers(settings.registry_url, timeout=1.0)
    if settings.registry_embedded:
        state = "running" if answers else ("starting" if pid else "stopped")
    else:
        state = "running" if answers else "unreachable"
    status: dict[str, Any] = {"address": mask_url(settings.registry_url), "state": state,
                              "embedded": settings.registry_embedded}
    if pid:
        status.update(pid=pid, log=str(log_file))
    return status


# Database -----------------------------------------------------------------------------------------

def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def prepare_database(settings: Settings) -> dict[str, Any]:
    """SQLite: create the file's folder. Other databases: check they accept connections.

    Raises StackError when a server database is unreachable.
    """
    url = settings.resolved_database_url
    sqlite = _sqlite_path(url)
    if sqlite is not None:
        sqlite.parent.mkdir(parents=True, exist_ok=True)
        return database_status(settings)
    status = database_status(settings)
    if status["state"] != "running":
        raise StackError(f"database {status['address']} is not reachable: {status.get('detail', '')}")
    return status


def database_status(settings: Settings) -> dict[str, Any]:
    """Address and state: SQLite 'ready' (file exists) or 'configured'; servers 'running'/'unreachable'."""
    url = settings.resolved_database_url
    if make_url(url).get_backend_name() == "sqlite":
        sqlite = _sqlite_path(url)
        state = "ready" if sqlite is not None and sqlite.is_file() else "configured"
        return {"address": url, "state": state, "kind": "sqlite"}
    return check_database(url)


# Object store -------------------------------------------------------------------------------------

def prepare_object_store(settings: Settings) -> dict[str, Any]:
    """Create the local object folder (owner-only); S3 stores are only reported."""
    url = settings.resolved_object_store_url
    if url.startswith("file:"):
        Path(unquote(urlsplit(url).path)).mkdir(parents=True, exist_ok=True, mode=0o700)
    return object_store_status(settings)


def object_store_status(settings: Settings) -> dict[str, Any]:
    """Address and state of the object store: local 'ready'/'configured', S3 'configured'."""
    url = settings.resolved_object_store_url
    if url.startswith("file:"):
        ready = Path(unquote(urlsplit(url).path)).is_dir()
        return {"address": url, "state": "ready" if ready else "configured", "kind": "local"}
    status: dict[str, Any] = {"address": mask_url(url), "state": "configured", "kind": "s3"}
    if settings.s3_endpoint_url:
        status["endpoint"] = mask_url(settings.s3_endpoint_url)
    return status
