"""Pure geometry: landmarks in, the signals the tempo tracker reads out.

Conventions, written down once:
- **Plantarflexion angle** (degrees), from 2-D image coordinates scaled to pixels (so a non-square frame
  does not bend angles): the angle between the shank vector ankle→knee (BlazePose 27→25 left, 28→26
  right) and the foot vector heel→foot index (29→31, 30→32), minus 90. It is 0 at neutral (foot at 90°
  to the shank) and positive when the toes point away from the shin (plantarflexion).
- **Heel lift** (dimensionless): how far the heel is above the floor under the toes (where
  ``vision.keypoint_flow`` followed it; above the toes for stored landmarks without it), along the image's
  upward axis, divided by the shank length (ankle to knee). Grows as the heel rises in a heel raise; dividing by the
  shank makes it independent of distance to the camera. The shank's length is one number for a set
  (``shank_px``, the median the pose model saw), not each frame's: the shank's apparent length changes as
  it tilts towards the camera, and that is not the heel moving.
- **Followed points** (``followed_landmarks``): where ``vision.keypoint_flow`` carried the heel and the
  toe by their own pixels, those positions replace the model's; the signals are then computed exactly as
  from landmarks (the knee and the ankle, the shank the foot is measured against, stay the model's).
- A landmark whose visibility is below ``MIN_VISIBILITY``, or that is missing, makes the signal NaN for
  that frame, never 0.
"""

from __future__ import annotations

import numpy as np

from vision.skeleton import LEG_POINTS
from vision.types import FLOOR, Leg, LegChoice, PoseTrack, SignalKind

MIN_VISIBILITY = 0.5


def leg_pixels(
    landmarks: np.ndarray, leg: Leg, width: int, height: int, min_visibility: float = MIN_VISIBILITY
) -> np.ndarray:
    """(..., 4 points, 2) pixel coordinates of knee, ankle, heel, toe; NaN where not visible enough."""
    pts = landmarks[..., list(LEG_POINTS[leg]), :]
    xy = pts[..., :2] * np.array([width, height], dtype=float)
    visible = pts[..., 3] >= min_visibility
    return np.where(visible[..., None], xy, np.nan)


def plantarflexion_deg(
    landmarks: np.ndarray, leg: Leg, width: int, height: int, min_visibility: float = MIN_VISIBILITY
) -> np.ndarray:
    """Plantarflexion angle in degrees for landmarks of shape (33, 4) or (N, 33, 4)."""
    p = leg_pixels(landmarks, leg, width, height, min_visibility)
    knee, ankle, heel, toe = (p[..., i, :] for i in range(4))
    shank = knee - ankle
    foot = toe - heel
    cos = np.sum(shank * foot, axis=-1) / (np.linalg.norm(shank, axis=-1) * np.linalg.norm(foot, axis=-1))
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))) - 90.0


def heel_lift(
    landmarks: np.ndarray,
    leg: Leg,
    width: int,
    height: int,
    min_visibility: float = MIN_VISIBILITY,
    shank_px: float | None = None,
    floor: np.ndarray | None = None,
) -> np.ndarray:
    """Heel height (image up is positive), in shank lengths: ``shank_px`` when given, else each frame's own
    shank. Above the floor where ``floor`` (..., 2), normalised like landmarks, knows where the floor under the
    toes is (``vision.keypoint_flow``); above the toes elsewhere.

    Why the floor: the toe point the pose model places sits on the forefoot, which in most views rises and
    starts down with the heel (in the shared rear-oblique footage by about 0.2 shank lengths per raise), so
    heel above toes under-reads the ends of every move: a lowering's last centimetres read as the floor, a slow
    push starts late, a turnaround reads as a hold (README, "Which clock of the heel is right")."""
    p = leg_pixels(landmarks, leg, width, height, min_visibility)
    knee, ankle, heel, toe = (p[..., i, :] for i in range(4))
    base = toe[..., 1]
    if floor is not None:
        floor_y = np.asarray(floor, dtype=float)[..., 1] * height
        base = np.where(np.isfinite(floor_y) & np.isfinite(base), floor_y, base)
    shank_len = np.linalg.norm(knee - ankle, axis=-1) if shank_px is None else shank_px
    with np.errstate(invalid="ignore", divide="ignore"):
        return (base - heel[..., 1]) / shank_len  # image y grows downwards


def followed_floor(followed: np.ndarray | None, leg: Leg) -> np.ndarray | None:
    """The floor under ``leg``'s toes as followed (..., 2), or None when nothing was followed."""
    if followed is None:
        return None
    return followed[..., list(Leg).index(leg), FLOOR, :]


def shank_length_px(landmarks: np.ndarray, leg: Leg, width: int, height: int) -> float | None:
    """The shank's length in pixels over a track (N, 33, 4): the median of the frames that show it."""
    p = leg_pixels(landmarks, leg, width, height)
    lengths = np.linalg.norm(p[..., 0, :] - p[..., 1, :], axis=-1)
    return float(np.nanmedian(lengths)) if np.isfinite(lengths).any() else None


def followed_landmarks(landmarks: np.ndarray, followed: np.ndarray | None) -> np.ndarray:
    """``landmarks`` (..., 33, 4) with each foot's heel and toe moved to where their pixels carried them
    (``followed`` (..., 2, 3, 2)), wherever that is known; the landmarks themselves otherwise."""
    if followed is None:
        return landmarks
    out = landmarks.copy()
    for li, leg in enumerate(Leg):
        idx = list(LEG_POINTS[leg][2:])  # heel, toe
        xy = followed[..., li, :FLOOR, :]
        out[..., idx, :2] = np.where(np.isfinite(xy), xy, landmarks[..., idx, :2])
    return out


def leg_visible(landmarks: np.ndarray, leg: Leg, min_visibility: float = MIN_VISIBILITY) -> np.ndarray:
    """True where knee, ankle, heel and toe of ``leg`` are all visible enough."""
    vis = landmarks[..., list(LEG_POINTS[leg]), 3]
    return np.all(np.nan_to_num(vis, nan=0.0) >= min_visibility, axis=-1)


def leg_signal(
    kind: SignalKind,
    landmarks: np.ndarray,
    leg: Leg,
    width: int,
    height: int,
    shank_px: float | None = None,
    followed: np.ndarray | None = None,
) -> np.ndarray:
    """The named signal of one leg, for landmarks of shape (33, 4) or (N, 33, 4); ``shank_px`` normalises
    heel lift (see the module's conventions); ``followed`` (..., 2, 3, 2) gives heel lift its floor."""
    if kind == SignalKind.HEEL_LIFT:
        return heel_lift(landmarks, leg, width, height, shank_px=shank_px, floor=followed_floor(followed, leg))
    return plantarflexion_deg(landmarks, leg, width, height)


def robust_range(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    if finite.size < 3:
        return 0.0
    lo, hi = np.percentile(finite, [5, 95])
    return float(hi - lo)


SIMILAR_MOVEMENT = 4 / 3  # two feet whose ranges are within this ratio move "about as much" (``choose_leg``)
JITTER_STEP_S = 0.1  # the pose model's fast-path rate (``vision.sampling``): between its samples landmarks are drawn


def jitter(t: np.ndarray, values: np.ndarray) -> float:
    """The signal's noise, blind to its movement: the robust SD of second differences of samples
    ``JITTER_STEP_S`` apart (a steady movement has none, however quick; a wobble has plenty), scaled to
    one sample's noise. Read at that step whatever the frame rate, because the fast path draws the frames
    between poses on a straight line, whose second differences are zero."""
    dt = np.diff(t)
    step = max(1, round(JITTER_STEP_S / float(np.median(dt)))) if dt.size else 1
    v = values[::step]
    d = np.diff(v[np.isfinite(v)], 2)
    if d.size < 3:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(6.0))


def choose_leg(
    track: PoseTrack, signal: SignalKind, forced: Leg | None = None, min_coverage: float = 0.5, noise_floor: float = 0.0
) -> LegChoice:
    """The working leg is the one whose foot moves most while it is reliably visible; when both feet move
    about as much (within ``SIMILAR_MOVEMENT`` of each other), the one whose movement stands clearer of its
    own jitter (``jitter``; the live engine ranks legs that way too).

    Both feet move in a two-legged heel raise, and there the far foot's landmarks, half hidden behind the
    near leg, jitter and jump: its raw range comes out as large or larger (1.1-1.3 times the near foot's in
    the shared footage), and reps read on it are lost in the jumps. A crossed leg's foot, working, moves far
    more than the foot on the floor, however much it jitters (a front view: 1.5 times), so the jitter only
    settles near ties. ``noise_floor`` (the live engine's: a twentieth of the protocol's smallest rep) keeps
    a perfectly steady foot from winning on a tiny jitter. A leg seen in fewer than ``min_coverage`` of the
    frames only wins if neither leg reaches it.
    """
    movement: dict[Leg, float] = {}
    coverage: dict[Leg, float] = {}
    clarity: dict[Leg, float] = {}
    for leg in Leg:
        values = leg_signal(signal, track.landmarks, leg, track.width, track.height)
        movement[leg] = robust_range(values)
        coverage[leg] = float(leg_visible(track.landmarks, leg).mean()) if len(track) else 0.0
        clarity[leg] = movement[leg] / max(jitter(track.t_s, values), noise_floor, 1e-9)
    if forced is not None:
        return LegChoice(forced, movement, coverage)
    eligible = [leg for leg in Leg if coverage[leg] >= min_coverage] or list(Leg)
    best = max(eligible, key=lambda leg: (movement[leg], coverage[leg]))
    rivals = [leg for leg in eligible if movement[leg] * SIMILAR_MOVEMENT >= movement[best]]
    best = max(rivals, key=lambda leg: (clarity[leg], coverage[leg]))
    return LegChoice(best, movement, coverage)
