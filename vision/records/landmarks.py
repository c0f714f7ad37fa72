"""A pose track as compressed bytes for the database, and back.

Contract: ``pack(track) -> bytes`` and ``unpack(bytes) -> PoseTrack`` round-trip timestamps exactly
(float64) and landmarks and followed points to float32 precision (far below a pixel for normalised
coordinates); NaN (a missing landmark) survives. A set stored before calfcheck followed pixels has no
followed points and unpacks with ``followed`` None; one stored before the floor was followed unpacks with the
floor unknown (``with_floor``). The format is NumPy's ``.npz`` (compressed, no
pickling), so a stored session can be re-scored or re-drawn years later without the video.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

from vision.store.database import StoreError
from vision.types import HEEL_TOE_SHAPE, PoseTrack


def pack(track: PoseTrack) -> bytes:
    buf = io.BytesIO()
    arrays = {
        "t_s": track.t_s.astype(np.float64),
        "landmarks": track.landmarks.astype(np.float32),
        "size": np.array([track.width, track.height], dtype=np.int64),
    }
    if track.followed is not None:
        arrays["followed"] = track.followed.astype(np.float32)
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def unpack(blob: bytes) -> PoseTrack:
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            width, height = (int(v) for v in data["size"])
            followed = with_floor(data["followed"].astype(np.float64)) if "followed" in data.files else None
            t_s, landmarks = data["t_s"].astype(np.float64), data["landmarks"].astype(np.float64)
            return PoseTrack(t_s, landmarks, width, height, followed)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise StoreError(f"the stored landmarks of this set are damaged ({type(exc).__name__})") from None


def with_floor(followed: np.ndarray) -> np.ndarray:
    """Followed points as stored before the floor was followed (heel and toe only) gain an unknown floor (NaN):
    their heel lift is read against the toes, as when they were scored."""
    if followed.shape[1:] != HEEL_TOE_SHAPE:
        return followed
    floor = np.full((*followed.shape[:-2], 1, 2), np.nan)
    return np.concatenate([followed, floor], axis=-2)


def digest(blob: bytes) -> str:
    """A content hash for a set with no clip behind it (live): the same landmarks are the same set."""
    import hashlib

    return hashlib.sha256(blob).hexdigest()
