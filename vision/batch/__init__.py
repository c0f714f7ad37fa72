"""Batch scoring of many clips: parallel, resumable, fault-isolated.

Contract: ``run_batch(inputs, out, protocol=..., workers=..., resume=..., ray_address=..., ...)``
- inputs: files, folders, globs or manifest CSVs (``jobs``);
- ``out`` receives one ``<clip>.json`` per clip (``calfcheck.score/1`` plus ``status``,
  ``input_sha256`` and ``seconds``; an unreadable clip gets ``status: error`` and its message), then
  ``summary.csv`` and ``reps.csv`` (``tables``). The driver writes every file atomically.
- ``resume`` skips clips whose JSON exists with the same content hash and settings.
- One bad clip never stops the batch (``worker.score_clip`` turns its error into its result).
- ``ray_address`` runs the same task on a Ray cluster (``ray_runner``), else a local process pool
  (``runners``). Returns the summary rows; raises ``UsageError`` for unusable input.
Modules: jobs (inputs), worker (per-clip task), runners / ray_runner (how tasks run), tables, progress.
The command line (argparse) lives in ``vision.cli``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from vision.batch.jobs import ClipJob, already_done, collect_jobs
from vision.batch.progress import BatchProgress
from vision.batch.runners import run_local
from vision.batch.tables import write_tables
from vision.batch.worker import score_clip
from vision.errors import ProtocolError, UsageError
from vision.protocols import load_protocol
from vision.report import write_atomic

__all__ = ["ClipJob", "collect_jobs", "run_batch", "score_clip"]


def _write_result(out: Path, job: ClipJob, result: dict) -> None:
    write_atomic(out / job.result_name, json.dumps(result, indent=1))


def run_batch(
    inputs: list[str],
    out: str | os.PathLike,
    *,
    protocol: str = "band-tempo",
    workers: int | None = None,
    resume: bool = False,
    ray_address: str | None = None,
    quiet: bool = False,
    leg: str = "auto",
    band: str | None = None,
    model: str | None = None,
) -> list[dict]:
    """Score every clip and write ``out``; returns the summary rows."""
    try:
        load_protocol(protocol)  # a bad protocol is a usage error, found before any work
    except ProtocolError as exc:
        raise UsageError(str(exc)) from None
    jobs = collect_jobs(inputs, protocol=protocol, leg=leg, band=band, model=model)
    if not jobs:
        raise UsageError("no video files found in the inputs")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo = [j for j in jobs if not (resume and already_done(j, out))]
    progress = BatchProgress(len(todo), quiet)

    def on_result(job: ClipJob, result: dict) -> None:
        _write_result(out, job, result)
        progress.done(result)

    try:
        if ray_address:
            from vision.batch.ray_runner import run_ray

            run_ray(todo, score_clip, on_result, address=ray_address, workers=workers)
        else:
            run_local(todo, score_clip, on_result, workers=workers or os.cpu_count() or 1)
    finally:
        progress.close()
    return write_tables(jobs, out)
