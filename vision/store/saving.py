"""Saving a scored set from whichever surface scored it (CLI, batch, app), and loading it back.

Contract: ``save_session(store, athlete, session, source=..., clip=..., settings=...)`` files a scored
``Session`` with its report and compressed landmarks; the content hash is the clip file's SHA-256, or
for a live set (no file) the landmarks'. Video bytes are stored only when ``keep_video`` is set.
``stored_session(store, session_id, set_number)`` rebuilds a ``Session`` from the stored landmarks and the
protocol it was scored with, so any stored set can be re-scored or re-drawn without the video.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from vision.analysis import analyse_track
from vision.errors import ProtocolError
from vision.outputs import file_sha256
from vision.protocols import load_protocol
from vision.report import session_to_dict
from vision.store import landmarks as landmark_codec
from vision.store.database import StoreError
from vision.store.repository import SavedSet, Store
from vision.types import Leg, Session


def save_session(
    store: Store,
    athlete: str,
    session: Session,
    *,
    source: str,
    settings: str,
    clip: str | os.PathLike | None = None,
    clip_name: str | None = None,
    content_hash: str | None = None,
    keep_video: bool = False,
    performed_at: datetime | None = None,
    day: date | None = None,
) -> SavedSet:
    blob = landmark_codec.pack(session.track)
    if content_hash is None:
        content_hash = file_sha256(clip) if clip is not None else landmark_codec.digest(blob)
    video = Path(clip).read_bytes() if keep_video and clip is not None else None
    return store.save_set(
        athlete,
        session_to_dict(session),
        clip_name=clip_name or (Path(clip).name if clip is not None else session.source),
        content_hash=content_hash,
        settings=settings,
        source=source,
        landmarks=blob,
        video=video,
        performed_at=performed_at,
        day=day,
    )


def stored_session(store: Store, session_id: int, set_number: int = 1) -> Session:
    """The stored set re-scored from its landmarks under the protocol, leg and band it was saved with."""
    info = store.session(session_id)
    chosen = [s for s in info.sets if s.number == set_number]
    if not chosen:
        raise StoreError(f"session {session_id} has no set {set_number}")
    stored = chosen[0]
    blob = store.landmarks(stored.id)
    if blob is None:
        raise StoreError("this set was saved without landmarks, so it cannot be redrawn")
    track = landmark_codec.unpack(blob)
    protocol_ref = stored.settings.split("|", 1)[0] or info.protocol
    try:
        protocol = load_protocol(protocol_ref)
    except ProtocolError:  # a therapist's file that has moved: the built-in of the same id, when there is one
        protocol = load_protocol(info.protocol)
    return analyse_track(track, protocol, leg=Leg(info.leg), band=info.band, source=stored.clip_name)
