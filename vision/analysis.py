"""From a landmark track and a protocol to a scored ``AnalysedSet``: the one analysis chain.

Contract: ``analyse_track(track, protocol, ...)`` runs leg choice → signals → filter → quality gate →
tempo tracker → scoring → summary and returns an ``AnalysedSet``. The offline paths (CLI, review page,
batch) smooth with the zero-phase filter; ``smoothing=Smoothing.CAUSAL`` feeds the tracker the causal
One-Euro signal the live page uses, sample by sample, and is the only difference between the two.
The live page's report is this same chain over the frames it recorded, so live and offline reports of
the same frames agree. Pure computation: no video, no pose model, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import numpy as np

from vision import quality, scene, view
from vision.filters import OneEuroFilter, causal_filter, zero_phase_lowpass
from vision.protocols import ExerciseProtocol
from vision.scoring import score_reps, summarise
from vision.signals import choose_leg, followed_landmarks, leg_signal, plantarflexion_deg, shank_length_px
from vision.tempo import RepCompleted, TempoTracker, TrackerSettings, remeasure_whole
from vision.types import (
    AnalysedSet,
    Leg,
    LegChoice,
    PoseTrack,
    QualityReport,
    Rep,
    RepScore,
    VideoInfo,
)

# Zero-phase low-pass cut-offs. The pose model's landmarks jitter frame to frame, so they are smoothed hard
# (tempo phases last 0.5 s or more). Points followed by their own pixels barely jitter, and smoothing them as
# hard would smear each edge by a tenth of a second, so they are only cleaned of single-frame noise.
OFFLINE_CUTOFF_HZ = 3.0
FOLLOWED_CUTOFF_HZ = 8.0
DAMAGED_WARNING = "The video file is damaged near the end; only the part before the damage was analysed."


class Smoothing(StrEnum):
    ZERO_PHASE = "zero_phase"  # offline: no lag, needs the whole signal
    CAUSAL = "causal"  # live: One-Euro, one sample at a time


def causal_filter_for(protocol: ExerciseProtocol) -> OneEuroFilter:
    """The live filter, tuned to the protocol's noise floor."""
    return OneEuroFilter.for_noise_floor(protocol.min_excursion)


def smooth(
    t: np.ndarray, x: np.ndarray, protocol: ExerciseProtocol, smoothing: Smoothing, followed: bool = False
) -> np.ndarray:
    if smoothing == Smoothing.ZERO_PHASE:
        return zero_phase_lowpass(t, x, FOLLOWED_CUTOFF_HZ if followed else OFFLINE_CUTOFF_HZ)
    return causal_filter(t, x, causal_filter_for(protocol))


@dataclass(frozen=True)
class TrackedReps:
    """What the tempo tracker found in a set."""

    reps: list[Rep]
    cut_off: frozenset[int]  # indices of reps whose hold the end of the stream cut off
    abandoned: int  # rises dropped (too small, foot out of view, clip ended mid-rep)


def track_reps(
    t: np.ndarray, values: np.ndarray, protocol: ExerciseProtocol, unsettled: np.ndarray | None = None
) -> TrackedReps:
    """Feed a whole filtered signal to a fresh ``TempoTracker``, close the stream, then use what only
    hindsight knows. Where ``unsettled`` (``vision.scene``) marks the body on the move — a camera cut,
    walking, turning — the rep in progress is abandoned and the rest level learnt again afterwards.

    - a rise under ``protocol.min_rep_fraction`` of the set's typical range is sway, not a rep — also
      before the first real rep, when the live tracker could not yet know the athlete's range;
    - (in ``analyse_track``) reps small against the signal's own sway at rest are not counted at all: the
      quality report says to film from the side (``quality.too_weak``);
    - under an isometric protocol, holds separated by a sag shorter than ``protocol.max_hold_dip_s`` are
      one hold, and a hold cut off by the end of the clip is the set's result: it keeps its hold time and
      counts (its ``hold_cut_off`` fault says what happened). Elsewhere a rep the clip cut off is kept,
      marked ``incomplete``.
    """
    tracker = TempoTracker(TrackerSettings.for_protocol(protocol))
    moving = np.zeros(len(t), dtype=bool) if unsettled is None else unsettled
    was_away = False
    for ti, vi, away in zip(t, values, moving):
        if away:
            if not was_away:
                tracker.interrupt(float(ti), "the athlete moved (a camera cut, walking or turning away)")
        else:
            tracker.update(float(ti), float(vi))
        was_away = away
    cut = {e.rep.index for e in tracker.finish() if isinstance(e, RepCompleted) and e.rep.eccentric.duration_s == 0}
    return with_hindsight(remeasure_whole(tracker.reps, t, values), frozenset(cut), tracker.abandoned, protocol)


def with_hindsight(reps: list[Rep], cut: frozenset[int], abandoned: int, protocol: ExerciseProtocol) -> TrackedReps:
    """What only the whole set tells about the reps a tracker found (see ``track_reps``); the live page's
    report applies the same rules when the set is over. ``cut``: indices of reps whose hold the end cut off."""
    kept = protocol.exercise_kind.hindsight(reps, protocol)  # sway dropped; holds' wobbles merged, by kind
    renumbered = [replace(r, index=i) for i, r in enumerate(kept, start=1)]
    cut_off = {new.index for new, old in zip(renumbered, kept) if old.index in cut and new.eccentric.duration_s == 0}
    return TrackedReps(renumbered, frozenset(cut_off), abandoned + len(reps) - len(kept))


@dataclass(frozen=True)
class _Measurement:
    choice: LegChoice
    angle_raw: np.ndarray  # the pose model's angle, unsmoothed: what the quality gate judges
    angle: np.ndarray  # zero-phase, from the followed points where there are any: for display and the view
    signal: np.ndarray  # the protocol's signal, smoothed as the tracker sees it
    quality: QualityReport


def measured_points(track: PoseTrack) -> np.ndarray:
    """The landmarks the signals are read from: the followed points where the pixels carried them."""
    return followed_landmarks(track.landmarks, track.followed)


def _measure(
    track: PoseTrack, protocol: ExerciseProtocol, leg: Leg | None, smoothing: Smoothing, damaged: bool
) -> _Measurement:
    choice = choose_leg(track, protocol.signal, leg, noise_floor=0.05 * protocol.min_excursion)
    w, h, t = track.width, track.height, track.t_s
    followed = track.followed is not None
    points = measured_points(track)
    angle_raw = plantarflexion_deg(track.landmarks, choice.leg, w, h)
    angle = zero_phase_lowpass(
        t, plantarflexion_deg(points, choice.leg, w, h), FOLLOWED_CUTOFF_HZ if followed else OFFLINE_CUTOFF_HZ
    )
    shank = shank_length_px(track.landmarks, choice.leg, w, h)
    raw_signal = leg_signal(protocol.signal, points, choice.leg, w, h, shank_px=shank, followed=track.followed)
    signal = smooth(t, raw_signal, protocol, smoothing, followed)
    gate = quality.assess(track, choice.leg, angle_raw, zero_phase_lowpass(t, angle_raw, OFFLINE_CUTOFF_HZ))
    if damaged:
        gate = QualityReport(gate.pose_coverage, gate.leg_coverage, gate.reliable, gate.warnings + (DAMAGED_WARNING,))
    return _Measurement(choice, angle_raw, angle, signal, gate)


def _second_look(
    track: PoseTrack, protocol: ExerciseProtocol, m: _Measurement, tracked: TrackedReps
) -> tuple[_Measurement, TrackedReps]:
    """What only the found reps can tell. Reps small against the signal's own sway at rest are noise, not a
    count: report none, and say in one sentence how to film instead. Otherwise judge whether the view is
    side-on enough for absolute angles (``vision.view``)."""
    if not m.quality.reliable:
        return m, tracked
    if quality.too_weak(track.t_s, m.signal, tracked.reps):
        gate = replace(m.quality, reliable=False, warnings=m.quality.warnings + (quality.WEAK_SIGNAL[protocol.signal],))
        return replace(m, quality=gate), TrackedReps([], frozenset(), tracked.abandoned + len(tracked.reps))
    seen = view.assess_view(track, m.choice.leg, m.angle, tracked.reps)
    return replace(m, quality=replace(m.quality, side_on=seen.side_on)), tracked


def info_for_track(track: PoseTrack, source: str, codec: str = "landmarks") -> VideoInfo:
    """A ``VideoInfo`` for a track with no video behind it (live capture, stored landmarks)."""
    dt = np.diff(track.t_s)
    fps = float(1.0 / np.median(dt)) if dt.size else math.nan
    return VideoInfo(source, track.width, track.height, fps, None, len(track), 0, codec)


def _assemble(
    track: PoseTrack,
    protocol: ExerciseProtocol,
    m: _Measurement,
    scores: list[RepScore],
    abandoned: int,
    band: str | None,
    info: VideoInfo | None,
    source: str | None,
) -> AnalysedSet:
    source = source or (Path(info.path).name if info is not None else "landmarks")
    info = info or info_for_track(track, source)
    return AnalysedSet(
        source,
        info,
        protocol,
        m.choice,
        band,
        track,
        m.angle_raw,
        m.angle,
        m.signal,
        scores,
        summarise(scores, protocol, band),
        m.quality,
        abandoned,
    )


def analyse_track(
    track: PoseTrack,
    protocol: ExerciseProtocol,
    *,
    leg: Leg | None = None,
    band: str | None = None,
    info: VideoInfo | None = None,
    source: str | None = None,
    damaged: bool = False,
    smoothing: Smoothing = Smoothing.ZERO_PHASE,
) -> AnalysedSet:
    """Score a landmark track under a protocol.

    ``leg`` None picks the working leg; ``band`` is the colour used (for the next-band advice);
    ``info`` and ``source`` describe the clip; ``damaged`` adds the damaged-file warning. When the
    quality gate finds the leg unreliable, the session has no reps and the gate's warnings say why.
    """
    m = _measure(track, protocol, leg, smoothing, damaged)
    if m.quality.reliable:
        tracked = track_reps(track.t_s, m.signal, protocol, scene.unsettled(track))
    else:
        tracked = TrackedReps([], frozenset(), 0)
    m, tracked = _second_look(track, protocol, m, tracked)
    scores = score_reps(tracked.reps, protocol, set(tracked.cut_off))
    return _assemble(track, protocol, m, scores, tracked.abandoned, band, info, source)
