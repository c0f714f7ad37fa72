"""Batch inputs: what to score and with which settings.

Contract: ``collect_jobs(inputs, protocol=..., leg=..., band=..., model=...)`` turns files, folders
(searched recursively for videos), globs and manifest CSVs (columns path, athlete, leg, protocol, band;
empty cells fall back to the command's options; relative paths are relative to the manifest) into
``ClipJob``s, one per distinct clip and settings, each with a result file name unique in the batch.
``already_done(job, out)`` tells ``--resume`` whether a clip's result is current. Raises ``UsageError``.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from vision.errors import UsageError

VIDEO_EXTENSIONS = {".mp4", ".mov", ".avi", ".webm", ".mkv", ".m4v"}
MANIFEST_COLUMNS = {"path", "athlete", "leg", "protocol", "band"}
RESERVED_NAMES = {"summary.json"}


@dataclass(frozen=True)
class ClipJob:
    path: str
    result_name: str  # file name of the JSON in the output folder
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


def _videos_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)


def _read_manifest(path: Path, defaults: dict) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "path" not in reader.fieldnames:
            raise UsageError(
                f"{path.name}: a manifest needs a header with at least 'path' "
                f"(columns: {', '.join(sorted(MANIFEST_COLUMNS))})"
            )
        rows = []
        for row in reader:
            clip = Path(row["path"].strip())
            clip = clip if clip.is_absolute() else path.parent / clip
            rows.append(
                {
                    "path": str(clip),
                    "athlete": (row.get("athlete") or "").strip(),
                    "leg": (row.get("leg") or "").strip() or defaults["leg"],
                    "protocol": (row.get("protocol") or "").strip() or defaults["protocol"],
                    "band": (row.get("band") or "").strip() or defaults["band"],
                }
            )
        return rows


def _entries(inputs: list[str], defaults: dict) -> list[dict]:
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
                entries += (
                    [{"path": str(v), "athlete": "", **defaults} for v in _videos_under(mp)]
                    if mp.is_dir()
                    else [{"path": m, "athlete": "", **defaults}]
                )
    return entries


def collect_jobs(
    inputs: list[str], *, protocol: str, leg: str = "auto", band: str | None = None, model: str | None = None
) -> list[ClipJob]:
    defaults = {"protocol": protocol, "leg": leg, "band": band}
    seen, jobs, names = set(), [], set()
    for e in _entries(inputs, defaults):
        key = (os.path.abspath(e["path"]), e["protocol"], e["leg"], e["band"])
        if key in seen:
            continue
        seen.add(key)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(e["path"]).stem) or "clip"
        name, n = f"{stem}.json", 2
        while name in names or name in RESERVED_NAMES:
            name, n = f"{stem}-{n}.json", n + 1
        names.add(name)
        jobs.append(ClipJob(e["path"], name, e["protocol"], e["leg"], e["band"] or None, e["athlete"], model))
    return jobs


def already_done(job: ClipJob, out: Path) -> bool:
    """True when ``out`` holds this clip's result for the same content and settings (``--resume``)."""
    path = out / job.result_name
    try:
        prev = json.loads(path.read_text(encoding="utf-8"))
        return prev.get("settings") == job.settings_key() and prev.get("input_sha256") == file_sha256(job.path)
    except (OSError, ValueError):
        return False
