"""Batch scoring of many clips: parallel, resumable, fault-isolated.

Contract: ``calfcheck batch INPUT... --out DIR [--protocol ID|FILE] [--workers N] [--resume]
[--ray ADDRESS|auto|local] [--quiet]``.
- INPUT: files, folders (searched recursively for videos), globs, or a manifest CSV with the columns
  path, athlete, leg, protocol, band (empty cells fall back to the command's options; relative paths
  are relative to the manifest).
- DIR receives one ``<clip>.json`` per clip (``calfcheck.score/1``, plus ``status``, ``input_sha256``
  and ``seconds``; an unreadable clip gets ``status: error`` and its message), then ``summary.csv``
  (one row per clip) and ``reps.csv`` (one row per rep), rebuilt from the JSONs at the end so a resumed
  batch ends with the same tables. The driver writes every file atomically.
- ``--resume`` skips clips whose JSON exists with the same content hash and settings.
- Exit 0 when every clip is ok, 1 when some failed, 2 for a usage error (argparse, or no inputs).
- One bad clip never stops the batch. ``--ray`` runs the same ``score_clip`` as Ray tasks; Ray is an
  optional extra and is imported only then.
"""

from __future__ import annotations

import argparse
import csv
import glob
import hashlib
import json
import os
import re
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from vision.errors import CalfcheckError
from vision.report import REP_COLUMNS, csv_text, write_atomic
from vision.scoring import BANDS
from vision.types import LEG_OPTIONS, leg_from_option

VIDEO_EXTENSIONS = {".mp4", ".mov", ".avi", ".webm", ".mkv", ".m4v"}
SUMMARY_COLUMNS = ["file", "status", "error", "athlete", "protocol", "leg", "reps", "mean_score",
                   "longest_hold_s", "band_advice", "quality_warnings", "seconds"]
MANIFEST_COLUMNS = {"path", "athlete", "leg", "protocol", "band"}


class UsageError(Exception):
    """Bad command-line input: exit code 2."""


@dataclass(frozen=True)
class ClipJob:
    path: str
    result_name: str  # file name of the JSON in DIR
    protocol: str
    leg: str  # auto | left | right
    band: str | None
    athlete: str
    model: str | None = None

    def settings_key(self) -> str:
        return f"{self.protocol}|{self.leg}|{self.band or ''}|{self.model or ''}"


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def score_clip(job: ClipJob) -> dict:
    """Score one clip; never raises for a bad clip (the error becomes the result). Runs in a worker."""
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol
    from vision.report import session_to_dict

    started = time.perf_counter()
    base = {"schema": "calfcheck.score/1", "source": Path(job.path).name, "path": job.path,
            "athlete": job.athlete, "protocol": job.protocol, "settings": job.settings_key()}
    try:
        base["input_sha256"] = file_sha256(job.path)
        if job.band is not None and job.band not in BANDS:
            raise CalfcheckError(f"unknown band colour '{job.band}'; use one of {', '.join(BANDS)}")
        try:
            leg = leg_from_option(job.leg)
        except ValueError as exc:
            raise CalfcheckError(str(exc)) from None
        checker = FormChecker(load_protocol(job.protocol), leg, job.band, job.model)
        session = checker.run_video(job.path)
        result = {**base, **session_to_dict(session), "status": "ok", "frames": len(session.track)}
    except CalfcheckError as exc:
        result = {**base, "status": "error", "error": str(exc), "frames": 0}
    except OSError as exc:
        result = {**base, "status": "error", "error": f"{Path(job.path).name}: {exc.strerror or exc}", "frames": 0}
    except Exception as exc:  # fault isolation: one clip's bug must not stop a batch of hundreds
        result = {**base, "status": "error", "error": f"internal error on this clip ({type(exc).__name__}: {exc})",
                  "frames": 0}
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


# ---- inputs -------------------------------------------------------------------------------------
def _videos_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)


def _read_manifest(path: Path, defaults: dict) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "path" not in reader.fieldnames:
            raise UsageError(f"{path.name}: a manifest needs a header with at least 'path' "
                             f"(columns: {', '.join(sorted(MANIFEST_COLUMNS))})")
        rows = []
        for row in reader:
            clip = Path(row["path"].strip())
            clip = clip if clip.is_absolute() else path.parent / clip
            rows.append({"path": str(clip), "athlete": (row.get("athlete") or "").strip(),
                         "leg": (row.get("leg") or "").strip() or defaults["leg"],
                         "protocol": (row.get("protocol") or "").strip() or defaults["protocol"],
                         "band": (row.get("band") or "").strip() or defaults["band"]})
        return rows


def collect_jobs(inputs: list[str], protocol: str, leg: str = "auto", band: str | None = None,
                 model: str | None = None) -> list[ClipJob]:
    defaults = {"protocol": protocol, "leg": leg, "band": band}
    entries: list[dict] = []
    for item in inputs:
        p = Path(item)
        if p.suffix.lower() == ".csv" and p.is_file():
            entries += _read_manifest(p, defaults)
        elif p.is_dir():
            entries += [{"path": str(v), "athlete": "", **defaults} for v in _videos_under(p)]
        elif p.exists():
            entries.append({"path": str(p), "athlete": "", **defaults})  # any file: a bad one becomes an error row
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise UsageError(f"{item}: no such file, folder or matching glob")
            for m in matches:
                mp = Path(m)
                entries += ([{"path": str(v), "athlete": "", **defaults} for v in _videos_under(mp)]
                            if mp.is_dir() else [{"path": m, "athlete": "", **defaults}])
    seen, jobs, names = set(), [], set()
    for e in entries:
        key = (os.path.abspath(e["path"]), e["protocol"], e["leg"], e["band"])
        if key in seen:
            continue
        seen.add(key)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(e["path"]).stem) or "clip"
        name, n = f"{stem}.json", 2
        while name in names or name in ("summary.json",):
            name, n = f"{stem}-{n}.json", n + 1
        names.add(name)
        jobs.append(ClipJob(e["path"], name, e["protocol"], e["leg"], e["band"] or None, e["athlete"], model))
    return jobs


def _already_done(job: ClipJob, out: Path) -> bool:
    path = out / job.result_name
    try:
        prev = json.loads(path.read_text(encoding="utf-8"))
        return prev.get("settings") == job.settings_key() and prev.get("input_sha256") == file_sha256(job.path)
    except (OSError, ValueError):
        return False


# ---- tables -------------------------------------------------------------------------------------
def summary_row(result: dict) -> dict:
    s = result.get("summary", {})
    return {
        "file": result.get("path", result.get("source")), "status": result["status"],
        "error": result.get("error", ""), "athlete": result.get("athlete", ""),
        "protocol": result.get("protocol", ""), "leg": result.get("leg", ""),
        "reps": s.get("rep_count", ""), "mean_score": s.get("mean_score", ""),
        "longest_hold_s": s.get("longest_hold_s", ""), "band_advice": s.get("band_advice", ""),
        "quality_warnings": " | ".join(result.get("quality", {}).get("warnings", [])),
        "seconds": result.get("seconds", ""),
    }  # fmt: skip


def write_tables(jobs: list[ClipJob], out: Path) -> list[dict]:
    results = []
    for job in jobs:
        try:
            results.append(json.loads((out / job.result_name).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    rows = [summary_row(r) for r in results]
    rep_rows = [{**rep, "source": r.get("path", r["source"]), "faults": ";".join(rep.get("faults", []))}
                for r in results for rep in r.get("reps", [])]
    write_atomic(out / "summary.csv", csv_text(rows, SUMMARY_COLUMNS))
    write_atomic(out / "reps.csv", csv_text(rep_rows, REP_COLUMNS))
    return rows


# ---- running ------------------------------------------------------------------------------------
class _Reporter:
    """Progress bar: clips done of total, frames per second, ETA. Silent with --quiet."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.frames, self.started, self.bar, self.task = 0, time.perf_counter(), None, None
        if not quiet:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("[bold]scoring"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[fps]} frames/s"), TimeRemainingColumn())
            self.task = self.bar.add_task("clips", total=total, fps="-")
            self.bar.start()

    def done(self, result: dict) -> None:
        self.frames += result.get("frames", 0)
        if self.bar:
            fps = self.frames / max(time.perf_counter() - self.started, 1e-6)
            self.bar.update(self.task, advance=1, fps=f"{fps:.0f}")

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


def _write_result(out: Path, job: ClipJob, result: dict) -> None:
    write_atomic(out / job.result_name, json.dumps(result, indent=1))


def run_local(jobs: list[ClipJob], out: Path, workers: int, reporter: _Reporter) -> None:
    if workers <= 1:
        for job in jobs:
            result = score_clip(job)
            _write_result(out, job, result)
            reporter.done(result)
        return
    # spawn: MediaPipe and the progress thread do not survive fork; each worker loads its own model.
    # Workers ignore Ctrl-C: the driver alone handles it, so an interrupt prints one line, not one
    # traceback per worker.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_ignore_sigint)
    pending: dict[Future, ClipJob] = {pool.submit(score_clip, job): job for job in jobs}
    try:
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                job = pending.pop(fut)
                _write_result(out, job, fut.result())
                reporter.done(fut.result())
    except BaseException:
        for fut in pending:
            fut.cancel()
        # Clips in flight are abandoned (their results were never written, so nothing is half-done).
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_batch(inputs: list[str], out: str | os.PathLike, protocol: str = "band-tempo", workers: int | None = None,
              resume: bool = False, ray_address: str | None = None, quiet: bool = False, leg: str = "auto",
              band: str | None = None, model: str | None = None) -> list[dict]:
    """Score every clip and write DIR; returns the summary rows. Raises ``UsageError`` for bad input."""
    from vision.errors import ProtocolError
    from vision.protocols import load_protocol

    try:
        load_protocol(protocol)  # a bad protocol is a usage error, found before any work
    except ProtocolError as exc:
        raise UsageError(str(exc)) from None
    jobs = collect_jobs(inputs, protocol, leg, band, model)
    if not jobs:
        raise UsageError("no video files found in the inputs")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo = [j for j in jobs if not (resume and _already_done(j, out))]
    reporter = _Reporter(len(todo), quiet)
    try:
        if ray_address:
            from vision.batch_ray import run_ray

            run_ray(todo, lambda job, result: (_write_result(out, job, result), reporter.done(result)), ray_address,
                    workers)
        else:
            run_local(todo, out, workers or os.cpu_count() or 1, reporter)
    finally:
        reporter.close()
    return write_tables(jobs, out)


def add_batch_parser(sub) -> None:
    p = sub.add_parser("batch", help="score folders of clips in parallel")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, globs or a manifest .csv")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--protocol", default="band-tempo")
    p.add_argument("--leg", choices=LEG_OPTIONS, default="auto")
    p.add_argument("--band", default=None, choices=BANDS)
    p.add_argument("--model", default=None)
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    p.add_argument("--resume", action="store_true", help="skip clips already scored with the same content")
    p.add_argument("--ray", dest="ray_address", default=None, metavar="ADDRESS|auto|local",
                   help="run on a Ray cluster (pip install .[ray]); 'local' starts one on this machine")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def cmd_batch(args: argparse.Namespace) -> int:
    try:
        rows = run_batch(args.inputs, args.out, args.protocol, args.workers, args.resume, args.ray_address,
                         args.quiet, args.leg, args.band, args.model)
    except UsageError as exc:
        print(f"calfcheck batch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("calfcheck batch: interrupted; finished clips are saved, rerun with --resume to continue",
              file=sys.stderr)
        return 130
    failed = [r for r in rows if r["status"] != "ok"]
    if not args.quiet:
        print(f"{len(rows) - len(failed)} ok, {len(failed)} failed → {Path(args.out) / 'summary.csv'}")
        for r in failed:
            print(f"  {r['file']}: {r['error']}")
    return 1 if failed else 0

