"""Where results are written, checked before any work, and written so that nothing is lost.

Contract:
- ``OutputTarget.prepare(path, inputs=...)`` looks at a path the user gave *before* anything is scored
  and raises ``OutputError`` (one sentence naming the user's path) when it cannot or must not be
  written: a folder, the input clip itself, a database (any SQLite file or its write-ahead log, known by
  its header: a report written over it would wipe every athlete), a missing folder, a folder that cannot
  be written, a read-only file system. ``-`` means standard output.
- ``target.write(data)``: a regular file (or a new path) is replaced atomically — a temporary file with a
  short name in the same folder, then a rename — so a crash never leaves half a result and a long but
  legal file name never overflows. A symbolic link is followed: its target is replaced, the link stays.
  A device or a FIFO (``/dev/stdout``, ``/dev/null``, a pipe) is written directly, never replaced.
- ``write_atomic(path, data)`` is the same for paths the program chose itself.
- ``file_sha256(path)``: a clip's content hash, its identity for ``--resume`` and for saving a set once.
Text is encoded as UTF-8, with undecodable bytes from file names written back as they came
(``surrogateescape``), so every name the OS gives round-trips.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vision.errors import OutputError

STDOUT = "-"
SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")  # big- and little-endian checksums


def is_database_file(path: str | os.PathLike) -> bool:
    """An SQLite database, or its write-ahead log, by the first bytes (whatever the file is called)."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return head == SQLITE_HEADER or head[:4] in SQLITE_WAL_MAGIC


def encode_text(data: str | bytes) -> bytes:
    return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data


def shown(path: str | os.PathLike) -> str:
    """A path as a user can read it (undecodable bytes shown as �)."""
    return os.fsencode(os.fspath(path)).decode("utf-8", "replace")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


@dataclass(frozen=True)
class OutputTarget:
    given: str  # what the user typed, for messages
    path: Path | None  # None: standard output
    special: bool  # an existing device, FIFO or socket: written in place

    @classmethod
    def prepare(cls, given: str | os.PathLike, *, inputs: tuple[str | os.PathLike, ...] = ()) -> OutputTarget:
        given = os.fspath(given)
        if given == STDOUT:
            return cls(given, None, False)
        path = Path(given)
        if path.is_symlink():
            path = Path(os.path.realpath(path))  # write through the link, keep the link
        for clip in inputs:
            if _same_file(path, Path(clip)) or os.path.realpath(path) == os.path.realpath(clip):
                raise OutputError(f"{shown(given)} is the input clip itself; choose another name for the result")
        if path.exists():
            mode = path.stat().st_mode
            if stat.S_ISDIR(mode):
                raise OutputError(f"{shown(given)} is a folder; give a file name for the result")
            if not stat.S_ISREG(mode):
                return cls(given, path, True)
            if is_database_file(path):
                raise OutputError(f"{shown(given)} is a database; choose another name for the result")
            if not os.access(path, os.W_OK):
                raise OutputError(f"{shown(given)} cannot be written (permission denied)")
        if not path.parent.is_dir():
            raise OutputError(f"{shown(given)} cannot be written: the folder {shown(path.parent)} does not exist")
        probe_folder(path.parent, shown_as=given)
        return cls(given, path, False)

    def write(self, data: str | bytes) -> None:
        raw = encode_text(data)
        if self.path is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
        elif self.special:
            try:
                with open(self.path, "wb") as f:
                    f.write(raw)
            except OSError as exc:
                raise OutputError(f"{shown(self.given)} could not be written ({exc.strerror or exc})") from None
        else:
            try:
                write_atomic(self.path, raw)
            except OSError as exc:
                raise OutputError(f"{shown(self.given)} could not be written ({exc.strerror or exc})") from None


def probe_folder(folder: Path, *, shown_as: str | os.PathLike | None = None) -> None:
    """Create ``folder`` if needed (a batch's output folder) and prove a file can be made in it.

    ``OutputError`` names the user's path and the reason."""
    label = shown(shown_as if shown_as is not None else folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".calfcheck-", suffix=".probe")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{label} cannot be written: {reason.lower()} in {shown(folder) or '.'}") from None


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Replace ``path`` (a regular file or a new name) all at once; the temporary name is short."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".calfcheck-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(encode_text(data))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_sha256(path: str | os.PathLike) -> str:
    """A file's content hash: the identity of a clip wherever it is moved or however it is named."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
