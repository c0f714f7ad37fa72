"""Batch inputs: what to score and with which settings.

Contract: ``collect_jobs(inputs, out, protocol=..., leg=..., band=..., model=...)`` turns files,
folders (searched recursively for videos, and for stills and broken links with a video-like name, which
get an error row rather than silence), globs and manifest CSVs into ``ClipJob``s, one per distinct clip
and settings. Manifests: columns path, athlete, leg, protocol, band, date (the training day, ISO
2026-11-30, for saving to an athlete's record); empty cells fall back to the
command's options; relative paths are relative to the manifest; UTF-8 with or without a byte-order mark,
else Windows-1252 (what Excel saves) with a warning; leg and band are case-insensitive.

Each job gets a result file name in ``out`` that is its own: a name no other job of this run uses, and
that is free in ``out`` or holds calfcheck's result for this very clip — the same path, or the same
content moved — so ``--resume`` finds it and a second batch of other clips with the same names cannot
replace it. A file there that calfcheck did
not write is never overwritten: ``UsageError`` before anything is scored. Names stay well inside the
file system's 255-byte limit. ``already_done(job, out)`` tells ``--resume`` whether a result is current.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vision.errors import UsageError
from vision.outputs import file_sha256, shown
from vision.report import SCHEMA

VIDEO_EXTENSIONS = {".mp4", ".mov", ".avi", ".webm", ".mkv", ".m4v", ".3gp", ".mts"}
# Not videos, but what people drop into a clips folder by mistake: they get a row that says so.
STILL_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".heic", ".webp", ".bmp", ".tif", ".tiff"}
MANIFEST_COLUMNS = {"path", "athlete", "leg", "protocol", "band", "load_kg", "date"}
RESERVED_NAMES = {"summary.json"}
MAX_STEM = 150  # result names stay far below 255 bytes, whatever the clip is called
LEGACY_ENCODING = "cp1252"  # Excel's "CSV" on Western Windows


@dataclass(frozen=True)
class ClipJob:
    path: str
    result_name: str  # file name of the JSON in the output folder
    protocol: str
    leg: str  # auto | left | right
    band: str | None
    athlete: str
    model: str | None = None
    day: str | None = None  # ISO date of the training, when the manifest says
    keep_landmarks: bool = False  # the result carries the landmarks, for saving to the athlete's record
    load_kg: float | None = None  # heel raises: kg held or worn, saved with the set (not a scoring option)
    every_frame: bool = False  # pose on every frame (--every-frame), not ten a second (vision.sampling)

    def options_key(self) -> str:
        """The options this clip is scored with, as asked (``--resume`` compares it); the athlete's record
        has its own key, of what the options resolved to (``vision.records.set_key``)."""
        key = f"{self.protocol}|{self.leg}|{self.band or ''}|{self.model or ''}"
        return key + "|every-frame" if self.every_frame else key


def _clips_under(folder: Path) -> list[Path]:
    """Videos, and anything named like one or like a picture, broken links included: each gets a row."""
    wanted = VIDEO_EXTENSIONS | STILL_EXTENSIONS
    return sorted(
        p
        for p in folder.rglob("*")
        if (p.is_file() or (p.is_symlink() and not p.exists())) and p.suffix.lower() in wanted
    )


def read_manifest_text(path: Path) -> tuple[str, str | None]:
    """The manifest's text and, when it was not UTF-8, a warning naming the encoding used."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        text = raw.decode(LEGACY_ENCODING, errors="replace")
        return text, (
            f"{shown(path.name)} is not UTF-8; read it as Windows-1252 (Excel's default). "
            "Check names with accents, or save it as 'CSV UTF-8'."
        )


def _cell(row: dict, key: str) -> str:
    return (row.get(key) or "").strip()


def _read_manifest(path: Path, defaults: dict, warnings: list[str]) -> list[dict]:
    text, warning = read_manifest_text(path)
    if warning:
        warnings.append(warning)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "path" not in fields:
        raise UsageError(
            f"{shown(path.name)}: a manifest needs a header with at least 'path' "
            f"(columns: {', '.join(sorted(MANIFEST_COLUMNS))})"
        )
    reader.fieldnames = fields
    rows = []
    for row in reader:
        if not _cell(row, "path"):
            continue  # Excel leaves blank lines at the end
        clip = Path(_cell(row, "path"))
        clip = clip if clip.is_absolute() else path.parent / clip
        day = _cell(row, "date")
        if day:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise UsageError(
                    f"{shown(path.name)}, line {reader.line_num}: date '{day}' is not a date like 2026-11-30"
                ) from None
        load = _cell(row, "load_kg")
        try:
            load_kg = float(load) if load else defaults.get("load_kg")
        except ValueError:
            raise UsageError(
                f"{shown(path.name)}, line {reader.line_num}: load_kg '{load}' is not a number of kilograms"
            ) from None
        rows.append(
            {
                "path": str(clip),
                "load_kg": load_kg,
                "athlete": _cell(row, "athlete"),
                "leg": _cell(row, "leg").lower() or defaults["leg"],
                "protocol": _cell(row, "protocol") or defaults["protocol"],
                "band": _cell(row, "band").lower() or defaults["band"],
                "day": day or None,
            }
        )
    return rows


def _entries(inputs: list[str], defaults: dict, warnings: list[str]) -> list[dict]:
    def plain(path: str) -> dict:
        return {"path": path, "athlete": "", "day": None, **defaults}

    entries: list[dict] = []
    for item in inputs:
        p = Path(item)
        if p.suffix.lower() == ".csv" and p.is_file():
            entries += _read_manifest(p, defaults, warnings)
        elif p.is_dir():
            entries += [plain(str(v)) for v in _clips_under(p)]
        elif p.exists() or p.is_symlink():
            entries.append(plain(str(p)))  # any file the user named: a bad one becomes an error row
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise UsageError(f"{shown(item)}: no such file, folder or matching glob")
            for m in matches:
                entries += [plain(str(v)) for v in _clips_under(Path(m))] if Path(m).is_dir() else [plain(m)]
    return entries


def _stem(path: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem).strip("._") or "clip"
    return stem[:MAX_STEM]


def read_result(path: Path) -> dict | None:
    """A calfcheck result JSON at ``path``, or None when the file is absent.

    Raises ``UsageError`` when a file is there that calfcheck did not write (it is never overwritten).
    """
    if not path.exists() and not path.is_symlink():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise UsageError(
            f"{shown(path)} already exists and was not written by calfcheck; "
            "choose another --out folder (calfcheck never overwrites files it did not write)"
        )
    return data


def _identity(path: str) -> str:
    return os.path.abspath(path)


def _owner(result: dict) -> str | None:
    """The clip a previous result belongs to (older results recorded only the path as given)."""
    recorded = result.get("input_path") or result.get("path")
    return _identity(recorded) if isinstance(recorded, str) else None


def _belongs_to(result: dict, path: str) -> bool:
    """Is a previous result this clip's own? The same file, or the same content moved elsewhere."""
    if _owner(result) == _identity(path):
        return True
    try:
        return result.get("input_sha256") == file_sha256(path)
    except OSError:
        return False


def _result_name(path: str, out: Path, taken: set[str]) -> str:
    """The first of ``stem.json``, ``stem-2.json``… that this run has not used and that is free in
    ``out`` or already holds this clip's own result."""
    stem, n = _stem(path), 1
    while True:
        name = f"{stem}.json" if n == 1 else f"{stem}-{n}.json"
        n += 1
        if name in taken or name in RESERVED_NAMES:
            continue
        previous = read_result(out / name)
        if previous is None or _belongs_to(previous, path):
            return name


def collect_jobs(
    inputs: list[str],
    out: Path,
    *,
    protocol: str,
    leg: str = "auto",
    band: str | None = None,
    model: str | None = None,
    warnings: list[str] | None = None,
    athlete: str | None = None,
    load_kg: float | None = None,
    every_frame: bool = False,
) -> list[ClipJob]:
    """The batch's jobs; ``warnings`` (if given) receives sentences about inputs read with a fallback.

    ``athlete`` is the record for clips whose manifest row names none; a job with an athlete carries its
    landmarks back (``keep_landmarks``) so the driver can save it.
    """
    defaults = {"protocol": protocol, "leg": leg, "band": band, "load_kg": load_kg}
    warnings = warnings if warnings is not None else []
    seen, jobs, taken = set(), [], set()
    for e in _entries(inputs, defaults, warnings):
        key = (_identity(e["path"]), e["protocol"], e["leg"], e["band"])
        if key in seen:
            continue
        seen.add(key)
        name = _result_name(e["path"], out, taken)
        taken.add(name)
        who = e["athlete"] or athlete or ""
        jobs.append(
            ClipJob(
                e["path"],
                name,
                e["protocol"],
                e["leg"],
                e["band"] or None,
                who,
                model,
                e["day"],
                bool(who),
                e["load_kg"],
                every_frame,
            )  # fmt: skip
        )
    return jobs


def already_done(job: ClipJob, out: Path) -> bool:
    """True when ``out`` holds this clip's result for the same content and settings (``--resume``)."""
    try:
        prev = read_result(out / job.result_name)
    except UsageError:
        return False
    if prev is None or prev.get("settings") != job.options_key():
        return False
    try:
        return prev.get("input_sha256") == file_sha256(job.path)
    except OSError:
        return False


def longest_first(jobs: list[ClipJob]) -> list[ClipJob]:
    """The jobs in the order to start them: longest clip first (by the container's duration, read from
    its header), so that workers finish together instead of one scoring a long clip alone at the end
    (longest-processing-time-first scheduling). The result tables keep the manifest's order."""
    return sorted(jobs, key=lambda job: _clip_seconds(job.path), reverse=True)


def _clip_seconds(path: str) -> float:
    """The clip's duration from its header, or 0 when it cannot be read (it then fails fast in its worker)."""
    import av

    try:
        with av.open(path) as container:
            if container.duration:
                return container.duration / av.time_base
            stream = container.streams.video[0]
            return float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
    except (av.error.FFmpegError, OSError, IndexError, ValueError):
        return 0.0
