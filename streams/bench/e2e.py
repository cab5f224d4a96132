"""End-to-end latency: submissions sent over SMTP to the SMTP door of a fresh embedded stack and
read by two `mca worker` processes, timed from SMTP acceptance (the door's 250 after DATA) to the
application's record on mca.application (its Kafka timestamp).

Everything runs in a temporary MCA_HOME on free ports (embedded Kafka and registry from
infra/stack, the SMTP door, the workers), and is stopped afterwards. One warm-up submission is
read first, so worker start-up does not count; then the submissions are sent `interval` seconds
apart. A resend of a Message-ID already sent is left out (its record has an id of its own).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from email import message_from_bytes
from email.utils import getaddresses
from pathlib import Path

from confluent_kafka import Consumer, ConsumerGroupState, KafkaException
from confluent_kafka.admin import AdminClient
from rich.console import Console

from infra.settings import Settings
from infra.stack.commands import bring_down, bring_up
from infra.stack.process import free_port, free_port_block, port_open
from infra.topics import APPLICATION
from streams.bench.latency import LatencyResult
from streams.bench.tasks import warm_up
from streams.local_run import LocalRunner
from streams.pipeline import submission_from_email
from streams.pool import CpuPool
from streams.stages.limits import Limits

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys; from infra.cli import main; sys.argv[0] = 'mca'; main()"
READY_TIMEOUT_S = 180.0
WARM_UP_TIMEOUT_S = 300.0
KAFKA_HEAP = "384m"


class _Applications:
    """Keys and Kafka timestamps of the records on mca.application, read in a thread."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.first_seen: dict[str, float] = {}
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": f"mca-bench-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        })
        self._consumer.subscribe([topic])
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self._consumer.poll(0.5)
            key = message.key() if message is not None and not message.error() else None
            if message is None or key is None:
                continue
            _, stamp = message.timestamp()
            with self._lock:
                self.first_seen.setdefault(key.decode(), stamp / 1000.0)
        self._consumer.close()

    def wait(self, keys: set[str], timeout: float) -> dict[str, float]:
        """The first-seen times of `keys`, waiting up to `timeout` seconds for all of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if keys <= set(self.first_seen):
                    break
            time.sleep(0.5)
        with self._lock:
            return {k: v for k, v in self.first_seen.items() if k in keys}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def _wait_for_group(bootstrap: str, group: str, members: int, timeout: float) -> bool:
    """Whether the workers' consumer group became stable with `members` members within `timeout`:
    a submission sent while the group still rebalances may wait for the rebalance to settle."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = admin.describe_consumer_groups([group], request_timeout=10)[group].result(15)
            if found.state == ConsumerGroupState.STABLE and len(found.members) >= members:
                return True
        except KafkaException:
            pass  # the group does not exist yet
        time.sleep(1.0)
    return False


def _send(port: int, raw: bytes, recipient: str) -> float:
    """Send one message to the door; the wall-clock time (epoch seconds) the door accepted it."""
    sender = getaddresses([message_from_bytes(raw).get("From", "")])[0][1] or "broker@example.com"
    # On the wire lines end in CRLF (smtplib leaves bytes as they are; files often use bare LF).
    wire = re.sub(rb"\r?\n", b"\r\n", raw)
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
        client.sendmail(sender, [recipient], wire)
    return time.time()


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-c", CLI, *argv], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _stop(processes: Sequence[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def measure_latency(
    emails: Sequence[bytes], limits: Limits, *, workers: int = 2, interval: float = 10.0,
    timeout: float = 900.0, console: Console | None = None,
) -> LatencyResult:
    """Latency per application for `emails` (the first is the warm-up) through a fresh stack.

    Raises StackError when the stack cannot start and RuntimeError when the door or the warm-up
    submission does not come through in time."""
    console = console or Console()
    unique: list[tuple[bytes, str]] = []
    seen: set[str] = set()
    for raw in emails:
        application_id = submission_from_email(raw).application_id
        if application_id not in seen:
            seen.add(application_id)
            unique.append((raw, application_id))
    warm, measured = unique[0], unique[1:]
    with tempfile.TemporaryDirectory(prefix="mca-bench-stack-") as folder, ExitStack() as cleanup:
        home = Path(folder)
        bootstrap = f"127.0.0.1:{free_port_block(2)}"
        registry = f"http://127.0.0.1:{free_port()}"
        smtp_port = free_port()
        app_id = f"mca-bench-{uuid.uuid4().hex[:8]}"
        settings = Settings(
            home=home, kafka_bootstrap=bootstrap, registry_url=registry, kafka_heap=KAFKA_HEAP
        )
        env = {
            **os.environ, "PYTHONPATH": str(ROOT), "MCA_HOME": str(home), "MCA_KAFKA_BOOTSTRAP": bootstrap,
            "MCA_REGISTRY_URL": registry, "MCA_SMTP_PORT": str(smtp_port), "MCA_KAFKA_HEAP": KAFKA_HEAP,
            "MCA_STREAMS_APP_ID": app_id, "MCA_CPU_POOL_WORKERS": "1",
            "MCA_LOG_LEVEL": "WARNING",
        }
        console.print(f"[dim]latency: starting Kafka and the registry under {home}...[/dim]")
        cleanup.callback(bring_down, settings, Console(quiet=True))
        bring_up(settings, Console(quiet=True))
        processes = [_start(["smtp"], env, home / "smtp.log")]
        processes += [_start(["worker"], env, home / f"worker-{n}.log") for n in range(workers)]
        cleanup.callback(_stop, processes)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not port_open("127.0.0.1", smtp_port) and time.monotonic() < deadline:
            time.sleep(0.5)
        if not port_open("127.0.0.1", smtp_port):
            raise RuntimeError(f"the SMTP door did not open port {smtp_port}: see {home / 'smtp.log'}")
        if not _wait_for_group(bootstrap, app_id, workers, READY_TIMEOUT_S):
            raise RuntimeError(f"the workers' group never settled: see {home}/worker-*.log")
        applications = _Applications(bootstrap, APPLICATION.name)
        cleanup.callback(applications.stop)
        recipient = settings.smtp_recipients[0]
        console.print("[dim]latency: warm-up submission...[/dim]")
        _send(smtp_port, warm[0], recipient)
        if not applications.wait({warm[1]}, WARM_UP_TIMEOUT_S):
            raise RuntimeError("the warm-up submission never reached mca.application")
        accepted: dict[str, float] = {}
        console.print(f"[dim]latency: {len(measured)} submissions, one every {interval:g} s...[/dim]")
        for raw, application_id in measured:
            started = time.monotonic()
            accepted[application_id] = _send(smtp_port, raw, recipient)
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
        done = applications.wait(set(accepted), timeout)
    latency = {a: max(0.0, done[a] - accepted[a]) for a in accepted if a in done}
    console.print("[dim]latency: the same submissions in one process, without Kafka...[/dim]")
    alone = asyncio.run(_in_process([raw for raw, a in measured if a in latency], limits, workers))
    share = 1.0 - sum(alone) / sum(latency.values()) if latency and sum(latency.values()) > 0 else None
    return LatencyResult(
        workers, len(accepted), tuple(sorted(latency.values())), missing=len(accepted) - len(latency),
        kafka_share=share,
        notes=(f"sent one every {interval:g} s after a warm-up submission",
               f"the same submissions read one at a time in one process (no Kafka, {workers} CPU workers) "
               f"took {sum(alone):.1f} s in all against {sum(latency.values()):.1f} s end to end; the "
               "difference (Kafka, object store, serialisation, queueing between stages) is the Kafka share"),
    )


async def _in_process(emails: Sequence[bytes], limits: Limits, workers: int) -> list[float]:
    """Seconds each email takes through `mca extract`'s runner (a warmed pool of `workers`)."""
    pool = CpuPool(workers)
    try:
        runner = LocalRunner(pool, limits)
        await asyncio.gather(*(pool.run_cpu(warm_up) for _ in range(workers)))
        seconds = []
        for raw in emails:
            started = time.perf_counter()
            runner.assemble(await runner.read_email(raw))
            seconds.append(time.perf_counter() - started)
        return seconds
    finally:
        pool.shutdown()
