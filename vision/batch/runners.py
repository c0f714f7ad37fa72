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
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, ProcessPoolExecutor, wait
from typing import TypeVar

Job = TypeVar("Job")
Task = Callable[[Job], dict]
OnResult = Callable[[Job, dict], None]


PR_SET_PDEATHSIG = 1


def _worker_init(free_cpus=None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver stops its workers; a Ctrl-C held since start-up
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # ...is discarded here, never a traceback
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
    pool.shutdown(wait=False, cancel_futures=True)


def run_local(jobs: list, task: Task, on_result: OnResult, *, workers: int) -> None:
    if workers <= 1:
        for job in jobs:
            on_result(job, task(job))
        return
    # Workers are spawned with Ctrl-C blocked: the signal mask is inherited across exec, so a Ctrl-C while
    # a worker is still importing is held until its initializer ignores it (never a traceback). The
    # driver's Ctrl-C is held too, not lost: it arrives once the workers are started. (Ignoring SIGINT
    # here instead discarded a Ctrl-C that came while a slow machine was spawning: the batch ran on.)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    context = multiprocessing.get_context("spawn")
    free_cpus = None
    if (cpus := cpus_to_pin(workers)) is not None:
        free_cpus = context.Queue()  # each worker takes one CPU id as it starts
        for cpu in cpus:
            free_cpus.put(cpu)
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(free_cpus,)
        )
        pending: dict[Future, object] = {pool.submit(task, job): job for job in jobs}
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                on_result(pending.pop(fut), fut.result())
    except BaseException:
        _stop_workers(pool, pending)
        raise
    pool.shutdown()
