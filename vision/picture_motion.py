"""How the picture itself moves from frame to frame: a hand-held phone's drift, tilt and zoom.

Contract: ``PictureMotion()`` is fed every frame of one stream in order, ``motion(image, landmarks)`` (an RGB
or a grey image; the frame's landmarks (33, 4), normalised, NaN where nobody was found) and returns the 3 x 3
homography (pixels) that carries a point fixed in the room from the last frame's picture into this one; None
when it cannot be read (the first frame, a change of size, too little background that can be followed).
``carry(points, homography)`` applies one to points (K, 2). One instance per stream. No I/O.

How: a grid of points over the picture (scaled down to ``WORK_WIDTH`` wide: a camera's motion is the same
everywhere, detail is not needed) outside the person (the box of every landmark the model placed, widened by
``PERSON_MARGIN``) is followed by pyramidal Lucas-Kanade, forwards and backwards; a homography is fitted to
the points that agree, with RANSAC, so that a shadow, a passer-by or a swinging bag is outvoted by the room.
A homography, not a shift or a similarity: a hand-held phone mostly turns, and a turning camera moves near
things and far things alike but the top of the picture more than the bottom when it pitches (measured on
the shared footage: the clock on the wall rose 15 px while the floor by the feet rose 4), which is exactly a
homography whatever the depth of the room.

Why the whole picture and not the floor by the feet: a gym's floor is often plain black rubber, and the few
pixels near the feet that can be followed there are the shoes' edges and their shadows, which rise with the
heel (tried: they took a third of each raise away). Walls, equipment and furniture hold still and have texture.
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_WIDTH = 320  # pixels: the picture is followed at this width
GRID = (12, 16)  # rows, columns of background points
PERSON_MARGIN = 0.15  # of the person's box, each side: hair, clothes and shadows lie a little outside the landmarks
MIN_POINTS = 12  # background points that must agree for a motion to be read
MIN_INLIERS = 0.5  # share of those the fitted motion must explain
FB_TOLERANCE_PX = 0.5  # forward-backward error (working pixels) above which a point is not trusted
RANSAC_PX = 1.0  # working pixels: a point further than this from the fitted motion is an outlier
_LK = {"winSize": (15, 15), "maxLevel": 3, "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)}


class PictureMotion:
    """The camera's motion between consecutive frames of one stream, read on the background."""

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self._prev_size: tuple[int, int] | None = None

    def motion(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray | None:
        h, w = image.shape[:2]
        zoom = min(1.0, WORK_WIDTH / w)
        grey = image if image.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
        if zoom < 1.0:
            grey = cv2.resize(grey, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_AREA)
        grey = np.ascontiguousarray(grey)
        prev, prev_size = self._prev, self._prev_size
        self._prev, self._prev_size = grey, (w, h)
        if prev is None or prev_size != (w, h):
            return None
        points = _background_grid(grey.shape, landmarks)
        if len(points) < MIN_POINTS:
            return None
        moved, st1, _ = cv2.calcOpticalFlowPyrLK(prev, grey, points.reshape(-1, 1, 2), None, **_LK)
        back, st2, _ = cv2.calcOpticalFlowPyrLK(grey, prev, moved, None, **_LK)
        moved, back = moved.reshape(-1, 2), back.reshape(-1, 2)
        agree = (st1.ravel() == 1) & (st2.ravel() == 1) & (np.hypot(*(back - points).T) < FB_TOLERANCE_PX)
        if agree.sum() < MIN_POINTS:
            return None
        fitted, inliers = cv2.estimateAffinePartial2D(
            points[agree], moved[agree], method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX
        )
        if fitted is None or inliers is None or inliers.sum() < max(MIN_POINTS, MIN_INLIERS * agree.sum()):
            return None
        to_work = np.diag([zoom, zoom, 1.0])
        return np.linalg.inv(to_work) @ np.vstack([fitted, [0.0, 0.0, 1.0]]) @ to_work  # the picture's own pixels


def carry(points: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """Points (K, 2), pixels, carried by a homography; NaN stays NaN."""
    ones = np.ones((*points.shape[:-1], 1))
    moved = np.concatenate([points, ones], axis=-1) @ homography.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return moved[..., :2] / moved[..., 2:]


def _background_grid(shape: tuple[int, ...], landmarks: np.ndarray) -> np.ndarray:
    """Grid points (K, 2), float32 working pixels, inside the picture and outside the person's widened box."""
    hz, wz = shape[:2]
    rows, cols = GRID
    ys = (np.arange(rows) + 0.5) * hz / rows
    xs = (np.arange(cols) + 0.5) * wz / cols
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    placed = landmarks[:, :2][np.isfinite(landmarks[:, :2]).all(axis=1)] * [wz, hz]
    if len(placed):
        lo, hi = placed.min(axis=0), placed.max(axis=0)
        pad = PERSON_MARGIN * (hi - lo) + 0.02 * np.array([wz, hz])
        inside = ((grid >= lo - pad) & (grid <= hi + pad)).all(axis=1)
        grid = grid[~inside]
    return grid.astype(np.float32)
