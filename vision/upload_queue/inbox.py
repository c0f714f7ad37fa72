"""Where a clinic server keeps uploaded clips until a worker has scored them, and what each upload's state is.

Contract (plain files, so a worker on another machine sharing the folder sees the same thing):
- ``Inbox(root)``: ``root`` is the server's data folder's ``uploads`` (``default_inbox()``), private (0700).
  Each upload is ``root/<owner>/<upload id>/``: ``clip<.ext>`` (the bytes as sent), ``request.json``
  (``UploadRequest``: who sent it, what to score it as, the training day) and ``status.json`` (``UploadStatus``).
  ``<owner>`` is the sender's own folder name (the page passes the logged-in user's), so one athlete's page
  never lists another's uploads.
- ``put(owner, name, chunks, request)`` writes the clip from an iterable of byte chunks (never the whole clip
  in one piece) and the request, each atomically, and only then makes the upload visible (the folder is renamed
  into place): a crash never leaves half an upload for a worker to pick up. ``begin(owner, name)`` is the same
  in steps, for a writer that gets its pieces from elsewhere (the streaming upload endpoint):
  ``Incoming.write(piece)`` as they come, then ``commit(request)`` (visible whole) or ``abort()`` (nothing left).
- ``status(ref)`` reads the state: ``queued`` until a worker says otherwise; ``set_status`` writes it
  atomically. ``finish(ref, status)`` writes the final state, then deletes the clip: the records keep
  landmarks, not video.
- ``listing(owner)`` is the owner's uploads, newest first; ``sweep`` deletes finished uploads' folders after
  ``KEEP_FINISHED_S`` (the state text holds advice: health data is not kept for long). A queued clip is never
  swept: it waits for a worker however long.
Upload references (``owner/upload id``) are checked to name a folder inside ``root`` and nothing else.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import platformdirs

from vision.outputs import write_atomic

KEEP_FINISHED_S = 7 * 24 * 3600
_REF = re.compile(r"^[0-9a-z_-]{1,64}/[0-9a-f]{32}$")
_OWNER = re.compile(r"^[0-9a-z_-]{1,64}$")
CLIP_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".webm")  # what the pages accept


def default_inbox() -> Path:
    """``<the server's data folder>/uploads`` (``CALFCHECK_INBOX`` to put it elsewhere, e.g. a shared disk)."""
    named = os.environ.get("CALFCHECK_INBOX")
    return Path(named) if named else Path(platformdirs.user_data_dir("calfcheck", appauthor=False)) / "uploads"


class State(StrEnum):
    QUEUED = "queued"
    SCORING = "scoring"
    DONE = "done"  # saved to the athlete's record
    REFUSED = "refused"  # the quality gate: this clip cannot be judged (its sentence in ``message``)
    FAILED = "failed"  # unreadable clip, no reps, or the records said no: ``message`` says which

    @property
    def finished(self) -> bool:
        return self in (State.DONE, State.REFUSED, State.FAILED)


@dataclass(frozen=True)
class UploadRequest:
    user_id: int  # the clinic's user who sent it (the worker saves as them, through the records service)
    user_key: str  # their login's issuer and subject (``Actor.key``)
    clip_name: str  # the name the athlete's phone gave the file, shown back to them
    protocol: str  # a protocol reference (id, with a tempo variant if prescribed)
    leg: str | None  # left | right | None (auto)
    band: str | None
    day: str  # ISO date: the training day the set is filed under, whenever it is scored
    sent_at: float


@dataclass(frozen=True)
class UploadStatus:
    state: State
    message: str = ""  # the save's message, the quality gate's sentence, or why it failed
    advice: str = ""  # the programme's advice for the next session (done only)
    reps: int | None = None
    updated_at: float = 0.0
    worker: str = ""  # host:pid of the worker scoring it (for the operator)


@dataclass(frozen=True)
class Upload:
    ref: str  # owner/upload id: what a job carries
    request: UploadRequest
    status: UploadStatus


def safe_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if suffix in CLIP_SUFFIXES else ".mp4"


class Incoming:
    """One upload being written (``Inbox.begin``): its pieces go straight to disk as they come."""

    def __init__(self, folder: Path, upload_id: str, staging: Path, out) -> None:
        self._folder, self._id, self._staging, self._out = folder, upload_id, staging, out
        self.size = 0

    def write(self, piece: bytes) -> None:
        self._out.write(piece)
        self.size += len(piece)

    def commit(self, request: UploadRequest) -> str:
        """The clip flushed to disk and the request written, then the folder renamed into place: the upload is
        visible whole, or (on any error, after which nothing is left) not at all. Returns its reference."""
        try:
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            write_atomic(self._staging / "request.json", json.dumps(asdict(request)))
            os.replace(self._staging, self._folder / self._id)
        except BaseException:
            self.abort()
            raise
        return f"{self._folder.name}/{self._id}"

    def abort(self) -> None:
        """Nothing of this upload is left (safe to call twice, or after a failed commit)."""
        self._out.close()
        shutil.rmtree(self._staging, ignore_errors=True)


class Inbox:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_inbox()

    def folder(self, ref: str) -> Path:
        if not _REF.match(ref):
            raise ValueError(f"not an upload reference: {ref!r}")
        return self.root / ref

    def clip(self, ref: str) -> Path | None:
        found = sorted(self.folder(ref).glob("clip.*"))
        return found[0] if found else None

    def put(self, owner: str, name: str, chunks: Iterable[bytes], request: UploadRequest) -> str:
        incoming = self.begin(owner, name)
        try:
            for chunk in chunks:
                incoming.write(chunk)
            return incoming.commit(request)
        except BaseException:
            incoming.abort()
            raise

    def begin(self, owner: str, name: str) -> Incoming:
        """A new upload being written, invisible (``.incoming-<id>``) until ``commit``."""
        if not _OWNER.match(owner):
            raise ValueError(f"not an owner folder: {owner!r}")
        for folder in (self.root, self.root / owner):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
        upload_id = uuid.uuid4().hex
        staging = self.root / owner / f".incoming-{upload_id}"
        staging.mkdir(mode=0o700)
        try:
            out = open(staging / f"clip{safe_suffix(name)}", "wb")  # noqa: SIM115 - closed by commit or abort
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return Incoming(self.root / owner, upload_id, staging, out)

    def request(self, ref: str) -> UploadRequest:
        return UploadRequest(**json.loads((self.folder(ref) / "request.json").read_text()))

    def status(self, ref: str) -> UploadStatus:
        try:
            data = json.loads((self.folder(ref) / "status.json").read_text())
        except FileNotFoundError:
            return UploadStatus(State.QUEUED)
        return UploadStatus(**{**data, "state": State(data["state"])})

    def set_status(self, ref: str, status: UploadStatus) -> None:
        data = {**asdict(status), "state": status.state.value, "updated_at": time.time()}
        write_atomic(self.folder(ref) / "status.json", json.dumps(data))

    def finish(self, ref: str, status: UploadStatus) -> None:
        """The final state first, then the clip goes: a worker killed in between finds the state written and
        only deletes the clip."""
        self.set_status(ref, status)
        self.drop_clip(ref)

    def drop_clip(self, ref: str) -> None:
        for clip in self.folder(ref).glob("clip.*"):
            clip.unlink(missing_ok=True)

    def forget(self, ref: str) -> None:
        shutil.rmtree(self.folder(ref), ignore_errors=True)

    def listing(self, owner: str) -> list[Upload]:
        folder = self.root / owner
        found = []
        for path in folder.iterdir() if folder.is_dir() else ():
            ref = f"{owner}/{path.name}"
            if not _REF.match(ref):
                continue  # an upload still being written (.incoming-…)
            try:
                found.append(Upload(ref, self.request(ref), self.status(ref)))
            except (OSError, ValueError, TypeError, KeyError):
                continue  # a folder from an older calfcheck, or half a disk: not listed
        return sorted(found, key=lambda u: u.request.sent_at, reverse=True)

    def sweep(self, owner: str, now: float | None = None) -> int:
        now = time.time() if now is None else now
        gone = 0
        for upload in self.listing(owner):
            if upload.status.state.finished and now - upload.status.updated_at > KEEP_FINISHED_S:
                self.forget(upload.ref)
                gone += 1
        return gone
