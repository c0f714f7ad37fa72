"""Scored sets a save could not file (the database locked, full or gone), kept until they are saved.

Contract: ``keep_unsaved(item, athlete, day, source="cli", folder=None) -> Path`` writes the ``SetToSave``
with the athlete's name, the training day and where it was scored (cli, upload, live, batch) to
``<folder>/unsaved-<day>-<hash>.json`` (whole or not at all; the folder private to this user, 0700, the
file 0600) and returns the path, for the user to be told; ``read_unsaved(path)`` gives back
``UnsavedSet`` (athlete, day, source, item) for ``calfcheck save PATH`` to file it later. The default
folder is beside the default database, in the user's data folder: health data stays private.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import platformdirs

from vision.errors import CalfcheckError
from vision.outputs import write_atomic
from vision.records.set_to_save import SetToSave

FORMAT = "calfcheck.unsaved/1"


def unsaved_folder() -> Path:
    return Path(platformdirs.user_data_dir("calfcheck", appauthor=False)) / "unsaved"


@dataclass(frozen=True)
class UnsavedSet:
    athlete: str
    day: date | None
    source: str
    item: SetToSave


def keep_unsaved(
    item: SetToSave, athlete: str, day: date | None, source: str = "cli", folder: Path | None = None
) -> Path:
    folder = folder or unsaved_folder()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # health data: only this user
    path = folder / f"unsaved-{(day or date.today()).isoformat()}-{item.content_hash[:16]}.json"
    day_text = day.isoformat() if day else None
    data = {"format": FORMAT, "athlete": athlete, "day": day_text, "source": source, "set": item.to_draft()}
    write_atomic(path, json.dumps(data))
    os.chmod(path, 0o600)
    return path


def read_unsaved(path: str | os.PathLike) -> UnsavedSet:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError("not a kept set")
        day = date.fromisoformat(data["day"]) if data.get("day") else None
        source = str(data.get("source") or "cli")
        return UnsavedSet(str(data["athlete"]), day, source, SetToSave.from_draft(data["set"]))
    except OSError as exc:
        raise CalfcheckError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError):
        raise CalfcheckError(f"{path} is not a scored set kept by calfcheck") from None
