"""Batch workers each run on a CPU of their own when there are enough CPUs (``runners.cpus_to_pin``)."""

from __future__ import annotations

import os
import time

import pytest

from vision.batch.runners import cpus_to_pin, run_local

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity is Linux-only")


def report_affinity(job: int) -> dict:
    time.sleep(0.3)  # long enough that every worker takes a job
    return {"job": job, "pid": os.getpid(), "cpus": sorted(os.sched_getaffinity(0))}


def run(workers: int, jobs: int) -> list[dict]:
    results: list[dict] = []
    run_local(list(range(jobs)), report_affinity, lambda job, result: results.append(result), workers=workers)
    return results


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs at least 2 CPUs")
def test_each_worker_gets_a_cpu_of_its_own():
    results = run(workers=2, jobs=6)
    by_worker = {r["pid"]: tuple(r["cpus"]) for r in results}
    assert len(by_worker) == 2
    assert all(len(cpus) == 1 for cpus in by_worker.values())
    assert len(set(by_worker.values())) == 2  # two different CPUs
    assert {c for cpus in by_worker.values() for c in cpus} <= os.sched_getaffinity(0)


def test_more_workers_than_cpus_share_them_all():
    usable = sorted(os.sched_getaffinity(0))
    assert cpus_to_pin(len(usable) + 1) is None
    results = run(workers=len(usable) + 1, jobs=len(usable) + 1)
    assert all(r["cpus"] == usable for r in results)
