"""The quality gate: is the working leg reliably in view, well enough to time reps?

Contract: ``assess(track, leg, raw_angle, smooth_angle)`` returns a ``QualityReport``; when
``reliable`` is False the pipeline reports no reps, and ``warnings`` say in a patient's words what to
change. Thresholds were set from the real clips in ../shared/clips/real: clean footage shows angle
jitter of at most 1.1 degrees; a close-up with overlays, a front view of a crossed foot, a walking clip
and far-away pedestrians all show 4.8 degrees or more.
"""

from __future__ import annotations

import numpy as np

from vision.signals import leg_visible
from vision.types import Leg, PoseTrack, QualityReport

MIN_POSE_COVERAGE = 0.3  # fraction of frames with a person
MIN_PERSON_HEIGHT = 0.3  # median body height as a fraction of the frame height
STEADY_PERSON = 0.8  # an athlete is found in nearly every frame; passers-by come and go
MIN_LEG_COVERAGE = 0.6  # fraction of frames with knee, ankle, heel and toe visible
MAX_ANGLE_JITTER_DEG = 3.0  # SD of raw minus smoothed angle

NO_ATHLETE = (
    "No athlete found in the video. Stand or sit so your whole body, feet included, "
    "fills most of the frame, then record again."
)
LEG_OUT_OF_VIEW = (
    "Your foot was out of view for much of the video. Move the camera back so your whole "
    "leg, from hip to toes, is in view."
)
TOO_SHAKY = (
    "The foot could not be tracked steadily enough to time your reps. Film from the side, "
    "with the whole leg in view, the camera still, and good light."
)
TOO_FAR = "You are small in the frame. Move the camera closer so your leg fills more of the picture."


def person_height(track: PoseTrack) -> np.ndarray:
    """Per frame, the vertical extent of the landmarks as a fraction of the frame height (NaN: nobody)."""
    y = track.landmarks[:, :, 1]
    extent = np.full(len(track), np.nan)
    seen = np.isfinite(y).any(axis=1)
    extent[seen] = np.nanmax(y[seen], axis=1) - np.nanmin(y[seen], axis=1)
    return extent


def assess(track: PoseTrack, leg: Leg, raw_angle: np.ndarray, smooth_angle: np.ndarray) -> QualityReport:
    n = len(track)
    if n == 0:
        return QualityReport(0.0, 0.0, False, (NO_ATHLETE,))
    has_person = np.isfinite(track.landmarks[:, 0, 0])
    pose_coverage = float(has_person.mean())
    leg_coverage = float(leg_visible(track.landmarks, leg).mean())
    heights = person_height(track)[has_person]
    median_height = float(np.median(heights)) if heights.size else 0.0
    warnings: list[str] = []
    if pose_coverage < MIN_POSE_COVERAGE or (median_height < MIN_PERSON_HEIGHT and pose_coverage < STEADY_PERSON):
        warnings.append(NO_ATHLETE)  # nobody, or passers-by flickering in and out of detection
    elif median_height < MIN_PERSON_HEIGHT:
        warnings.append(TOO_FAR)
    else:
        if leg_coverage < MIN_LEG_COVERAGE:
            warnings.append(LEG_OUT_OF_VIEW)
        residual = raw_angle - smooth_angle
        jitter = float(np.nanstd(residual)) if np.isfinite(residual).sum() > 10 else np.inf
        if jitter > MAX_ANGLE_JITTER_DEG and leg_coverage >= MIN_LEG_COVERAGE:
            warnings.append(TOO_SHAKY)
    return QualityReport(round(pose_coverage, 3), round(leg_coverage, 3), not warnings, tuple(warnings))
