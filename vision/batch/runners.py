"""Ways to run the per-clip task over many jobs: in this process, or in a pool of worker processes.

Contract: ``run_local(jobs, task, on_result, workers=N)`` calls ``task(job)`` for every job and
``on_result(job, result)`` on the driver as each finishes (in completion order). Workers are spawned
processes (MediaPipe and the progress thread do not survive fork), each loading its own model; they
ignore Ctrl-C so that the driver alone handles it, and the kernel stops them if the driver dies (Linux
parent-death signal), so no worker outlives its batch. When there are at least as many CPUs as workers,
each worker is pinned to a CPU of its own (Linux): unpinned, the model's and decoder's threads of two
workers migrate between the cores and each clip ran 12 % slower than alone; pinned, as fast as alone.
On an interrupt, SIGTERM (the CLI turns it into an exception) or error the driver stops every worker
before re-raising: results in flight are abandoned, never half-written (the driver writes). The Ray
runner (``ray_runner.run_ray``) has the same shape.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import shlex
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, ProcessPoolExecutor, wait
from multiprocessing import spawn
from pathlib import Path
from typing import TypeVar

Job = TypeVar("Job")
Task = Callable[[Job], dict]
OnResult = Callable[[Job, dict], None]


PR_SET_PDEATHSIG = 1


def _worker_init(free_cpus=None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver stops its workers (already so: see below)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    if free_cpus is not None:
        with contextlib.suppress(OSError, queue.Empty):
            os.sched_setaffinity(0, {free_cpus.get(timeout=5)})


def cpus_to_pin(workers: int) -> list[int] | None:
    """One CPU per worker from those this process may use, or None when pinning would not help (more
    workers than CPUs: they must share) or is not available on this platform."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    usable = sorted(os.sched_getaffinity(0))
    return usable[:workers] if workers <= len(usable) else None


def _quiet_teardown_hook(previous):
    """While the pool is torn down, its manager thread may try to fail futures already cancelled
    (CPython 3.11 raises InvalidStateError there and prints a traceback): that is noise, not news."""

    def hook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.exc_value, InvalidStateError):
            return
        previous(args)

    return hook


def _stop_workers(pool: ProcessPoolExecutor, pending: dict) -> None:
    threading.excepthook = _quiet_teardown_hook(threading.excepthook)
    for fut in pending:
        fut.cancel()
    # The pool's workers are this process's children: stop them now rather than let them finish clips
    # whose results will never be written.
    children = multiprocessing.active_children()
    for proc in children:
        proc.terminate()
    for proc in children:
        proc.join(timeout=5)
    # Wait for the pool's manager thread to see its workers gone and close its wake-up pipe: left running,
    # it races the interpreter's exit, which writes to that pipe as the thread closes it (Bad file descriptor).
    pool.shutdown(wait=True, cancel_futures=True)


def run_local(jobs: list, task: Task, on_result: OnResult, *, workers: int) -> None:
    if workers <= 1:
        for job in jobs:
            on_result(job, task(job))
        return
    context = multiprocessing.get_context("spawn")
    free_cpus = None
    if (cpus := cpus_to_pin(workers)) is not None:
        free_cpus = context.Queue()  # each worker takes one CPU id as it starts
        for cpu in cpus:
            free_cpus.put(cpu)
    pool: ProcessPoolExecutor | None = None
    pending: dict[Future, object] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="calfcheck-workers-") as folder:
            with _spawning_deaf_to_ctrl_c(Path(folder)):
                pool = ProcessPoolExecutor(
                    max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(free_cpus,)
                )
                pending = {pool.submit(task, job): job for job in jobs}  # spawns the workers
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    on_result(pending.pop(fut), fut.result())
    except BaseException:
        if pool is not None:
            _stop_workers(pool, pending)
        raise
    pool.shutdown()


@contextlib.contextmanager
def _spawning_deaf_to_ctrl_c(folder: Path):
    """Workers spawned inside this block start with Ctrl-C ignored from their first instruction.

    A terminal's Ctrl-C reaches every process of the batch, and a worker still importing NumPy and MediaPipe
    (a second or more) would die of it with a traceback. Neither blocking SIGINT in the driver (a spawned
    interpreter starts with it unblocked) nor ignoring it there (the driver's own Ctrl-C would be lost) holds.
    An ignored signal is the one disposition that survives exec, and Python keeps SIGINT ignored when it starts
    that way: so the workers' interpreter is started through a two-line shell script that ignores it and execs
    this Python. The script lives in ``folder``, which must outlast the spawning (the shell opens it after
    the spawn has returned); the driver handles its own Ctrl-C as usual throughout."""
    script = folder / "python"
    script.write_text(f"#!/bin/sh\ntrap '' INT\nexec {shlex.quote(sys.executable)} \"$@\"\n")
    script.chmod(0o700)
    previous = spawn.get_executable()
    spawn.set_executable(str(script))  # process-wide in multiprocessing: put back as soon as the pool is up
    try:
        yield
    finally:
        spawn.set_executable(previous)
