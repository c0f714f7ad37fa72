"""Live coaching state: one pose frame at a time, the same tracker as offline behind a causal filter.

Contract: ``LiveTracker(protocol, leg, band).update(pose_frame, width, height) -> LiveState``. It holds
the set's state (working leg, filters, tempo tracker, scores, recorded landmarks) and touches neither the
pose model nor the image: running pose and drawing the overlay are ``vision.pipeline.LiveCoach``'s job.
``LiveState`` is an immutable snapshot that a UI thread may read at any time. Time is each frame's
timestamp, so dropped frames do not stretch the tempo. The signal is read from the points the pixels
followed (``PoseFrame.followed``) where there are any, as offline. ``to_session`` gives the set, once it is
over, as the offline scorer scores the same frames: the live count is what can be known while the set
runs; the report uses the hindsight a whole recording gives (a lowering measured to the floor).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from vision import quality
from vision.analysis import (
    Smoothing,
    TrackedReps,
    analyse_track,
    causal_filter_for,
    info_for_track,
    smooth,
    with_hindsight,
)
from vision.protocols import ExerciseProtocol
from vision.scene import SceneWatch
from vision.scoring import describe_faults, score_reps, summarise
from vision.signals import (
    followed_landmarks,
    jitter,
    leg_pixels,
    leg_signal,
    leg_visible,
    plantarflexion_deg,
    robust_range,
)
from vision.tempo import RepCompleted, TempoTracker, TrackerSettings
from vision.types import AnalysedSet, Leg, Phase, PoseFrame, Rep, RepScore, Summary, TrackBuilder

LEG_CHOICE_WINDOW_S = 4.0
LEG_CHOICE_MIN_S = 1.0  # evidence needed before a leg is chosen
LEG_SWITCH_MARGIN = 1.5  # another leg must look this much more like the working leg to switch
REST_ANGLE_SAMPLES = 60  # the rest angle is read from the last ~2 s of angles seen at rest...
REST_ANGLE_PERCENTILE = 30  # ...low in them, as the tracker reads its rest level
MIN_REST_SEEN_S = 0.5
MAX_RECORDED_FRAMES = 30 * 60 * 30  # 30 min at 30 fps (about 60 MB of landmarks), then stop recording
SHANK_SAMPLES = 300  # heel lift is normalised by the median shank length of the last ~10 s (vision.signals)


@dataclass(frozen=True)
class LiveState:
    t_s: float
    phase: Phase
    reps: int
    leg: Leg | None
    angle_deg: float | None  # as the camera sees it: absolute only in a true side view
    angle_from_rest_deg: float | None  # movement from the athlete's recent rest: meaningful in any view
    phase_elapsed_s: float
    phase_target_s: float | None
    last_rep: RepScore | None
    cue: str
    fps: float
    latency_ms: float
    visible: bool
    summary: Summary
    hold_limit_s: float | None = None  # a hold judged by its limit (isometric): the hold the band should just allow

    @property
    def isometric(self) -> bool:
        return self.hold_limit_s is not None

    @property
    def last_rep_text(self) -> str:
        if self.last_rep is None:
            return ""
        r = self.last_rep.rep
        if self.hold_limit_s is not None:
            verdict = (
                "past the limit: time for a tougher band"
                if r.hold.duration_s > self.hold_limit_s
                else "within the limit"
            )
            return f"hold {r.hold.duration_s:.1f} s of {self.hold_limit_s:.0f} s — {verdict}"
        timing = (
            f"push {r.concentric.duration_s:.1f} s · hold {r.hold.duration_s:.1f} s · "
            f"return {r.eccentric.duration_s:.1f} s"
        )
        verdict = describe_faults(self.last_rep.faults) if self.last_rep.faults else "on tempo"
        return f"{timing} — {verdict}"


def cue_for(phase: Phase, protocol: ExerciseProtocol, elapsed: float, visible: bool) -> str:
    if not visible:
        return "Move back so your whole leg and foot are in view"
    return protocol.exercise_kind.cue(phase, protocol, elapsed)


@dataclass
class _LegWatch:
    """One leg's own reading of the set, kept from the first frame whether or not it is the working leg, so
    that choosing (or switching to) a leg late loses none of its reps: the first rep of a set often starts
    before a second of evidence has picked the foot, and when both feet move (a two-legged heel raise) the
    choice can change during a rep."""

    tracker: TempoTracker
    # (t, raw signal) this set: what the weak-signal gate reads, as the report does
    signal_seen: list[tuple[float, float]]
    rest_angles: deque[tuple[float, float]]
    phase_since: float = 0.0

    @classmethod
    def new(cls, protocol: ExerciseProtocol) -> _LegWatch:
        return cls(TempoTracker(TrackerSettings.for_protocol(protocol)), [], deque(maxlen=REST_ANGLE_SAMPLES))


class LiveTracker:
    """The live set's state machine around a ``TempoTracker`` per leg: leg choice, causal filters, scores.

    Both legs are filtered from the first frame; the working leg is the foot that moves most against its
    own jitter (or the one the athlete chose), and it is locked once a rep starts.
    """

    def __init__(self, protocol: ExerciseProtocol, leg: Leg | None = None, band: str | None = None) -> None:
        self.protocol = protocol
        self.band = band
        self.forced_leg = leg
        self._filters = {lg: causal_filter_for(protocol) for lg in Leg}
        # per leg: (t, smoothed, raw, visible) over the last LEG_CHOICE_WINDOW_S
        self._recent: dict[Leg, deque[tuple[float, float, float, float]]] = {lg: deque() for lg in Leg}
        self._leg: Leg | None = leg
        self._first_t: float | None = None
        self._watch = {lg: _LegWatch.new(protocol) for lg in Leg}
        self._shanks: dict[Leg, deque[float]] = {lg: deque(maxlen=SHANK_SAMPLES) for lg in Leg}
        self._scene = SceneWatch()
        self._was_unsettled = False
        self._counted: list[Rep] = []  # the working leg's reps after the report's rules (``_count_reps``)
        self._followed_seen = False
        self._too_weak = False  # the reps are small against the signal's sway at rest: nothing is counted
        self._scores: list[RepScore] = []
        self._summary = summarise([], protocol, band)  # recomputed only when a rep completes
        self._frame_times: deque[float] = deque(maxlen=30)
        self._recorded = TrackBuilder()
        self._size = (0, 0)
        self.state = self._snapshot(0.0, None, True, math.nan)

    @property
    def _tracker(self) -> TempoTracker:
        """The working leg's tracker (before a leg is chosen, the first leg's: it is at rest either way)."""
        return self._watch[self._leg or next(iter(Leg))].tracker

    def _pick_leg(self, t: float) -> Leg | None:
        """Follow the foot that moves most (against its own jitter) until a rep starts, then stay with it.

        No leg is chosen before ``LEG_CHOICE_MIN_S`` of evidence; a switch needs a clear margin. Every leg
        was tracked all along, so a switch picks up that leg's reps so far, the one under way included.
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
        if best != self._leg and (self._leg is None or scores[best] > LEG_SWITCH_MARGIN * scores[self._leg]):
            self._leg = best
            self._count_reps()
        return self._leg

    def _working_leg_score(self, leg: Leg) -> float:
        """Movement against the leg's own jitter (``signals.jitter``, as the offline choice), weighted by how
        often it is visible.

        A half-hidden foot jitters about as much as it moves; the working foot moves far more.
        """
        recent = np.array(self._recent[leg], dtype=float).reshape(-1, 4)  # t, smooth, raw, visibility
        if len(recent) < 4:
            return 0.0
        noise = jitter(recent[:, 0], recent[:, 2])
        floor = 0.05 * self.protocol.min_excursion
        return robust_range(recent[:, 1]) / max(noise, floor) * float(np.mean(recent[:, 3]))

    def update(self, pose: PoseFrame, width: int, height: int, started: float | None = None) -> LiveState:
        """Take the next frame's landmarks; ``started`` (``perf_counter`` at frame arrival) times latency."""
        t = pose.t_s
        last_t = self._recorded.last_t
        if len(self._recorded) < MAX_RECORDED_FRAMES and (last_t is None or t > last_t):
            self._recorded.append(t, pose.landmarks, pose.followed)
            self._size = (width, height)
        values, raws = {}, {}
        points = followed_landmarks(pose.landmarks, pose.followed)
        self._followed_seen |= pose.followed is not None
        for lg in Leg:
            raw = float(
                leg_signal(
                    self.protocol.signal,
                    points,
                    lg,
                    width,
                    height,
                    shank_px=self._shank(pose, lg, width, height),
                    followed=pose.followed,
                )
            )
            values[lg], raws[lg] = self._filters[lg](t, raw), raw
            buf = self._recent[lg]
            if math.isfinite(values[lg]):
                buf.append((t, values[lg], raw, float(leg_visible(pose.landmarks, lg))))
            while buf and buf[0][0] < t - LEG_CHOICE_WINDOW_S:
                buf.popleft()
        # The body on the move (walking, turning, a camera bumped): no rep can start or finish meanwhile,
        # and the rest is learnt again afterwards, as offline (vision.scene).
        unsettled = self._scene.update(t, pose.landmarks, width, height)
        if unsettled and not self._was_unsettled:
            for watch in self._watch.values():
                watch.tracker.interrupt(t, "the athlete moved (walking, turning away or the camera moved)")
        self._was_unsettled = unsettled
        completed: set[Leg] = set()
        for lg, watch in self._watch.items():
            before = watch.tracker.phase
            if not unsettled:
                if len(watch.signal_seen) < MAX_RECORDED_FRAMES and math.isfinite(raws[lg]):
                    watch.signal_seen.append((t, raws[lg]))
                if any(isinstance(e, RepCompleted) for e in watch.tracker.update(t, values[lg])):
                    completed.add(lg)
            if watch.tracker.phase != before:
                watch.phase_since = t
            angle = float(plantarflexion_deg(pose.landmarks, lg, width, height))
            if watch.tracker.at_rest and math.isfinite(angle):
                watch.rest_angles.append((t, angle))
        if self._first_t is None:
            self._first_t = t
        chosen_before = self._leg
        leg = self._pick_leg(t)
        if leg is not None and leg == chosen_before and leg in completed:
            self._count_reps()
        visible = leg is not None and bool(leg_visible(pose.landmarks, leg))
        angle = float(plantarflexion_deg(pose.landmarks, leg, width, height)) if leg is not None else math.nan
        self._frame_times.append(t)
        self.state = self._snapshot(t, leg, visible, angle, started)
        return self.state

    def _shank(self, pose: PoseFrame, leg: Leg, width: int, height: int) -> float | None:
        """The shank's length as the model has seen it lately (its median), which normalises heel lift."""
        p = leg_pixels(pose.landmarks, leg, width, height)
        length = float(np.hypot(*(p[0] - p[1])))
        if math.isfinite(length):
            self._shanks[leg].append(length)
        return float(np.median(self._shanks[leg])) if self._shanks[leg] else None

    def _count_reps(self) -> None:
        """The reps shown live: the tracker's, with the rules the report applies (``with_hindsight``) to the
        set so far: a rise small against the reps already done is sway, a hold split by a short sag is one
        hold. The count can fall back by one when a later rep shows an earlier rise was only sway. Reps small
        against the signal's own sway at rest are not counted at all; the cue says how to film instead."""
        self._counted = self._hindsight().reps
        seen = np.array(self._watch[self._leg].signal_seen if self._leg else []).reshape(-1, 2)
        # The set so far is smoothed as the report smooths a recording (zero-phase), so the count and the
        # report give the same verdict on the same frames.
        signal = smooth(seen[:, 0], seen[:, 1], self.protocol, Smoothing.ZERO_PHASE, self._followed_seen)
        self._too_weak = quality.too_weak(seen[:, 0], signal, self._counted)
        if self._too_weak:
            self._counted = []
        self._scores = score_reps(self._counted, self.protocol)
        self._summary = summarise(self._scores, self.protocol, self.band)

    def _hindsight(self) -> TrackedReps:
        return with_hindsight(list(self._tracker.reps), frozenset(), self._tracker.abandoned, self.protocol)

    def _snapshot(
        self, t: float, leg: Leg | None, visible: bool, angle: float, started: float | None = None
    ) -> LiveState:
        phase = self._tracker.phase
        since = self._watch[leg].phase_since if leg is not None else t
        elapsed = max(0.0, t - since) if phase != Phase.REST else 0.0
        times = self._frame_times
        fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
        latency = (time.perf_counter() - started) * 1000 if started else 0.0
        p = self.protocol
        return LiveState(
            t,
            phase,
            len(self._counted),
            leg,
            angle if math.isfinite(angle) else None,
            self._from_rest(angle),
            elapsed,
            p.target_for(phase),
            self._scores[-1] if self._scores else None,
            quality.WEAK_SIGNAL[p.signal] if self._too_weak else cue_for(phase, p, elapsed, visible),
            fps,
            latency,
            visible,
            self._summary,
            p.exercise_kind.hold_limit_s(p),
        )

    def _from_rest(self, angle: float) -> float | None:
        """The angle from the rest seen lately (a low percentile, like the tracker's rest level, so the
        first degrees of a push do not lift it); None until half a second of rest was seen."""
        rest = self._watch[self._leg].rest_angles if self._leg is not None else ()
        if not math.isfinite(angle) or not rest or rest[-1][0] - rest[0][0] < MIN_REST_SEEN_S:
            return None
        return angle - float(np.percentile([a for _, a in rest], REST_ANGLE_PERCENTILE))

    @property
    def scores(self) -> list[RepScore]:
        return list(self._scores)

    def to_session(self, source: str = "webcam") -> AnalysedSet:
        """The set so far as an ``AnalysedSet``, scored as the offline scorer scores the same frames (hindsight:
        every lowering measured to the floor, sway dropped, a sagging hold kept whole), for the same JSON
        as the CLI."""
        w, h = self._size
        track = self._recorded.build(w, h)
        info = info_for_track(track, source, codec="webrtc")
        if self.state.fps:  # the rate frames really arrived at, not the landmarks' median spacing
            info = replace(info, fps=self.state.fps)
        return analyse_track(track, self.protocol, leg=self._leg, band=self.band, info=info, source=source)
