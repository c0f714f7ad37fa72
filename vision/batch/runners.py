"""Ways to run the per-clip task over many jobs: in this process, or in a pool of worker processes.

Contract: ``run_local(jobs, task, on_result, workers=N)`` calls ``task(job)`` for every job and
``on_result(job, result)`` on the driver as each finishes (in completion order). Workers are spawned
processes (MediaPipe and the progress thread do not survive fork), each loading its own model; they
ignore Ctrl-C so that the driver alone handles it. On an interrupt or error the driver stops every
worker before re-raising: results in flight are abandoned, never half-written (the driver writes).
The Ray runner (``ray_runner.run_ray``) has the same shape.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TypeVar

Job = TypeVar("Job")
Task = Callable[[Job], dict]
OnResult = Callable[[Job, dict], None]


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_local(jobs: list, task: Task, on_result: OnResult, *, workers: int) -> None:
    if workers <= 1:
        for job in jobs:
            on_result(job, task(job))
        return
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_sigint
    )
    pending: dict[Future, object] = {pool.submit(task, job): job for job in jobs}
    try:
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                on_result(pending.pop(fut), fut.result())
    except BaseException:
        for fut in pending:
            fut.cancel()
        # The pool's workers are this process's children: stop them now rather than let them finish
        # clips whose results will never be written.
        for proc in multiprocessing.active_children():
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
