"""Which frames of a recorded clip the pose model sees, and the landmarks of the frames it does not.

Contract: ``PoseSchedule(interval_s)`` is asked, frame by frame in time order, ``due(t_s)``: True when the
pose model should run on that frame (the first frame, then each frame at least ``interval_s`` after the last
one it ran on; ``interval_s`` 0 means every frame). ``fill_between(track, posed)`` returns the track with
the landmarks of every frame not posed replaced by the straight line in time between the posed frames on
either side (held after the last one), and so is the floor under each foot (``FLOOR`` of the followed points:
the room's motion is read only on the posed frames, ``vision.keypoint_flow``); the followed heel and toe are
left as they were. Time comes from the timestamps, so a variable frame rate is sampled evenly in time.

Why this is enough to time reps: what times the phases is the heel and the toes, and those are followed by
their own pixels on every frame (``vision.keypoint_flow``), posed or not. The pose model places them and
the shank they are measured against; a shank moves slowly and the model smooths it over several frames
anyway, so ten poses a second carry it, and the model's share of the time (about five sixths of scoring a
clip) falls to a third of what it was. The live page keeps posing every frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from vision.types import FLOOR, PoseTrack

FAST_POSE_INTERVAL_S = 0.1  # ten poses a second: the default for recorded clips (--every-frame: every one)
TIME_SLACK = 0.25  # of a frame: a frame this close to the interval counts as due (timestamps are rounded)


@dataclass
class PoseSchedule:
    interval_s: float = FAST_POSE_INTERVAL_S
    _last_t: float = field(default=-math.inf, init=False)
    _frame_dt: float = field(default=0.0, init=False)
    _prev_t: float | None = field(default=None, init=False)

    def due(self, t_s: float) -> bool:
        if self._prev_t is not None:
            self._frame_dt = t_s - self._prev_t
        self._prev_t = t_s
        if self.interval_s <= 0 or t_s - self._last_t >= self.interval_s - TIME_SLACK * self._frame_dt:
            self._last_t = t_s
            return True
        return False


def fill_between(track: PoseTrack, posed: np.ndarray) -> PoseTrack:
    """``track`` with the landmarks of the frames not ``posed`` interpolated in time from the posed ones
    (see the module's contract). A landmark missing on either side stays missing."""
    posed = np.asarray(posed, dtype=bool)
    if posed.all() or not posed.any():
        return track
    t = track.t_s
    at = np.flatnonzero(posed)
    landmarks = track.landmarks.copy()
    gaps = np.flatnonzero(~posed)
    after = np.searchsorted(at, gaps)  # index into ``at`` of the next posed frame
    before = np.maximum(after - 1, 0)
    inside = (after < at.size) & (gaps > at[0])
    i0, i1 = at[before[inside]], at[after[inside]]
    w = ((t[gaps[inside]] - t[i0]) / (t[i1] - t[i0]))[:, None, None]
    landmarks[gaps[inside]] = (1 - w) * track.landmarks[i0] + w * track.landmarks[i1]  # NaN either side: NaN
    held = gaps[~inside]
    landmarks[held] = track.landmarks[at[np.clip(np.searchsorted(at, held) - 1, 0, at.size - 1)]]
    followed = track.followed
    if followed is not None:
        # The floor as it was held after each posed frame is replaced like a landmark; a camera that dips
        # with each raise would otherwise move the floor in steps, and the steps fall on the phases' edges.
        followed = followed.copy()
        floor = followed[:, :, FLOOR]  # a view: (frames, legs, xy)
        floor[gaps[inside]] = (1 - w) * floor[i0] + w * floor[i1]
    return replace(track, landmarks=landmarks, followed=followed)
