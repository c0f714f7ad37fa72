"""Live coaching: one frame at a time, the same tracker as offline behind a causal filter.

Contract: ``LiveCoach(protocol, leg, band).process(frame) -> (annotated RGB image, LiveState)``. It is
built once per camera stream (one pose landmarker per stream) and called from the video thread; it
touches no UI. ``LiveState`` is an immutable snapshot that a UI thread may read at any time. Time is
each frame's timestamp, so dropped frames do not stretch the tempo. ``replay_causal`` runs the live
signal path over a stored ``PoseTrack`` (tests compare it with the offline path).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from vision import quality
from vision.annotate import Overlay, annotate
from vision.filters import OneEuroFilter, zero_phase_lowpass
from vision.pipeline import OFFLINE_CUTOFF_HZ, Session
from vision.pose import MediaPipePose, PoseEstimator
from vision.protocols import ExerciseProtocol
from vision.scoring import describe_faults, score_reps, summarise
from vision.signals import SIGNALS, choose_leg, leg_visible, plantarflexion_deg, robust_range
from vision.tempo import RepCompleted, TempoTracker, TrackerSettings
from vision.types import Frame, Leg, Phase, PoseTrack, Rep, RepScore, Summary, TrackBuilder, VideoInfo

LEG_CHOICE_WINDOW_S = 4.0
LEG_CHOICE_MIN_S = 1.0  # evidence needed before a leg is chosen
LEG_SWITCH_MARGIN = 1.5  # another leg must look this much more like the working leg to switch
# One-Euro speed coefficient in noise-floor units: a 1 s push lifts the cutoff to a few hertz, while
# frame-to-frame landmark jitter does not (its smoothed derivative stays small).
LIVE_BETA = 0.25
MAX_RECORDED_FRAMES = 30 * 60 * 30  # 30 min at 30 fps (about 60 MB of landmarks), then stop recording


def live_filter(protocol: ExerciseProtocol) -> OneEuroFilter:
    """One-Euro tuned in units of the protocol's noise floor, so degrees and lift ratios behave alike."""
    return OneEuroFilter(min_cutoff_hz=1.0, beta=LIVE_BETA / protocol.min_excursion, d_cutoff_hz=1.0)


def replay_causal(track: PoseTrack, protocol: ExerciseProtocol, leg: Leg) -> list[Rep]:
    values = SIGNALS[protocol.signal](track.landmarks, leg, track.width, track.height)
    smooth = live_filter(protocol)
    tracker = TempoTracker(TrackerSettings(min_excursion=protocol.min_excursion))
    for t, v in zip(track.t_s, values):
        tracker.update(float(t), smooth(float(t), float(v)))
    tracker.finish()
    return tracker.reps


@dataclass(frozen=True)
class LiveState:
    t_s: float
    phase: Phase
    reps: int
    leg: Leg | None
    angle_deg: float | None
    phase_elapsed_s: float
    phase_target_s: float | None
    last_rep: RepScore | None
    cue: str
    fps: float
    latency_ms: float
    visible: bool
    summary: Summary
    hold_limit_s: float | None = None  # isometric protocols: the hold the band should just allow

    @property
    def last_rep_text(self) -> str:
        if self.last_rep is None:
            return ""
        r = self.last_rep.rep
        if self.hold_limit_s is not None:
            verdict = "past the limit: time for a tougher band" if r.hold.duration_s > self.hold_limit_s else "within the limit"
            return f"hold {r.hold.duration_s:.1f} s of {self.hold_limit_s:.0f} s — {verdict}"
        timing = f"push {r.concentric.duration_s:.1f} s · hold {r.hold.duration_s:.1f} s · return {r.eccentric.duration_s:.1f} s"
        verdict = describe_faults(self.last_rep.faults) if self.last_rep.faults else "on tempo"
        return f"{timing} — {verdict}"


def cue_for(phase: Phase, protocol: ExerciseProtocol, elapsed: float, visible: bool) -> str:
    if not visible:
        return "Move back so your whole leg and foot are in view"
    target = protocol.target_s
    if protocol.kind == "isometric":
        limit = protocol.max_hold_s or 30
        return {Phase.REST: "Push the foot down and hold",
                Phase.CONCENTRIC: "Push down…",
                Phase.HOLD: f"Hold — {elapsed:.0f} of {limit:.0f} s",
                Phase.ECCENTRIC: "Release slowly"}[phase]  # fmt: skip
    if phase == Phase.REST:
        return "Push the foot down now"
    if phase == Phase.CONCENTRIC:
        return f"Push… {target.get('concentric', 1.0):.0f} s"
    if phase == Phase.HOLD:
        left = target.get("hold", 0.0) - elapsed
        return f"Hold… {left:.1f} s" if left > 0 else "Now return slowly"
    left = target.get("eccentric", 3.0) - elapsed
    return f"Slowly back… {max(left, 0):.1f} s" if left > 0 else "Relax at the bottom"


class LiveCoach:
    def __init__(self, protocol: ExerciseProtocol, leg: Leg | None = None, band: str | None = None,
                 estimator: PoseEstimator | None = None) -> None:
        self.protocol = protocol
        self.band = band
        self.forced_leg = leg
        self.estimator = estimator or MediaPipePose()
        self._filters = {lg: live_filter(protocol) for lg in Leg}
        self._recent: dict[Leg, deque[tuple[float, float, float, float]]] = {lg: deque() for lg in Leg}  # t, smooth, raw, visible
        self._leg: Leg | None = leg
        self._first_t: float | None = None
        self._tracker = TempoTracker(TrackerSettings(min_excursion=protocol.min_excursion))
        self._scores: list[RepScore] = []
        self._summary = summarise([], protocol, band)  # recomputed only when a rep completes
        self._phase_since = 0.0
        self._frame_times: deque[float] = deque(maxlen=30)
        self._recorded = TrackBuilder()
        self._size = (0, 0)
        self.state = self._snapshot(0.0, None, True, 0.0)

    def _pick_leg(self, t: float) -> Leg | None:
        """Follow the foot that moves most (against its own jitter) until a rep starts, then stay with it.

        No leg is chosen before ``LEG_CHOICE_MIN_S`` of evidence; a switch needs a clear margin.
        """
        if self.forced_leg is not None:
            return self.forced_leg
        locked = self._tracker.reps or self._tracker.phase != Phase.REST
        if locked and self._leg is not None:
            return self._leg
        if self._first_t is None or t - self._first_t < LEG_CHOICE_MIN_S:
            return None
        scores = {lg: self._working_leg_score(lg) for lg in Leg}
        best = max(Leg, key=lambda lg: scores[lg])
        if self._leg is None or scores[best] > LEG_SWITCH_MARGIN * scores[self._leg]:
            if self._leg is not None:  # switching feet: the old foot's rest history says nothing
                self._tracker = TempoTracker(TrackerSettings(min_excursion=self.protocol.min_excursion))
            self._leg = best
        return self._leg

    def _working_leg_score(self, leg: Leg) -> float:
        """Movement against the leg's own frame-to-frame jitter, weighted by how often it is visible.

        A half-hidden foot jitters about as much as it moves; the working foot moves far more.
        """
        recent = np.array([(smooth, raw, vis) for _, smooth, raw, vis in self._recent[leg]]).reshape(-1, 3)
        if len(recent) < 4:
            return 0.0
        raw = recent[:, 1][np.isfinite(recent[:, 1])]
        jitter = float(np.std(np.diff(raw))) if raw.size > 3 else np.inf
        floor = 0.05 * self.protocol.min_excursion
        return robust_range(recent[:, 0]) / max(jitter, floor) * float(np.mean(recent[:, 2]))

    def process(self, frame: Frame) -> tuple[np.ndarray, LiveState]:
        started = time.perf_counter()
        t = frame.t_s
        pose = self.estimator(frame)
        h, w = frame.image.shape[:2]
        last_t = self._recorded.last_t
        if len(self._recorded) < MAX_RECORDED_FRAMES and (last_t is None or t > last_t):
            self._recorded.append(t, pose.landmarks)
            self._size = (w, h)
        values = {}
        for lg in Leg:
            raw = float(SIGNALS[self.protocol.signal](pose.landmarks, lg, w, h))
            values[lg] = self._filters[lg](t, raw)
            buf = self._recent[lg]
            if math.isfinite(values[lg]):
                buf.append((t, values[lg], raw, float(leg_visible(pose.landmarks, lg))))
            while buf and buf[0][0] < t - LEG_CHOICE_WINDOW_S:
                buf.popleft()
        if self._first_t is None:
            self._first_t = t
        leg = self._pick_leg(t)
        visible = leg is not None and bool(leg_visible(pose.landmarks, leg))
        before = self._tracker.phase
        if leg is not None:
            for event in self._tracker.update(t, values[leg]):
                if isinstance(event, RepCompleted):
                    self._scores = score_reps(self._tracker.reps, self.protocol)
                    self._summary = summarise(self._scores, self.protocol, self.band)
        if self._tracker.phase != before:
            self._phase_since = t
        angle = float(plantarflexion_deg(pose.landmarks, leg, w, h)) if leg is not None else math.nan
        self._frame_times.append(t)
        self.state = self._snapshot(t, leg, visible, angle, started)
        image = annotate(frame.image, pose.landmarks, leg, self._overlay())
        return image, self.state

    def _overlay(self) -> Overlay:
        s = self.state
        return Overlay(phase=s.phase, reps=s.reps, angle_deg=s.angle_deg, phase_elapsed_s=s.phase_elapsed_s,
                       phase_target_s=s.phase_target_s, cue=s.cue, isometric=self.protocol.kind == "isometric")

    def _snapshot(self, t: float, leg: Leg | None, visible: bool, angle: float,
                  started: float | None = None) -> LiveState:
        phase = self._tracker.phase
        elapsed = max(0.0, t - self._phase_since) if phase != Phase.REST else 0.0
        if self.protocol.kind == "isometric":
            target = self.protocol.max_hold_s if phase == Phase.HOLD else None
        else:
            target = self.protocol.target_s.get(phase.value)
        times = self._frame_times
        fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
        latency = (time.perf_counter() - started) * 1000 if started else 0.0
        return LiveState(t, phase, len(self._tracker.reps), leg, angle if math.isfinite(angle) else None,
                         elapsed, target, self._scores[-1] if self._scores else None,
                         cue_for(phase, self.protocol, elapsed, visible), fps, latency, visible, self._summary,
                         self.protocol.max_hold_s if self.protocol.kind == "isometric" else None)

    @property
    def scores(self) -> list[RepScore]:
        return list(self._scores)

    def to_session(self, source: str = "webcam") -> Session:
        """The set as a ``Session`` with the reps the athlete saw live, for the same JSON as the CLI."""
        w, h = self._size
        track = self._recorded.build(w, h)
        choice = choose_leg(track, self.protocol.signal, self._leg)
        angle_raw = plantarflexion_deg(track.landmarks, choice.leg, w, h)
        angle = zero_phase_lowpass(track.t_s, angle_raw, OFFLINE_CUTOFF_HZ)
        signal = SIGNALS[self.protocol.signal](track.landmarks, choice.leg, w, h)
        fps = self.state.fps or float("nan")
        info = VideoInfo(source, w, h, fps, None, len(track), 0, "webrtc")
        return Session(source, info, self.protocol, choice, self.band, track, angle_raw, angle, signal,
                       list(self._scores), self._summary,
                       quality.assess(track, choice.leg, angle_raw, angle), self._tracker.abandoned)

    def close(self) -> None:
        self.estimator.close()
