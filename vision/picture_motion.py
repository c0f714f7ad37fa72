"""How the picture itself moves: a hand-held phone's drift, tilt and zoom, and a camera that shakes as the
athlete moves.

Contract: ``PictureMotion()`` is fed every frame of one stream in order, ``motion(image, landmarks)`` (an
RGB or a grey image; the frame's landmarks (33, 4), normalised, NaN where nobody was found, or None) and
returns the 3 x 3 matrix (pixels) that carries a point fixed in the room from the last picture whose motion it
read into this one; None when it reads nothing new (the first frame, a change of size, too little background
that can be followed). ``carry(points, matrix)`` applies one to points (K, 2). One instance per stream. No I/O.

How: corners of the room outside the person (``goodFeaturesToTrack`` on the picture halved until its longer side is
at most ``WORK_SIDE``, outside the outline of every landmark the model placed, widened by ``PERSON_MARGIN``) are chosen
once, on an anchor picture, and followed from that anchor into each new frame by pyramidal Lucas-Kanade,
starting from where they were last seen. A similarity (rotation, scale and shift) is fitted to them with
RANSAC, so a shadow, a passer-by or a swinging bag is outvoted by the room. The motion from the last frame is
that fit after the inverse of the last one. A new anchor is taken only when too few of the anchor's corners
are still followed (the camera turned away, someone stood in front of the room).

Why an anchor and not frame to frame: chained frame-to-frame motions add their errors, and over a 6 s lowering
those grew into a drift of the floor that read as lift; measured from one anchor, each frame's error is its
own. It is also cheaper: the corners are chosen for texture and followed one way (RANSAC and the corners'
texture stand in for a backward check), so the motion can be read on every frame and scoring stays three times
faster than real time. (OpenCV's Python binding cannot take a pyramid built once, so each call builds both.)

Why the whole picture and not the floor by the feet: a gym's floor is often plain black rubber, and the few
pixels near the feet that can be followed there are the shoes' edges and their shadows, which rise with the
heel (tried: they took a third of each raise away). Walls, equipment and furniture hold still and have
texture. A similarity and not a homography: the shared footage's camera pitches (the clock on the wall rises
15 px in each raise, the floor by the feet 4), but a homography fitted on the walls and carried down to the
floor jumped and drifted; the similarity holds.
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_SIDE = 640  # pixels: the picture is halved until its longer side is at most this (a camera's motion is the
# same everywhere; detail is not needed)
WINDOW = (11, 11)  # Lucas-Kanade's window, working pixels (15: twice the cost, no better on the shared clips)
LEVELS = 3  # pyramid levels above the picture: a camera's shake of 15 working pixels is followed
MAX_CORNERS = 48  # corners chosen on an anchor (RANSAC needs a dozen that agree; more cost time, not accuracy)
CORNER_QUALITY = 0.01  # of the strongest corner's response: weaker ones are not followed
CORNER_SPACING = 8  # working pixels between corners: spread over the room, not bunched on one poster
EDGE_SHARE = 0.04  # of each side: no corner this close to the picture's edge (a black border, a phone's overlay
# or a letterbox stays with the picture, not the room, and a window cut by the edge is followed badly)
PERSON_MARGIN = 0.1  # of the person's size, around their outline: hair, clothes and shadows lie outside the landmarks
MIN_POINTS = 12  # corners that must agree for a motion to be read
REANCHOR_SHARE = 0.5  # a new anchor once fewer than this share of the anchor's corners fit the motion
RANSAC_PX = 1.0  # working pixels: a corner further than this from the fitted motion is an outlier
_LK = {
    "winSize": WINDOW,
    "maxLevel": LEVELS,
    "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01),
    "flags": cv2.OPTFLOW_USE_INITIAL_FLOW,
}


class PictureMotion:
    """The camera's motion of one stream, read on the background against an anchor picture."""

    def __init__(self) -> None:
        self._size: tuple[int, int] | None = None
        self._anchor: np.ndarray | None = None  # the anchor picture, working size
        self._corners = np.empty((0, 1, 2), np.float32)  # on the anchor, working pixels
        self._seen = self._corners  # where each corner was last seen
        self._last = np.eye(3)  # the anchor into the last frame read, working pixels

    def motion(self, image: np.ndarray, landmarks: np.ndarray | None) -> np.ndarray | None:
        h, w = image.shape[:2]
        grey = image if image.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
        zoom = 1.0
        while max(grey.shape) > WORK_SIDE:  # halved with a Gaussian: quick, and no aliasing for LK to chase
            grey, zoom = cv2.pyrDown(grey), zoom / 2
        grey = np.ascontiguousarray(grey)
        if self._anchor is None or self._size != (w, h):
            self._size = (w, h)
            self._reanchor(grey, landmarks)
            return None
        fitted = self._fit(grey)
        if fitted is None:
            self._reanchor(grey, landmarks)  # the motion since the last frame read is lost: start afresh
            return None
        matrix, agreeing = fitted
        step = matrix @ np.linalg.inv(self._last)
        self._last = matrix
        if agreeing < REANCHOR_SHARE * len(self._corners):
            self._reanchor(grey, landmarks)  # from this frame on, measured from this frame
        to_work = np.diag([zoom, zoom, 1.0])
        return np.linalg.inv(to_work) @ step @ to_work  # the picture's own pixels

    def _fit(self, grey: np.ndarray) -> tuple[np.ndarray, int] | None:
        """The anchor into this frame (3 x 3, working pixels) and how many corners agree with it, or None when
        too few do."""
        if len(self._corners) < MIN_POINTS:
            return None
        moved, status, _ = cv2.calcOpticalFlowPyrLK(self._anchor, grey, self._corners, self._seen.copy(), **_LK)
        found = status.ravel() == 1
        if found.sum() < MIN_POINTS:
            return None
        fitted, inliers = cv2.estimateAffinePartial2D(
            self._corners[found], moved[found], method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX
        )
        if fitted is None or inliers is None or inliers.sum() < MIN_POINTS:
            return None
        matrix = np.vstack([fitted, [0.0, 0.0, 1.0]])
        # A corner lost or off the fit starts its next search where the fit puts it, not where it wandered.
        self._seen = np.where(found[:, None, None], moved, carry(self._corners, matrix).astype(np.float32))
        return matrix, int(inliers.sum())

    def _reanchor(self, grey: np.ndarray, landmarks: np.ndarray | None) -> None:
        mask = _background_mask(grey.shape, landmarks)
        corners = cv2.goodFeaturesToTrack(grey, MAX_CORNERS, CORNER_QUALITY, CORNER_SPACING, mask=mask)
        self._anchor = grey
        self._corners = np.empty((0, 1, 2), np.float32) if corners is None else corners.astype(np.float32)
        self._seen = self._corners.copy()
        self._last = np.eye(3)


def carry(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Points (..., 2), pixels, carried by a 3 x 3 matrix of ``motion``; NaN stays NaN."""
    ones = np.ones((*points.shape[:-1], 1))
    moved = np.concatenate([points, ones], axis=-1) @ matrix.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return moved[..., :2] / moved[..., 2:]


def _background_mask(shape: tuple[int, ...], landmarks: np.ndarray | None) -> np.ndarray:
    """255 where the room is (clear of the picture's edges and of the person's widened outline), 0 elsewhere."""
    hz, wz = shape[:2]
    mask = np.zeros((hz, wz), np.uint8)
    ey, ex = int(np.ceil(EDGE_SHARE * hz)), int(np.ceil(EDGE_SHARE * wz))
    mask[ey : hz - ey, ex : wz - ex] = 255
    if landmarks is None:
        return mask
    placed = landmarks[:, :2][np.isfinite(landmarks[:, :2]).all(axis=1)] * [wz, hz]
    if len(placed) >= 3:
        # The person's outline, not their box: a body leaning on a wall with arms out has a box that fills the
        # picture, and the room lies between its corners. Widened for hair, clothes, shadows and the movement:
        # the outline's points pushed out in 16 directions, whose hull is the outline grown by ``radius`` (an
        # erosion of the mask with a disc that wide cost 9 ms, on every frame of a picture with little room).
        radius = PERSON_MARGIN * float(np.ptp(placed, axis=0).max())
        angles = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
        ring = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        grown = (placed[:, None, :] + ring[None, :, :]).reshape(-1, 2)
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(grown).astype(np.int32)), 0)
    return mask
