"""The batch scorer's Ray path: the per-clip task as Ray tasks on a cluster.

Contract: ``run_ray(jobs, task, on_result, address=..., workers=...)`` connects to a cluster (``auto`` or
an address; ``local`` starts a Ray instance on this machine), runs ``task(job)`` remotely, and calls
``on_result(job, result)`` on the driver as each clip finishes, so results land in the output folder
exactly as on the local path. Video paths must be readable by the cluster's workers (a shared file
system). Ray is an optional extra (``pip install .[ray]``); nothing else in ``vision`` imports it.
"""

from __future__ import annotations

import os

from vision.batch.runners import OnResult, Task
from vision.errors import UsageError


def run_ray(jobs: list, task: Task, on_result: OnResult, *, address: str, workers: int | None = None) -> None:
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray: pip install '.[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        if address == "local":
            ray.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(task)
        pending = {remote.remote(job): job for job in jobs}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                on_result(pending.pop(ref), ray.get(ref))
    finally:
        if started_here:
            ray.shutdown()
