"""FormChecker: the one place that knows every stage, from a video file to a scored ``Session``.

Contract:
- ``FormChecker(protocol, leg, band).run_video(path, progress)`` decodes, runs pose, and scores.
- ``extract(path)`` (video → ``PoseTrack``) and ``analyse(track, ...)`` (landmarks → ``Session``) are
  separate, so the app re-scores a clip under another protocol, leg or band without running pose again.
- Offline analysis uses the zero-phase filter; it feeds the same ``TempoTracker`` the live page uses.
- Unreadable input raises ``VideoReadError``; a readable clip always gives a ``Session`` (maybe 0 reps).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vision import quality
from vision.filters import zero_phase_lowpass
from vision.pose import MediaPipePose, PoseEstimator
from vision.protocols import ExerciseProtocol
from vision.scoring import score_reps, summarise
from vision.signals import SIGNALS, LegChoice, choose_leg, plantarflexion_deg
from vision.tempo import RepCompleted, TempoTracker, TrackerSettings
from vision.types import Leg, Phase, PoseTrack, QualityReport, RepScore, Summary, TrackBuilder, VideoInfo
from vision.video import DecodeStats, iter_frames, probe

OFFLINE_CUTOFF_HZ = 3.0  # tempo phases last 0.5 s or more; landmark jitter lives above this

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Extraction:
    info: VideoInfo
    track: PoseTrack
    decode: DecodeStats


@dataclass(frozen=True)
class Session:
    source: str
    info: VideoInfo
    protocol: ExerciseProtocol
    leg_choice: LegChoice
    band: str | None
    track: PoseTrack
    angle_raw: np.ndarray  # working leg, degrees
    angle: np.ndarray  # working leg, smoothed
    signal: np.ndarray  # the protocol's signal, smoothed (what the tracker saw)
    scores: list[RepScore]
    summary: Summary
    quality: QualityReport
    abandoned_reps: int

    @property
    def leg(self) -> Leg:
        return self.leg_choice.leg

    @property
    def duration_s(self) -> float:
        """From the frames' own timestamps (container durations are unreliable for variable frame rate)."""
        t = self.track.t_s
        if len(t) >= 2:
            return float(t[-1] - t[0] + np.median(np.diff(t)))
        return float(self.info.duration_s or 0.0)

    def phase_at(self, t_s: np.ndarray) -> list[Phase]:
        """The phase at each time, read from the scored reps (REST outside them)."""
        out = [Phase.REST] * len(t_s)
        for s in self.scores:
            for phase in (Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC):
                span = getattr(s.rep, phase.value)
                for i in np.flatnonzero((t_s >= span.start_s) & (t_s < span.end_s)):
                    out[i] = phase
        return out


class FormChecker:
    def __init__(self, protocol: ExerciseProtocol, leg: Leg | None = None, band: str | None = None,
                 model_path: str | os.PathLike | None = None) -> None:
        self.protocol = protocol
        self.leg = leg
        self.band = band
        self.model_path = model_path

    def make_estimator(self) -> PoseEstimator:
        return MediaPipePose(self.model_path)

    def extract(self, path: str | os.PathLike, progress: Progress | None = None) -> Extraction:
        info = probe(path)
        expected = info.frame_count or (info.duration_s or 0) * (info.fps if np.isfinite(info.fps) else 30)
        stats = DecodeStats()
        builder = TrackBuilder()
        estimator = self.make_estimator()
        try:
            for frame in iter_frames(path, stats=stats):
                pose_frame = estimator(frame)
                builder.append(pose_frame.t_s, pose_frame.landmarks)
                if progress and expected and frame.index % 10 == 0:
                    progress(min(0.99, (frame.index + 1) / expected))
        finally:
            estimator.close()
        track = builder.build(info.width, info.height)
        if progress:
            progress(1.0)
        return Extraction(info, track, stats)

    def analyse(self, extraction: Extraction, source: str | None = None) -> Session:
        return analyse_track(extraction.track, extraction.info, self.protocol, self.leg, self.band,
                             source or Path(extraction.info.path).name, extraction.decode)

    def run_video(self, path: str | os.PathLike, progress: Progress | None = None) -> Session:
        return self.analyse(self.extract(path, progress), Path(path).name)


def analyse_track(track: PoseTrack, info: VideoInfo, protocol: ExerciseProtocol, leg: Leg | None,
                  band: str | None, source: str, decode: DecodeStats | None = None) -> Session:
    choice = choose_leg(track, protocol.signal, leg)
    w, h = track.width, track.height
    angle_raw = plantarflexion_deg(track.landmarks, choice.leg, w, h)
    angle = zero_phase_lowpass(track.t_s, angle_raw, OFFLINE_CUTOFF_HZ)
    raw_signal = angle_raw if protocol.signal == "angle" else SIGNALS[protocol.signal](track.landmarks, choice.leg, w, h)
    signal = angle if protocol.signal == "angle" else zero_phase_lowpass(track.t_s, raw_signal, OFFLINE_CUTOFF_HZ)
    gate = quality.assess(track, choice.leg, angle_raw, angle)
    if decode is not None and decode.damaged:
        gate = QualityReport(gate.pose_coverage, gate.leg_coverage, gate.reliable,
                             gate.warnings + ("The video file is damaged near the end; only the part before "
                                              "the damage was analysed.",))
    tracker = TempoTracker(TrackerSettings(min_excursion=protocol.min_excursion))
    reps, cut_off = [], set()
    if gate.reliable:
        for t, v in zip(track.t_s, signal):
            tracker.update(float(t), float(v))
        for event in tracker.finish():
            if isinstance(event, RepCompleted) and event.rep.eccentric.duration_s == 0:
                cut_off.add(event.rep.index)
        reps = tracker.reps
    scores = score_reps(reps, protocol, cut_off)
    return Session(source, info, protocol, choice, band, track, angle_raw, angle, signal, scores,
                   summarise(scores, protocol, band), gate, tracker.abandoned)
