"""The CPU pool: rendering, OpenCV and Tesseract run in worker processes, never on the event loop.

One `CpuPool` per worker process, sized to the cores. Workers start with the `forkserver`
method (the parent has threads: Kafka clients, the loop's executor), and each runs with
`OMP_THREAD_LIMIT=1`: Tesseract's OpenMP build is several times slower when instances compete for
cores, so parallelism comes from the pool, one single-threaded process per core.

A call that exceeds its timeout, or whose worker dies (a segfault in a native library, the OOM
killer), breaks the whole `ProcessPoolExecutor`; the pool is then replaced by a fresh one and the
call fails with `CpuTimeoutError` or `WorkerCrashedError`. Calls that were running beside it in
the broken executor fail with `WorkerCrashedError` too and are worth retrying.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

from infra.errors import MCAError

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

WORKER_ENV = {"OMP_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1"}


class CpuPoolError(MCAError):
    """A CPU task did not complete in the pool."""


class CpuTimeoutError(CpuPoolError):
    """The task ran longer than its timeout; its worker was killed and the pool rebuilt."""


class WorkerCrashedError(CpuPoolError):
    """The worker running the task died (or the pool was rebuilt under it); the pool was rebuilt.

    The task itself may be innocent (a neighbour crashed the pool), so one retry is reasonable;
    a task that crashes its worker every time is a poison message.
    """


def core_count() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


OWNER_CHECK_SECONDS = 2.0


def _init_worker(env: dict[str, str], owner: int) -> None:
    # Runs in the child before any task, so native libraries loaded later see these limits.
    os.environ.update(env)
    threading.Thread(target=_exit_with_owner, args=(owner,), name="owner-watch", daemon=True).start()


def _exit_with_owner(owner: int) -> None:
    """End this worker once the process that owns the pool is gone. A worker killed with SIGKILL
    cannot shut its pool down, and the forkserver's children would otherwise outlive it, idle."""
    while process_running(owner):
        time.sleep(OWNER_CHECK_SECONDS)
    os._exit(0)


def process_running(pid: int) -> bool:
    """Whether process `pid` runs: not gone, and not a zombie its parent has yet to reap."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):  # no /proc (not Linux): ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process has the pid now: the owner is gone
            return False
        return True


class CpuPool:
    """A process pool for CPU-bound pure functions, awaited from asyncio.

    `workers` defaults to the core count; `default_timeout` (seconds, None for no limit) applies
    when a call gives none. At most `workers` calls are in flight, so a call's timeout measures
    its run time, not time spent queued behind others. Functions and arguments must pickle
    (module-level functions, plain data).
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        default_timeout: float | None = None,
        start_method: str = "forkserver",
        max_tasks_per_child: int | None = None,
    ) -> None:
        self.workers = workers or core_count()
        self.default_timeout = default_timeout
        self._context = multiprocessing.get_context(start_method)
        self._max_tasks_per_child = max_tasks_per_child
        self._executor: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self.restarts = 0

    def _current(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._context,
                initializer=_init_worker,
                initargs=(dict(WORKER_ENV), os.getpid()),
                max_tasks_per_child=self._max_tasks_per_child,
            )
        return self._executor

    async def run_cpu(
        self, fn: Callable[P, R], *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> R:
        """`fn(*args, **kwargs)` in a worker process; its result, or its exception re-raised here.

        Raises CpuTimeoutError after `timeout` seconds (default: the pool's) and WorkerCrashedError
        when the worker dies; in both cases the pool is rebuilt before this returns.
        """
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        limit = self.default_timeout if timeout is None else timeout
        async with self._slots:
            executor = self._current()
            loop = asyncio.get_running_loop()
            try:
                future = loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))
            except BrokenProcessPool as exc:  # broken between calls (a worker died while idle)
                self._rebuild(executor, "pool found broken")
                raise WorkerCrashedError(f"{_name(fn)}: the worker pool was broken; it was rebuilt") from exc
            try:
                return await asyncio.wait_for(future, limit)
            except TimeoutError as exc:
                self._rebuild(executor, f"{_name(fn)} ran over {limit} s")
                raise CpuTimeoutError(f"{_name(fn)} ran over {limit} s; its worker was killed") from exc
            except BrokenProcessPool as exc:
                self._rebuild(executor, f"a worker died while running {_name(fn)}")
                raise WorkerCrashedError(f"{_name(fn)}: the worker process died ({exc})") from exc

    def _rebuild(self, broken: ProcessPoolExecutor, why: str) -> None:
        # Several failed calls may report the same broken executor: replace it only once.
        if broken is not self._executor:
            return
        self.restarts += 1
        logger.warning("cpu pool: %s; killing %d worker(s) and starting afresh", why, self.workers)
        _kill(broken)
        self._executor = None

    def shutdown(self) -> None:
        """Kill the workers and release the pool; a later call starts a fresh one."""
        if self._executor is not None:
            _kill(self._executor)
            self._executor = None


def _kill(executor: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor (3.11) cannot cancel a running task: only killing its process stops it.
    # `_processes` is private but stable since 3.2; terminate_workers() arrives only in 3.14.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    executor.shutdown(wait=False, cancel_futures=True)


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
