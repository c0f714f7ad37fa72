"""Is the athlete settled in position? Camera cuts, walking and turning away, from the landmarks alone.

Contract: ``unsettled(track) -> np.ndarray`` (bool per frame) is True where the body travels: its centre
(hips, shoulders and knees, whichever are visible) moves more than ``MAX_TRAVEL_SHANKS`` shank lengths
between the second before and the second after the frame. A rep is a movement of the foot against a
still body; when the whole body moves — a camera cut (every landmark jumps at once), the athlete walking
in or out, turning away — the foot's angle swings for reasons that are not reps. The analysis abandons
the rep in progress where such a stretch begins and learns the rest level again after it.
Distances are in shank lengths (knee to ankle, the clip's median), so they do not depend on how far
away the camera is. ``SceneWatch`` is the same rule for a live camera, one frame at a time: it compares
the last ``WINDOW_S`` with the ``WINDOW_S`` before it, so it sees the travel half a second late. Pure numpy.
"""

from __future__ import annotations

import warnings
from collections import deque

import numpy as np

from vision.skeleton import LEFT_HIP, LEFT_KNEE, LEFT_SHOULDER, LEG_POINTS, RIGHT_HIP, RIGHT_KNEE, RIGHT_SHOULDER
from vision.types import Leg, PoseTrack

BODY_POINTS = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP, LEFT_KNEE, RIGHT_KNEE)
WINDOW_S = 0.5  # the body's position is averaged over this long on each side of a frame
# A heel raise lifts the hips by a fraction of a shank; a step of walking moves them about two shank
# lengths a second; a camera cut moves everything at once.
MAX_TRAVEL_SHANKS = 0.6
MIN_VISIBILITY = 0.5


def shank_length_px(track: PoseTrack) -> float:
    """The median knee-to-ankle distance of both legs over the clip, in pixels (NaN when never seen)."""
    scale = np.array([track.width, track.height], dtype=float)
    lengths = []
    for leg in Leg:
        knee, ankle = LEG_POINTS[leg][0], LEG_POINTS[leg][1]
        d = (track.landmarks[:, knee, :2] - track.landmarks[:, ankle, :2]) * scale
        lengths.append(np.linalg.norm(d, axis=1))
    values = np.concatenate(lengths)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else float("nan")


def body_centre_px(track: PoseTrack) -> np.ndarray:
    """(N, 2) mean pixel position of the visible body points per frame (NaN when none is visible)."""
    pts = track.landmarks[:, list(BODY_POINTS), :]
    xy = pts[..., :2] * np.array([track.width, track.height], dtype=float)
    xy = np.where((pts[..., 3] >= MIN_VISIBILITY)[..., None], xy, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames with no body point: NaN is the answer
        return np.nanmean(xy, axis=1)


def unsettled(track: PoseTrack) -> np.ndarray:
    n = len(track)
    out = np.zeros(n, dtype=bool)
    shank = shank_length_px(track)
    if n < 3 or not np.isfinite(shank) or shank <= 0:
        return out
    centre = body_centre_px(track)
    t = track.t_s
    ok = np.isfinite(centre[:, 0])
    # Window means by cumulative sums over the finite samples: O(N) for any window.
    csum = np.vstack([[0.0, 0.0], np.cumsum(np.where(ok[:, None], centre, 0.0), axis=0)])
    ccount = np.concatenate([[0], np.cumsum(ok)])
    lo_before = np.searchsorted(t, t - WINDOW_S, side="left")
    hi_after = np.searchsorted(t, t + WINDOW_S, side="right")
    idx = np.arange(n)
    before_n = ccount[idx] - ccount[lo_before]
    after_n = ccount[hi_after] - ccount[idx + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        before = (csum[idx] - csum[lo_before]) / before_n[:, None]
        after = (csum[hi_after] - csum[idx + 1]) / after_n[:, None]
        travel = np.linalg.norm(after - before, axis=1) / shank
    out[(before_n > 0) & (after_n > 0) & (travel > MAX_TRAVEL_SHANKS)] = True
    return out


class SceneWatch:
    """``unsettled`` for a live camera: ``update(t, landmarks, width, height)`` says whether the body has
    travelled more than ``MAX_TRAVEL_SHANKS`` between the previous ``WINDOW_S`` and the last one."""

    def __init__(self) -> None:
        self._recent: deque[tuple[float, np.ndarray, float]] = deque()  # (t, centre px, shank px)

    def update(self, t: float, landmarks: np.ndarray, width: int, height: int) -> bool:
        one = PoseTrack(np.array([t]), landmarks[None], width, height)
        centre = body_centre_px(one)[0]
        shank = shank_length_px(one)
        if np.isfinite(centre).all():
            self._recent.append((t, centre, shank))
        while self._recent and self._recent[0][0] < t - 2 * WINDOW_S:
            self._recent.popleft()
        before = [c for tt, c, _ in self._recent if tt < t - WINDOW_S]
        after = [c for tt, c, _ in self._recent if tt >= t - WINDOW_S]
        shanks = [s for _, _, s in self._recent if np.isfinite(s)]
        if not before or not after or not shanks:
            return False
        travel = float(np.linalg.norm(np.mean(after, axis=0) - np.mean(before, axis=0))) / float(np.median(shanks))
        return travel > MAX_TRAVEL_SHANKS
