"""The CPU pool runs pure functions in worker processes and survives timeouts and crashed workers."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import pytest

from streams.pool import CpuPool, CpuTimeoutError, WorkerCrashedError, core_count, process_running


@pytest.fixture
async def pool():
    cpu_pool = CpuPool(2, default_timeout=30.0)
    yield cpu_pool
    cpu_pool.shutdown()


async def test_a_cpu_function_runs_in_a_worker_process_and_returns_its_result(pool):
    assert await pool.run_cpu(math.factorial, 20) == math.factorial(20)
    assert await pool.run_cpu(os.getpid) != os.getpid()


async def test_workers_run_openmp_single_threaded(pool):
    assert await pool.run_cpu(os.getenv, "OMP_THREAD_LIMIT") == "1"


async def test_the_function_s_own_exception_reaches_the_caller_and_the_pool_stays_up(pool):
    with pytest.raises(ValueError):
        await pool.run_cpu(int, "not a number")
    assert pool.restarts == 0
    assert await pool.run_cpu(abs, -3) == 3


async def test_a_task_over_its_timeout_is_reported_and_the_pool_recovers(pool):
    started = time.monotonic()
    with pytest.raises(CpuTimeoutError, match="ran over"):
        await pool.run_cpu(time.sleep, 30, timeout=0.5)
    assert time.monotonic() - started < 10
    assert pool.restarts == 1
    assert await pool.run_cpu(math.factorial, 5) == 120


async def test_a_crashed_worker_is_reported_and_the_pool_recovers(pool):
    with pytest.raises(WorkerCrashedError, match="died"):
        await pool.run_cpu(os._exit, 3)
    assert pool.restarts == 1
    assert await pool.run_cpu(math.factorial, 5) == 120


def test_the_default_size_is_the_core_count():
    assert CpuPool().workers == core_count() >= 1


OWNER = """
import asyncio, os, signal, sys
from streams.pool import CpuPool

async def main():
    pool = CpuPool(2)
    print(await pool.run_cpu(os.getpid), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # as a worker killed mid-work: no shutdown of its pool

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_the_pool_s_workers_exit_when_the_process_owning_the_pool_is_killed(tmp_path):
    script, out = tmp_path / "owner.py", tmp_path / "owner.out"
    script.write_text(OWNER)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    with out.open("w") as stdout:
        owner = subprocess.Popen([sys.executable, str(script)], stdout=stdout, stderr=subprocess.DEVNULL,
                                 env={**os.environ, "PYTHONPATH": root})
    deadline = time.monotonic() + 60
    while not out.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.1)
    worker = int(out.read_text().split()[0])

    while process_running(worker) and time.monotonic() < deadline:  # the owner is killed, not yet reaped
        time.sleep(0.2)

    assert not process_running(worker), "the pool worker outlived the process that owned it"
    assert owner.wait(10) == -9
