"""A pose track as compressed bytes for the database, and back.

Contract: ``pack(track) -> bytes`` and ``unpack(bytes) -> PoseTrack`` round-trip timestamps exactly
(float64) and landmarks to float32 precision (far below a pixel for normalised coordinates); NaN (a
missing landmark) survives. The format is NumPy's ``.npz`` (compressed, no pickling), so a stored
session can be re-scored or re-drawn years later without the video.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

from vision.store.database import StoreError
from vision.types import PoseTrack


def pack(track: PoseTrack) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        t_s=track.t_s.astype(np.float64),
        landmarks=track.landmarks.astype(np.float32),
        size=np.array([track.width, track.height], dtype=np.int64),
    )
    return buf.getvalue()


def unpack(blob: bytes) -> PoseTrack:
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            width, height = (int(v) for v in data["size"])
            return PoseTrack(data["t_s"].astype(np.float64), data["landmarks"].astype(np.float64), width, height)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise StoreError(f"the stored landmarks of this set are damaged ({type(exc).__name__})") from None


def digest(blob: bytes) -> str:
    """A content hash for a set with no clip behind it (live): the same landmarks are the same set."""
    import hashlib

    return hashlib.sha256(blob).hexdigest()
