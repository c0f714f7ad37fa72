"""The batch's tables: ``summary.csv`` (one row per clip) and ``reps.csv`` (one row per rep).

Contract: ``write_tables(jobs, out)`` rebuilds both from the per-clip JSONs in ``out`` (so a resumed
batch ends with the same tables as an uninterrupted one), writes them atomically and returns the
summary rows.
"""

from __future__ import annotations

import json
from pathlib import Path

from vision.batch.jobs import ClipJob
from vision.errors import UsageError
from vision.outputs import shown, write_atomic
from vision.report import REP_COLUMNS, csv_text

SUMMARY_COLUMNS = [
    "file",
    "status",
    "error",
    "athlete",
    "protocol",
    "leg",
    "reps",
    "mean_score",
    "longest_hold_s",
    "band_advice",
    "quality_warnings",
    "seconds",
]


TABLE_NAMES = {"summary.csv": SUMMARY_COLUMNS, "reps.csv": REP_COLUMNS}


def check_tables_are_ours(out: Path) -> None:
    """Refuse (``UsageError``) when ``out`` holds a summary.csv or reps.csv that calfcheck did not write."""
    for name, columns in TABLE_NAMES.items():
        path = out / name
        if not path.exists():
            continue
        try:
            with path.open("rb") as f:
                header = f.readline().decode("utf-8", "replace").strip()
        except OSError:
            header = ""
        if header != ",".join(columns):
            raise UsageError(
                f"{shown(path)} already exists and was not written by calfcheck; "
                "choose another --out folder (calfcheck never overwrites files it did not write)"
            )


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
    rep_rows = [
        {**rep, "source": r.get("path", r["source"]), "faults": ";".join(rep.get("faults", []))}
        for r in results
        for rep in r.get("reps", [])
    ]
    write_atomic(out / "summary.csv", csv_text(rows, SUMMARY_COLUMNS))
    write_atomic(out / "reps.csv", csv_text(rep_rows, REP_COLUMNS))
    return rows
