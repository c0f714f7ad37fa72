"""Following the heel and the toes by their own pixels: the pose model places them, the pixels move them.

Contract: ``KeypointFlow()`` is fed every frame of one stream in order, ``follow(image, t_s, landmarks)``
(an RGB or a grey image; only brightness is followed; ``read_motion``: whether to read the picture's motion),
and returns the heel, the toe and the floor under the toes of both legs as ``FOLLOWED_SHAPE`` (2, 3, 2)
normalised image coordinates (legs in ``Leg`` order, then heel, toe, floor), NaN where a point is not followed.
One instance per stream, like the pose model. No I/O, no state shared between streams.

Why: the pose model's landmarks lag a slow, small lift (measured on the slow remix clips, its heel rises up
to half a second after the heel's own pixels do; the model's video mode places each frame's crop from the
last frame's pose), drift through a still hold, and jitter at rest. The pixels around the heel move exactly
when the heel does. So each point is carried from frame to frame by the motion of the pixels around it
(pyramidal Lucas-Kanade on a 3 x 3 grid of support points, checked forwards and backwards, and a rotation,
scale and shift fitted to those that agree), and the pose model pulls it back gently (``PULL_TAU_S``: far
slower than any phase, so the pull never reads as movement), so what the pixels get slightly wrong does not
accumulate. Where the pixels cannot be
followed (too few support points agree, or the point slipped far from the model's) or the model cannot see
the point, the model's position stands in.

Only the foot is followed: the heel and the toes are what moves (a heel raise lifts the heel off the toes;
the band exercise turns the foot about the ankle), and the shank is the reference the foot is measured
against, which the model places steadily enough. Support points sit inside the foot rather than on its
outline, where the static floor or background would hold the estimate back: in the rearfoot for the heel,
on the toes themselves for the toe (the forefoot behind them rotates in a heel raise while the toes stay on
the floor). Offsets are shares of the foot, so the layout is the same at any distance from the camera; the
region is scaled so the shank is about ``WORK_SHANK_PX`` long, whatever the camera's resolution.

The floor: heel lift is the heel's height above the floor, and the toe point is not on the floor (the model
places it on the forefoot, which rises and starts down with the heel). The floor under each foot's toes is
where the model first saw the toes, carried since by the picture's own motion (``vision.picture_motion``: the
room around the person, followed). A still camera's floor stays put; a hand-held phone's drift, tilt and
zoom move the floor with them, so they are not read as lift. Where the picture's motion cannot be read (a
blank wall, a cut), the picture is taken to have stood still for that frame. ``read_motion=False`` skips
reading the picture's motion on a frame (the floor is held there): the fast path reads it only on the frames
the pose model sees and puts the floor between them on the straight line in time
(``vision.sampling.fill_between``), because reading it on every frame was a tenth of scoring a clip. The
model never pulls the floor: a pull towards the toes would leak their rise into every long hold.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vision.picture_motion import PictureMotion, carry
from vision.skeleton import LEG_POINTS
from vision.types import FLOOR, FOLLOWED_SHAPE, Leg

MIN_VISIBILITY = 0.5  # the signals' own threshold (vision.signals): a point the model cannot see is not followed
PULL_TAU_S = 8.0  # the model pulls a followed point back with this time constant
MAX_DISAGREEMENT = 0.25  # of the shank: a followed point further than this from the model's is re-placed
MIN_SUPPORT = 4  # support points that must agree (tracked forwards and back) for a point to be carried
FB_TOLERANCE = 0.02  # of the shank: forward-backward error above which a support point is not trusted
MARGIN = 0.3  # of the shank: the region of interest around the feet
MIN_SHANK_PX = 8  # a shank of a few pixels has nothing to follow
SUPPORT_SIZE = 9  # support points per followed point (a 3 x 3 grid)
WORK_SHANK_PX = 100  # the region is scaled down so the shank is about this long (detail enough, pixels few)
KNEE, ANKLE, HEEL, TOE = range(4)  # skeleton.LEG_POINTS order
FOLLOWED = (HEEL, TOE)

_LK_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.001)


def _support(ankle: np.ndarray, heel: np.ndarray, toe: np.ndarray) -> np.ndarray:
    """(2, SUPPORT_SIZE, 2) support points (pixels) for the heel and the toe of one foot."""
    foot = toe - heel
    up = ankle - heel  # from the sole towards the ankle: into the foot
    grid = [(a, b) for a in (1, 2, 3) for b in (1, 2, 3)]
    return np.array(
        [
            [heel + foot * (0.08 * a) + up * (0.15 * b) for a, b in grid],
            [toe - foot * (0.03 * a) + up * (0.05 * b) for a, b in grid],
        ]
    )


def _similarities(src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per group, the least-squares rotation, scale and shift taking ``src`` (G, K, 2) onto ``dst`` over
    the points where ``weight`` (G, K) is true (Umeyama), as (G, 2, 3) matrices; NaN where degenerate."""
    w = weight.astype(float)[..., None]
    n = np.maximum(w.sum(axis=1), 1e-9)  # (G, 1)
    mu_s, mu_d = (src * w).sum(axis=1) / n, (dst * w).sum(axis=1) / n
    s, d = (src - mu_s[:, None]) * w, (dst - mu_d[:, None]) * w
    var = (s**2).sum(axis=(1, 2))
    cos = (s * d).sum(axis=(1, 2))
    sin = (s[..., 0] * d[..., 1] - s[..., 1] * d[..., 0]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], axis=1) / var[:, None, None]
    m[var <= 1e-9] = np.nan
    shift = mu_d - np.einsum("gij,gj->gi", m, mu_s)
    return np.concatenate([m, shift[..., None]], axis=2)


def _grey(rgb: np.ndarray, zoom: float) -> np.ndarray:
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    if zoom < 1.0:  # the caller checked the region keeps enough pixels at this zoom
        grey = cv2.resize(grey, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(grey)


class KeypointFlow:
    """Carries both feet's heel and toe from frame to frame by the motion of their pixels."""

    def __init__(self) -> None:
        self._prev_image: np.ndarray | None = None
        self._prev_t = -math.inf
        self._points = np.full(FOLLOWED_SHAPE, np.nan)  # pixels, the last frame's followed positions
        self._frames: dict[int, tuple[np.ndarray, float]] = {}  # leg -> (ankle, shank) last frame
        self._picture = PictureMotion()
        self._floor = np.full((len(Leg), 2), np.nan)  # pixels: the floor under each foot's toes

    def __call__(self, image: np.ndarray, t_s: float, landmarks: np.ndarray, read_motion: bool = True) -> np.ndarray:
        h, w = image.shape[:2]
        scale = np.array([w, h], dtype=float)
        dt = t_s - self._prev_t
        pull = 1.0 - math.exp(-dt / PULL_TAU_S) if dt > 0 else 1.0
        carried = self._carry(image)
        moved = self._picture.motion(image, landmarks) if read_motion else None
        if moved is not None:  # the camera moved the floor in the picture; None: it held still as far as is known
            self._floor = carry(self._floor, moved)
        out = np.full(FOLLOWED_SHAPE, np.nan)
        frames = {}
        for li, leg in enumerate(Leg):
            idx = list(LEG_POINTS[leg])
            model = landmarks[idx, :2] * scale
            seen = (np.nan_to_num(landmarks[idx, 3], nan=0.0) >= MIN_VISIBILITY) & np.isfinite(model).all(axis=1)
            if not np.isfinite(self._floor[li]).all() and seen[TOE]:
                self._floor[li] = model[TOE]  # the floor is where the toes first stood
            out[li, FLOOR] = self._floor[li]
            if not seen[[KNEE, ANKLE]].all():
                continue  # no shank to measure the foot against: nothing to follow on this leg
            length = float(np.hypot(*(model[KNEE] - model[ANKLE])))
            frames[li] = (model[ANKLE], length)
            for j, p in enumerate(FOLLOWED):
                if not seen[p]:
                    continue
                c = carried[li, j]
                if not np.isfinite(c).all() or np.hypot(*(c - model[p])) > MAX_DISAGREEMENT * length:
                    out[li, j] = model[p]  # nothing to carry, or the pixels slipped: the model places it
                else:
                    out[li, j] = c + pull * (model[p] - c)
        self._points, self._frames = out, frames
        self._prev_image, self._prev_t = image, t_s
        return out / scale

    def _carry(self, image: np.ndarray) -> np.ndarray:
        """Each followed heel and toe (pixels, last frame) moved by its support's motion into this frame, NaN
        where it cannot be (no previous frame, no previous position, too few support points agreeing)."""
        carried = np.full((len(Leg), len(FOLLOWED), 2), np.nan)
        prev = self._prev_image
        if prev is None or prev.shape[:2] != image.shape[:2]:  # RGB or grey alike: only pixels' brightness is used
            return carried
        legs = [
            li
            for li, (_, length) in self._frames.items()
            if np.isfinite(self._points[li, : len(FOLLOWED)]).all() and length >= MIN_SHANK_PX
        ]
        if not legs:
            return carried
        feet = {li: self._points[li, : len(FOLLOWED)] for li in legs}
        supports = {li: _support(self._frames[li][0], *feet[li]) for li in legs}
        # One region of interest around both feet, turned grey and scaled down only there.
        every = np.concatenate([np.concatenate([supports[li].reshape(-1, 2), feet[li]]) for li in legs])
        longest = max(self._frames[li][1] for li in legs)
        h, w = image.shape[:2]
        x0, y0 = np.clip(np.floor(every.min(axis=0) - MARGIN * longest).astype(int), 0, [w - 1, h - 1])
        x1, y1 = np.clip(np.ceil(every.max(axis=0) + MARGIN * longest).astype(int), [x0 + 1, y0 + 1], [w, h])
        zoom = min(1.0, WORK_SHANK_PX / longest)
        win = int(np.clip(round(0.12 * longest * zoom), 7, 21)) | 1
        if min(x1 - x0, y1 - y0) * zoom < 2 * win:  # the feet lie at the picture's edge: too few pixels
            return carried
        a = _grey(prev[y0:y1, x0:x1], zoom)
        b = _grey(image[y0:y1, x0:x1], zoom)
        origin = np.array([x0, y0], dtype=float)
        p0 = ((np.concatenate([supports[li] for li in legs]).reshape(-1, 2) - origin) * zoom).astype(np.float32)
        params = {"winSize": (win, win), "maxLevel": 2, "criteria": _LK_CRITERIA}
        p1, st1, _ = cv2.calcOpticalFlowPyrLK(a, b, p0.reshape(-1, 1, 2), None, **params)
        back, st2, _ = cv2.calcOpticalFlowPyrLK(b, a, p1, None, **params)
        p0, p1, back = p0 / zoom, p1.reshape(-1, 2) / zoom, back.reshape(-1, 2) / zoom
        tolerance = FB_TOLERANCE * np.repeat([self._frames[li][1] for li in legs], len(FOLLOWED) * SUPPORT_SIZE)
        agree = (st1.ravel() == 1) & (st2.ravel() == 1) & (np.hypot(*(back - p0).T) < tolerance)
        agree = agree.reshape(-1, SUPPORT_SIZE)
        moves = _similarities(p0.reshape(-1, SUPPORT_SIZE, 2), p1.reshape(-1, SUPPORT_SIZE, 2), agree)
        for g, (li, j) in enumerate((li, j) for li in legs for j in range(len(FOLLOWED))):
            if agree[g].sum() >= MIN_SUPPORT and np.isfinite(moves[g]).all():
                carried[li, j] = moves[g, :, :2] @ (feet[li][j] - origin) + moves[g, :, 2] + origin
        return carried
