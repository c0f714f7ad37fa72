"""An independent trace of the heel on real footage, to check calfcheck's signal against.

Contract: ``heel_trace(clip, track, leg, above="floor") -> (t, lift)`` follows the heel, the toes and a patch of
floor ahead of the toes through the clip with *dense* optical flow (OpenCV's Farneback, every pixel of a box,
its median), a different method from the product's sparse Lucas-Kanade in ``vision.keypoint_flow``, placed once
from the pose model's first good frame and never corrected by it again, and returns the heel's height above the
floor (``above="toe"``: above the toes) in shank lengths. It is what a person would do with a tracking tool by
hand: put a box on the heel and one on the floor, and let them ride.
``phase_durations(t, lift)`` reads that trace's reps with the product's own edge rules, so what is compared is
the signal, not the rules. Used by ``bench_heel_trace.py`` and ``tests/test_end_to_end.py``; never shipped
in ``vision/``.
"""

from __future__ import annotations

import cv2
import numpy as np

from vision.skeleton import LEG_POINTS
from vision.types import Leg, PoseTrack
from vision.video import iter_frames

BOX_SHARE = 0.07  # of the shank: half the side of each box


def _boxes(knee, ankle, heel, toe) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    shank = float(np.hypot(*(knee - ankle)))
    foot, up = toe - heel, ankle - heel
    floor = toe + 0.45 * foot - 0.1 * up  # ahead of the toes, a little below the sole's line
    return heel + 0.15 * foot + 0.25 * up, toe - 0.08 * foot + 0.08 * up, floor, shank


def heel_trace(clip, track: PoseTrack, leg: Leg, above: str = "floor") -> tuple[np.ndarray, np.ndarray]:
    idx = list(LEG_POINTS[leg])
    pts = track.landmarks[:, idx, :2] * [track.width, track.height]
    good = np.flatnonzero(np.isfinite(pts).all(axis=(1, 2)) & (track.landmarks[:, idx, 3] >= 0.5).all(axis=1))
    first = int(good[0])
    heel_box, toe_box, floor_box, shank = _boxes(*pts[first])
    base_box = floor_box if above == "floor" else toe_box
    half = max(3, int(round(BOX_SHARE * shank)))
    # Flow is computed in a fixed region around the feet (a shank either way), not the whole picture.
    lo = np.maximum(np.floor(np.minimum(heel_box, base_box) - shank).astype(int), 0)
    hi = np.minimum(np.ceil(np.maximum(heel_box, base_box) + shank).astype(int), [track.width, track.height])
    heel_box, base_box = heel_box - lo, base_box - lo
    t_out, lift, prev = [], [], None
    height = 0.0
    for i, frame in enumerate(iter_frames(clip)):
        grey = cv2.cvtColor(np.ascontiguousarray(frame.image[lo[1] : hi[1], lo[0] : hi[0]]), cv2.COLOR_RGB2GRAY)
        if i >= first and prev is not None:
            flow = cv2.calcOpticalFlowFarneback(prev, grey, None, 0.5, 3, 15, 3, 5, 1.2, 0)
            moves = []
            for box in (heel_box, base_box):
                x, y = int(round(box[0])), int(round(box[1]))
                patch = flow[max(0, y - half) : y + half + 1, max(0, x - half) : x + half + 1].reshape(-1, 2)
                moves.append(np.median(patch, axis=0) if patch.size else np.zeros(2))
            heel_box, base_box = heel_box + moves[0], base_box + moves[1]
            height += -(moves[0][1] - moves[1][1]) / shank  # image y grows downwards
        if i >= first:
            t_out.append(frame.t_s)
            lift.append(height)
        prev = grey
    return np.asarray(t_out), np.asarray(lift)


def phase_durations(t: np.ndarray, lift: np.ndarray):
    """The reps of a heel-height trace, found and timed by the product's tracker and edge rules."""
    from vision.analysis import track_reps
    from vision.filters import zero_phase_lowpass
    from vision.protocols import load_protocol

    return track_reps(t, zero_phase_lowpass(t, lift, 8.0), load_protocol("heel-raise")).reps
