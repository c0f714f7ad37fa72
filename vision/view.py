"""Is the camera side-on enough for an absolute ankle angle to mean something clinically?

Contract: ``assess_view(track, leg, angle, reps)`` returns a ``ViewCheck``. The angle is 2-D image
geometry: in a true side view it is the ankle's plantarflexion, but in an oblique view its absolute value
is distorted (the shared remix clips read about -48° at rest for a foot at neutral). Timing never depends
on it (the tracker uses only the athlete's own range), and movement *from the athlete's own rest* stays
meaningful, so that is what the overlay and the tables show; absolute angles are labelled as valid only
when this check finds the view side-on.

Chosen because it needs nothing but the 2-D landmarks every clip and stored set has (the model's depth
estimate for the foot was tried on the shared clips and is too noisy to tell views apart):
- the foot's apparent length against the shank's: in a side view the heel-to-toe line lies in the image
  plane and is about 0.55-0.65 of the knee-to-ankle line; turned ~35° or more out of the plane (towards
  or away from the camera), it shows under ``MIN_FOOT_TO_SHANK`` of the shank;
- the angle at rest: a relaxed foot, seated or standing, sits between ``REST_RANGE_DEG``; a reading far
  outside is the view's distortion, not the athlete's ankle.
Both must hold. No truly side-on clip is in ../shared yet: the thresholds are anatomical, not fitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vision.quality import at_rest
from vision.signals import leg_pixels
from vision.types import Leg, PoseTrack, Rep

MIN_FOOT_TO_SHANK = 0.48
REST_RANGE_DEG = (-25.0, 35.0)

ANGLES_NOTE = "Angles are shown from the athlete's own rest; absolute angles are valid only in a true side view."


@dataclass(frozen=True)
class ViewCheck:
    side_on: bool
    foot_to_shank: float | None  # median apparent foot length / shank length
    rest_angle_deg: float | None  # median angle while at rest, as the camera sees it


def rest_angle(t: np.ndarray, angle: np.ndarray, reps: list[Rep]) -> float | None:
    """The angle at rest: the median outside every rep (``quality.at_rest``), or the low quartile when the clip
    is all reps. None when no angle was measured."""
    calm = angle[at_rest(t, reps) & np.isfinite(angle)]
    if calm.size >= 3:
        return float(np.median(calm))
    finite = angle[np.isfinite(angle)]
    return float(np.percentile(finite, 25)) if finite.size else None


def assess_view(track: PoseTrack, leg: Leg, angle: np.ndarray, reps: list[Rep]) -> ViewCheck:
    px = leg_pixels(track.landmarks, leg, track.width, track.height)
    knee, ankle, heel, toe = (px[:, i, :] for i in range(4))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.linalg.norm(toe - heel, axis=-1) / np.linalg.norm(knee - ankle, axis=-1)
    ratio = ratio[np.isfinite(ratio)]
    foot_to_shank = float(np.median(ratio)) if ratio.size else None
    rest = rest_angle(track.t_s, angle, reps)
    side_on = (
        foot_to_shank is not None
        and foot_to_shank >= MIN_FOOT_TO_SHANK
        and rest is not None
        and REST_RANGE_DEG[0] <= rest <= REST_RANGE_DEG[1]
    )
    return ViewCheck(
        bool(side_on),
        None if foot_to_shank is None else round(foot_to_shank, 3),
        None if rest is None else round(rest, 1),
    )
