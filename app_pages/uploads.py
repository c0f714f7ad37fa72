"""Where the review page keeps uploaded clips while they are being looked at, and when they go.

Contract (plain Python, no streamlit, so it is tested directly):
- ``UploadStore(root).save(name, data) -> StoredClip``: the clip lands in ``root/<sha256[:16]>/<name>``,
  under the user's own file name (sanitised), so every message about it names what the user uploaded.
  The same content is stored once. ``root`` is private to this user (mode 0700).
- ``sweep(max_age_s)`` deletes stored clips (and their annotated renders) not used for that long; the
  page calls it on every run, so uploads never pile up in the temp folder. Video is kept only while it is
  being reviewed: what calfcheck keeps is landmarks and reports, not footage.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from vision.outputs import write_atomic

DEFAULT_ROOT = Path(tempfile.gettempdir()) / f"calfcheck-uploads-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
MAX_AGE_S = 2 * 3600  # an upload not touched for two hours is deleted


@dataclass(frozen=True)
class StoredClip:
    path: Path
    digest: str
    name: str  # the user's file name, as shown in messages

    @property
    def folder(self) -> Path:
        return self.path.parent


def safe_name(name: str) -> str:
    """The user's file name without folders or characters a file system may refuse."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[\x00-\x1f/]+", "_", base).strip(" .") or "clip.mp4"
    stem, suffix = os.path.splitext(cleaned)
    return stem[:120] + (suffix.lower()[:8] or ".mp4")


class UploadStore:
    def __init__(self, root: Path = DEFAULT_ROOT) -> None:
        self.root = root

    def _ensure_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def save(self, name: str, data: bytes) -> StoredClip:
        self._ensure_root()
        digest = hashlib.sha256(data).hexdigest()
        folder = self.root / digest[:16]
        path = folder / safe_name(name)
        if not path.exists():
            write_atomic(path, data)
        os.utime(folder)  # in use: the sweep measures age from here
        return StoredClip(path, digest, path.name)

    def touch(self, clip: StoredClip) -> None:
        if clip.folder.exists():
            os.utime(clip.folder)

    def sweep(self, max_age_s: float = MAX_AGE_S, now: float | None = None) -> int:
        """Delete uploads idle for ``max_age_s``; returns how many went."""
        if not self.root.is_dir():
            return 0
        now = time.time() if now is None else now
        removed = 0
        for folder in self.root.iterdir():
            try:
                idle = now - folder.stat().st_mtime
            except OSError:
                continue
            if folder.is_dir() and idle > max_age_s:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
