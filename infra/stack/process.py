"""Detached service processes: start with a pid file, recognise after a restart of `mca`, stop.

A service started by `mca stack up` must outlive the command, so it runs in its own session with
its output in a log file, and its pid goes to a pid file. Every command line carries a marker
(`-Dmca.service=...` or an argument) so a pid file left behind by a crash never makes us signal
an unrelated process that reused the pid.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from infra.errors import MCAError

logger = logging.getLogger(__name__)


class StackError(MCAError):
    """A local service could not be started, reached or stopped."""


def spawn_detached(argv: Sequence[str], *, log_file: Path, pid_file: Path,
                   env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start argv in a new session (no terminal, survives its parent), output appended to log_file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, env=env, cwd=cwd,
        )
    pid_file.write_text(f"{proc.pid}\n")
    return proc


def _cmdline(pid: int, attempts: int = 10) -> str | None:
    """The command line of a live (non-zombie) process, else None."""
    for _ in range(attempts):
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return None
        if state in {"Z", "X"}:
            return None
        if raw:
            return raw.replace(b"\0", b" ").decode(errors="replace")
        time.sleep(0.02)  # the kernel shows an empty cmdline while the address space is swapped (exec, exit)
    return None


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid in pid_file when that process is alive and its command line contains marker."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    cmdline = _cmdline(pid)
    return pid if cmdline is not None and marker in cmdline else None


def _reap(pid: int) -> None:
    # Our own children linger as zombies until waited for; others are reaped by init.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # the service leads its own session, so its group id is its pid
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def stop_processes(targets: Sequence[tuple[Path, str]], *, grace: float = 20.0) -> list[int]:
    """SIGTERM every live (pid_file, marker) target, wait up to grace seconds, SIGKILL what is left.

    Returns the pids that were stopped; pid files are removed.
    """
    live = [(pid_file, marker, pid) for pid_file, marker in targets
            if (pid := running_pid(pid_file, marker)) is not None]
    for _, _, pid in live:
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    pending = list(live)
    while pending and time.monotonic() < deadline:
        time.sleep(0.2)
        for _, _, pid in pending:
            _reap(pid)
        pending = [t for t in pending if running_pid(t[0], t[1]) is not None]
    for pid_file, _, pid in pending:
        logger.warning("pid %d (%s) ignored SIGTERM for %.0f s; killing it", pid, pid_file.name, grace)
        _signal_group(pid, signal.SIGKILL)
    kill_deadline = time.monotonic() + 5.0
    while pending and time.monotonic() < kill_deadline:
        time.sleep(0.1)
        for _, _, pid in pending:
            _reap(pid)
        pending = [t for t in pending if running_pid(t[0], t[1]) is not None]
    for pid_file, _marker in targets:
        pid_file.unlink(missing_ok=True)
    return [pid for _, _, pid in live]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral port nobody listens on right now (bind to port 0 and let it go)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def free_port_block(count: int, host: str = "127.0.0.1", attempts: int = 50) -> int:
    """The first of `count` consecutive ports that are all free right now (for multi-node layouts)."""
    for _ in range(attempts):
        base = free_port(host)
        if base + count > 65535:
            continue
        socks: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(sock)
                sock.bind((host, port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise StackError(f"no block of {count} free ports found on {host}")


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, for error messages ('' when it does not exist)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def split_host_port(address: str, default_port: int) -> tuple[str, int]:
    """'host:port' (first entry of a comma list) -> (host, port)."""
    first = address.split(",")[0].strip()
    host, _, port = first.rpartition(":")
    if not host:
        return first, default_port
    return host.strip("[]"), int(port)
