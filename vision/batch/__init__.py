"""Batch scoring of many clips: parallel, resumable, fault-isolated, and careful with the output folder.

Contract: ``run_batch(inputs, out, protocol=..., workers=..., resume=..., ray_address=..., ...)``
- inputs: files, folders, globs or manifest CSVs (``jobs``);
- ``out`` receives one ``<clip>.json`` per clip (``calfcheck.score/1`` plus ``status``, ``input_path``,
  ``input_sha256`` and ``seconds``; an unreadable clip gets ``status: error`` and its message), then
  ``summary.csv`` and ``reps.csv`` (``tables``). The driver writes every file atomically. Before anything
  is scored, ``out`` is proved writable and no file in it that calfcheck did not write will be replaced.
- ``resume`` skips clips whose JSON exists with the same content hash and settings.
- A clip with an athlete (the manifest's column, or ``athlete``) is saved to that athlete's record in the
  database ``db`` (``records``); saving the same clip with the same settings twice stores it once.
- One bad clip never stops the batch (``worker.score_clip`` turns its error into its result).
- ``ray_address`` runs the same task on a Ray cluster (``ray_runner``), else a local process pool
  (``runners``) of at most as many workers as cores and memory allow (``workers``).
- Returns a ``BatchResult`` (summary rows and notes for the user); raises ``UsageError`` for unusable
  input.
Modules: jobs (inputs), worker (per-clip task), workers (how many), runners / ray_runner (how tasks run),
tables, progress, records (athletes' records). The command line (argparse) lives in ``vision.cli``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from vision.batch.jobs import ClipJob, already_done, collect_jobs, longest_first
from vision.batch.progress import BatchProgress
from vision.batch.records import AthleteRecords
from vision.batch.runners import run_local
from vision.batch.tables import TABLE_NAMES, check_tables_are_ours, write_tables
from vision.batch.worker import RECORD_KEY, score_clip
from vision.batch.workers import plan_workers
from vision.errors import OutputError, ProtocolError, UsageError
from vision.outputs import probe_folder, write_atomic
from vision.protocols import DEFAULT_PROTOCOL, load_protocol

__all__ = ["BatchResult", "ClipJob", "collect_jobs", "run_batch", "score_clip", "TABLE_NAMES"]


@dataclass
class BatchResult:
    rows: list[dict]
    notes: list[str] = field(default_factory=list)  # sentences for the user (fallbacks, caps)


def _write_result(out: Path, job: ClipJob, result: dict) -> None:
    write_atomic(out / job.result_name, json.dumps(result, indent=1, allow_nan=False))


def run_batch(
    inputs: list[str],
    out: str | os.PathLike,
    *,
    protocol: str = DEFAULT_PROTOCOL,
    workers: int | None = None,
    resume: bool = False,
    ray_address: str | None = None,
    quiet: bool = False,
    leg: str = "auto",
    band: str | None = None,
    model: str | None = None,
    athlete: str | None = None,
    db: str | None = None,
    load_kg: float | None = None,
    every_frame: bool = False,
) -> BatchResult:
    """Score every clip and write ``out``; clips with an athlete are also saved to that athlete's record."""
    try:
        load_protocol(protocol)  # a bad protocol is a usage error, found before any work
    except ProtocolError as exc:
        raise UsageError(str(exc)) from None
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder for the results")
    try:
        probe_folder(out)
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    notes: list[str] = []
    jobs = collect_jobs(
        inputs, out, protocol=protocol, leg=leg, band=band, model=model, warnings=notes, athlete=athlete,
        load_kg=load_kg, every_frame=every_frame,
    )  # fmt: skip
    if not jobs:
        raise UsageError("no video files found in the inputs")
    check_tables_are_ours(out)
    records = AthleteRecords.open(jobs, db)  # unknown athletes and database problems: before any work
    todo = [j for j in jobs if not (resume and already_done(j, out))]
    progress = BatchProgress(len(todo), quiet)

    def on_result(job: ClipJob, result: dict) -> None:
        item = result.pop(RECORD_KEY, None)
        _write_result(out, job, result)
        if records is not None and item is not None:
            records.save(job, item, notes)
        progress.done(result)

    try:
        if ray_address:
            from vision.batch.ray_runner import run_ray

            run_ray(longest_first(todo), score_clip, on_result, address=ray_address, workers=workers)
        else:
            plan = plan_workers(workers, jobs=len(todo))
            if plan.note:
                notes.append(plan.note)
            run_local(longest_first(todo), score_clip, on_result, workers=plan.workers)
    finally:
        progress.close()
        if records is not None:
            records.close()
    return BatchResult(write_tables(jobs, out), notes)
