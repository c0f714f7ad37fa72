"""The one duplicate key: the same clip under the same effective settings is one set.

Contract: ``settings_key(leg, protocol, band, model)`` is what a scored set depends on besides the clip's
bytes: the leg it was scored on (resolved, never ``auto``), the protocol's content (so a protocol id and
the path of a TOML file with the same content are one setting, and an edited file is another), the band,
and the pose model file's content. Every face (CLI, batch, the app's pages) gets it from here, through
``SetToSave``; the store only compares it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from vision.outputs import file_sha256
from vision.protocols import ExerciseProtocol
from vision.types import Leg

DIGEST_CHARS = 16


def protocol_digest(protocol: ExerciseProtocol) -> str:
    content = json.dumps(dataclasses.asdict(protocol), sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:DIGEST_CHARS]


@lru_cache(maxsize=8)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(path)[:DIGEST_CHARS]


def model_digest(model: str | os.PathLike | None) -> str:
    from vision.pose import default_model_path  # the model's path only: no MediaPipe import

    path = Path(model) if model else default_model_path()
    try:
        stat = path.stat()
    except OSError:
        return path.name  # a model that cannot be read here never scored anything: name it
    return _file_digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def settings_key(leg: Leg, protocol: ExerciseProtocol, band: str | None, model: str | os.PathLike | None) -> str:
    return f"{Leg(leg).value}|{protocol.id}#{protocol_digest(protocol)}|{band or ''}|{model_digest(model)}"
