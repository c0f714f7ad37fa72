"""The quality gate: is the working leg reliably in view, well enough to time reps?

Contract: ``assess(track, leg, raw_angle, smooth_angle)`` returns a ``QualityReport``; when
``reliable`` is False the pipeline reports no reps, and ``warnings`` say in a patient's words what to
change. ``too_weak(t, signal, reps)`` is the second look, once reps were found: is the movement big
against the sway of the signal at rest, so that what was counted can be trusted?

Thresholds were set from the real clips in ../shared/clips/real: clean footage shows angle jitter of at
most 1.1 degrees; a close-up with overlays, a front view of a crossed foot, a walking clip
and far-away pedestrians all show 4.8 degrees or more.
"""

from __future__ import annotations

import numpy as np

from vision.signals import leg_visible
from vision.types import Leg, PoseTrack, QualityReport, Rep, SignalKind

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
WEAK_SIGNAL = {
    SignalKind.ANGLE: "Film from the side: the ankle's movement is too small to time from this angle.",
    SignalKind.HEEL_LIFT: "Film from the side: the heel's lift is too small to time from this angle.",
}
# The rest must be calm against the movement: a sway at rest (peak to peak) of a third of the typical
# rep's range is as big as a rise the tracker must already ignore (``min_rep_fraction``), so a count made
# on it cannot be trusted. The shared side-view clips sway 2-7 % of their range at rest; synthetic 12°
# reps count right with ±1.5° of sway (16-28 %) and wrong with ±3° (39-79 %).
MAX_REST_SWAY_SHARE = 0.33
REST_MARGIN_S = 0.3  # kept clear of each rep's edges
MIN_REST_STRETCH_S = 0.8


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


def at_rest(t: np.ndarray, reps: list[Rep]) -> np.ndarray:
    """True for samples outside every rep, ``REST_MARGIN_S`` clear of its edges: where the athlete rests."""
    busy = np.zeros(t.size, dtype=bool)
    for rep in reps:
        busy |= (t >= rep.start_s - REST_MARGIN_S) & (t <= rep.end_s + REST_MARGIN_S)
    return ~busy


def rest_sway(t: np.ndarray, signal: np.ndarray, reps: list[Rep]) -> float:
    """Peak-to-peak sway of the signal at rest: in every stretch between reps (and before the first, after
    the last) at least ``MIN_REST_STRETCH_S`` long, the 5th to 95th percentile spread; the median of those.
    NaN when there is no such stretch.

    Rest is where the athlete rests, not where they settle. A set that starts up on the toes (or with the
    foot coming down from a rep the tracker did not see start) moves one way down to rest before the first
    rep; one that ends with the athlete up again moves one way after the last. Read as peak to peak, that
    one-way move is as big as a rep and would veto every count of reps a person counts at a glance (quick
    reps leave no rest between them, so the stretches before and after are all there is). So the stretch
    before the first rep, when it starts in the upper half of the reps' range, is read from where it first
    comes within the range it keeps afterwards, and the one after the last, when it ends there, up to where
    it last was within the range it had before. Sway about the rest never reaches half a rep's range
    (were it that big, it would be refused anyway), so sway is never trimmed."""
    calm = at_rest(t, reps) & np.isfinite(signal)
    spreads = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], calm.astype(int), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start >= 3 and t[stop - 1] - t[start] >= MIN_REST_STRETCH_S:
            values = _without_settle(t[start:stop], signal[start:stop], reps)
            p5, p95 = np.percentile(values, [5, 95])
            spreads.append(p95 - p5)
    return float(np.median(spreads)) if spreads else float("nan")


def _without_settle(t: np.ndarray, values: np.ndarray, reps: list[Rep]) -> np.ndarray:
    """A stretch of rest without the one-way settle into the set (before the first rep) or out of it (after
    the last), when it starts (ends) in the upper half of the reps' range: see ``rest_sway``."""
    if not reps or values.size < 3:
        return values
    base = float(np.median([r.rest_level for r in reps]))
    half = base + 0.5 * float(np.median([r.range_of_motion for r in reps]))
    if t[-1] <= min(r.start_s for r in reps) and values[0] > half:
        return _after_settling(values, half)
    if t[0] >= max(r.end_s for r in reps) and values[-1] > half:
        return _after_settling(values[::-1], half)[::-1]
    return values


def _after_settling(values: np.ndarray, half: float) -> np.ndarray:
    """What follows a settle down from above ``half``: from where the signal, after its last sample above
    ``half``, first reaches the middle of what it does from then on."""
    last_high = int(np.flatnonzero(values > half)[-1])
    rest = values[last_high:]
    settled = np.flatnonzero(rest <= np.median(rest))
    return rest[settled[0] :] if settled.size else rest[-1:]


def too_weak(t: np.ndarray, signal: np.ndarray, reps: list[Rep]) -> bool:
    """True when the reps found are small against the signal's own sway at rest (an oblique view of a
    small movement): counting them would count noise."""
    finished = [r.range_of_motion for r in reps if not r.incomplete]
    if not finished:
        return False
    sway = rest_sway(t, signal, reps)
    return bool(np.isfinite(sway) and sway > MAX_REST_SWAY_SHARE * float(np.median(finished)))
