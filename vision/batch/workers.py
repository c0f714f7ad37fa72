"""How many worker processes a batch may run: as asked, but never more than cores and memory allow.

Contract: ``plan_workers(requested, jobs=N)`` returns a ``WorkerPlan`` (the count and, when it differs
from what was asked, the sentence that says why). Each worker holds its own pose model and decoder
(about ``WORKER_MEMORY_MB``), and a pose model keeps one core busy, so more workers than cores only
adds memory and contention.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

WORKER_MEMORY_MB = 450  # measured peak RSS of one worker scoring a 1080p clip is about 350 MB


@dataclass(frozen=True)
class WorkerPlan:
    workers: int
    note: str | None = None  # why fewer than asked


def available_memory_mb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_workers(
    requested: int | None, *, jobs: int, cores: int | None = None, memory_mb: float | None = None
) -> WorkerPlan:
    cores = cores or usable_cores()
    memory_mb = available_memory_mb() if memory_mb is None else memory_mb
    by_memory = max(1, int(memory_mb // WORKER_MEMORY_MB)) if memory_mb is not None else cores
    cap = max(1, min(cores, by_memory))
    wanted = cap if requested is None else requested
    workers = max(1, min(wanted, cap, max(jobs, 1)))
    note = None
    if requested is not None and requested > cap:
        limit = (
            f"{cores} cores"
            if cap == cores
            else f"{memory_mb / 1024:.1f} GB of free memory, about {WORKER_MEMORY_MB} MB per worker"
        )
        note = f"using {cap} workers, not {requested}: this machine has {limit}"
    return WorkerPlan(workers, note)
