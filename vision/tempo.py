"""The tempo tracker: a typed state machine that finds reps in a signal fed one sample at a time.

Contract: ``TempoTracker.update(t_s, value)`` takes the next filtered sample (NaN for a dropout) and
returns the events it caused: phase changes as they are detected (for live cues) and, when a rep is
over, the finished ``Rep`` with the start and end of each phase. The live page (causal filter) and the
offline scorer (zero-phase filter) call this same code, so they find the same reps.

How it works:
- Coarse states come from hysteresis on levels relative to the athlete's own movement: the resting
  level is a low percentile of the recent rest, a rep starts once the signal rises ``trigger`` above it
  (the larger of the protocol's noise floor and a fraction of the athlete's typical range), a hold is a
  top that stays level for ``settle_s``, the return starts when the signal drops a fraction of the
  range below the hold, and the rep ends once the heel is down: settled within ``returned_fraction`` of
  the range from rest, or still for ``floor_settle_s`` below half the range (an athlete whose foot rests a
  little higher than before), or pushing again. A stall partway down, or a slow tail, does not end it.
- Precise edges are measured when the rep ends, from its buffered samples (``edges.measure_rep``). A
  whole recording knows more (the rest that follows, the next rep): ``vision.analysis`` measures each rep
  again with that hindsight.
- A dropout shorter than ``max_gap_s`` is stepped over; a longer one abandons the rep in progress
  rather than inventing its timing. A pause at the bottom is just a long REST.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from vision.edges import RepEdges, RepMarks, measure_rep
from vision.types import Interval, Phase, Rep

if TYPE_CHECKING:
    from vision.protocols import ExerciseProtocol


@dataclass(frozen=True)
class TrackerSettings:
    """Every threshold of the tracker, in the signal's units, seconds or fractions of the athlete's range."""

    min_excursion: float  # smallest rise that may be a rep, in signal units (the noise floor)
    trigger_fraction: float = 0.3  # of the typical range: how far above rest a rep starts
    drop_fraction: float = 0.3  # of the rep's range: how far below the top the return starts
    settle_s: float = 0.3  # how long a level must hold to count as a plateau
    max_gap_s: float = 1.0  # a longer dropout abandons the rep in progress
    rest_window_s: float = 2.0  # the rest level is read from this much recent rest
    rest_percentile: float = 30.0  # the rest level: low in the recent rest, so a twitch does not lift it
    min_rest_s: float = 0.3  # a rep can only start from a rest seen this long (not from a start-up glitch)
    returned_fraction: float = 0.12  # back within this share of the range from rest: the heel is down
    floor_settle_s: float = 1.5  # still this long below half the range: the heel is down at a new rest
    settle_share: float = 0.25  # of the lowering so far: how long the heel must stay put at the bottom (or settle_s)
    cut_returned_fraction: float = 0.25  # a stream that ends this close to rest ended after the return
    # A new top (or bottom) counts once the signal moves this share of the rep's range past the last one;
    # smaller steps are the plateau's micro-motion. Half the noise floor is the least step ever counted.
    level_step_fraction: float = 0.08
    noise_step_fraction: float = 0.5  # of ``min_excursion``: the least level tolerance or drop
    anchor_step_share: float = 0.5  # of the level tolerance: a new top/bottom moves the plateau's anchor
    abandon_share: float = 0.5  # of the trigger: a push that falls back below this was too small for a rep
    repush_fraction: float = 0.3  # of the rep's range: a rise from the bottom this big is the next push
    measure_lead_s: float = 3.0  # rest kept before the trigger when measuring the rep's edges

    @classmethod
    def for_protocol(cls, protocol: ExerciseProtocol) -> TrackerSettings:
        """Defaults with the protocol's noise floor (degrees for the angle, shank lengths for heel lift)."""
        return cls(min_excursion=protocol.min_excursion)


@dataclass(frozen=True)
class PhaseChange:
    phase: Phase
    t_s: float  # when it was detected (edges are refined when the rep ends)


@dataclass(frozen=True)
class RepCompleted:
    rep: Rep


@dataclass(frozen=True)
class RepAbandoned:
    t_s: float
    reason: str


TempoEvent = PhaseChange | RepCompleted | RepAbandoned


@dataclass
class _RepInProgress:
    baseline: float
    t_trigger: float
    peak: float
    t_peak: float  # last time the signal rose a significant step above ``peak_anchor``
    peak_anchor: float
    t_hold: float | None = None  # coarse hold start
    t_drop: float | None = None  # coarse return start
    trough: float = math.inf
    t_trough: float = math.nan  # last time the signal fell a significant step below ``trough_anchor``
    trough_anchor: float = math.inf
    t: list[float] = field(default_factory=list)
    v: list[float] = field(default_factory=list)


class TempoTracker:
    """Finds reps in a signal fed one sample at a time; the same object serves live cues and offline scores.

    ``phase`` is the current coarse phase, ``reps`` the finished reps (edges refined), ``abandoned`` how
    many rises were dropped (too small, foot out of view, clip ended mid-rep). ``update`` returns the
    events each sample caused; ``finish`` closes the stream.
    """

    def __init__(self, settings: TrackerSettings) -> None:
        self.settings = settings
        self.phase = Phase.REST
        self.reps: list[Rep] = []
        self.abandoned = 0
        self._rest: deque[tuple[float, float]] = deque()
        self._rep: _RepInProgress | None = None
        self._last_finite_t = -math.inf
        self._last_t = -math.inf

    # ---- levels -------------------------------------------------------------------------------
    def typical_range(self) -> float | None:
        if not self.reps:
            return None
        return float(np.median([r.range_of_motion for r in self.reps[-5:]]))

    def _trigger(self) -> float:
        typical = self.typical_range()
        floor = self.settings.min_excursion
        return floor if typical is None else max(floor, self.settings.trigger_fraction * typical)

    def rest_level(self) -> float:
        if not self._rest:
            return math.nan
        return float(np.percentile([v for _, v in self._rest], self.settings.rest_percentile))

    @property
    def at_rest(self) -> bool:
        """The athlete is resting: between reps, or with the heel already down while the tracker waits to be
        sure the lowering is over before it counts the rep."""
        rep = self._rep
        if self.phase == Phase.REST or rep is None:
            return self.phase == Phase.REST
        down = rep.baseline + self.settings.returned_fraction * (rep.peak - rep.baseline)
        return self.phase == Phase.ECCENTRIC and bool(rep.v) and rep.v[-1] < down

    # ---- feeding ------------------------------------------------------------------------------
    def update(self, t_s: float, value: float) -> list[TempoEvent]:
        if t_s <= self._last_t:
            return []  # time must move forward; a repeated timestamp carries no information
        self._last_t = t_s
        if not math.isfinite(value):
            if self._rep is not None and t_s - self._last_finite_t > self.settings.max_gap_s:
                return self._abandon(t_s, "the foot was out of view for too long")
            return []
        self._last_finite_t = t_s
        if self._rep is not None:
            self._rep.t.append(t_s)
            self._rep.v.append(value)
        handler = {
            Phase.REST: self._in_rest,
            Phase.CONCENTRIC: self._in_concentric,
            Phase.HOLD: self._in_hold,
            Phase.ECCENTRIC: self._in_eccentric,
        }[self.phase]
        return handler(t_s, value)

    def interrupt(self, t_s: float, reason: str) -> list[TempoEvent]:
        """The athlete is not settled (a camera cut, walking): drop the rep in progress, forget the rest
        level, and learn it again from the samples that follow."""
        events = self._abandon(t_s, reason) if self._rep is not None else []
        self._rest.clear()
        self.phase = Phase.REST
        return events

    def finish(self) -> list[TempoEvent]:
        """The stream ended: close the rep in progress.

        A return that came back near rest completes the rep; a return still on its way, or a hold cut
        off at the top, gives a rep marked ``incomplete`` with the phases that happened; a push that
        never reached a hold is abandoned.
        """
        rep = self._rep
        if rep is None:
            return []
        if self.phase == Phase.ECCENTRIC and math.isfinite(rep.t_trough):
            returned = rep.trough < rep.baseline + self.settings.cut_returned_fraction * (rep.peak - rep.baseline)
            return self._complete(rep.t[-1], incomplete=not returned)
        if self.phase == Phase.HOLD:
            return self._complete(rep.t[-1], cut_off=True)
        return self._abandon(rep.t[-1] if rep.t else self._last_t, "the clip ended mid-rep")

    # ---- states -------------------------------------------------------------------------------
    def _in_rest(self, t: float, v: float) -> list[TempoEvent]:
        if not self._rest or self._rest[-1][0] < t:  # a rep that just ended may have handed this sample over
            self._rest.append((t, v))
        while self._rest and self._rest[0][0] < t - self.settings.rest_window_s:
            self._rest.popleft()
        base = self.rest_level()
        settled = self._rest[-1][0] - self._rest[0][0] >= self.settings.min_rest_s
        if v - base < self._trigger() or not settled:
            return []
        self._rep = _RepInProgress(
            baseline=base,
            t_trigger=t,
            peak=v,
            t_peak=t,
            peak_anchor=v,
            t=[p[0] for p in self._rest],
            v=[p[1] for p in self._rest],
        )
        self.phase = Phase.CONCENTRIC
        return [PhaseChange(Phase.CONCENTRIC, t)]

    def _level_tolerance(self, rep: _RepInProgress) -> float:
        s = self.settings
        return max(s.noise_step_fraction * s.min_excursion, s.level_step_fraction * (rep.peak - rep.baseline))

    def _in_concentric(self, t: float, v: float) -> list[TempoEvent]:
        rep = self._rep
        rep.peak = max(rep.peak, v)
        if v > rep.peak_anchor + self.settings.anchor_step_share * self._level_tolerance(rep):
            rep.peak_anchor, rep.t_peak = v, t
        if v < rep.baseline + self.settings.abandon_share * self._trigger():
            return self._abandon(t, "the movement was too small to be a rep")
        if self._dropped(rep, v):
            return self._start_return(t)
        if t - rep.t_peak >= self.settings.settle_s:
            rep.t_hold = rep.t_peak
            self.phase = Phase.HOLD
            return [PhaseChange(Phase.HOLD, t)]
        return []

    def _dropped(self, rep: _RepInProgress, v: float) -> bool:
        top = rep.peak
        if self.phase == Phase.HOLD:
            # Measured from the hold's own level (its median so far), not its highest twitch, so a
            # long hold that sags a little with fatigue is still a hold.
            top = float(np.median([x for tt, x in zip(rep.t, rep.v) if tt >= rep.t_hold]))
        span = top - rep.baseline
        s = self.settings
        return v < top - max(s.drop_fraction * span, s.noise_step_fraction * s.min_excursion)

    def _in_hold(self, t: float, v: float) -> list[TempoEvent]:
        rep = self._rep
        rep.peak = max(rep.peak, v)
        if self._dropped(rep, v):
            return self._start_return(t)
        return []

    def _start_return(self, t: float) -> list[TempoEvent]:
        rep = self._rep
        rep.t_drop = t
        self.phase = Phase.ECCENTRIC
        return [PhaseChange(Phase.ECCENTRIC, t)]

    def _in_eccentric(self, t: float, v: float) -> list[TempoEvent]:
        rep = self._rep
        span = rep.peak - rep.baseline
        rep.trough = min(rep.trough, v)
        if v < rep.trough_anchor - self.settings.anchor_step_share * self._level_tolerance(rep):
            rep.trough_anchor, rep.t_trough = v, t
        if math.isfinite(rep.t_trough) and v > rep.trough + max(self._trigger(), self.settings.repush_fraction * span):
            # Pushed again before settling at the bottom: this rep ends at its lowest point.
            events = self._complete(rep.t_trough)
            return events + self._in_rest(t, v)
        still_s = t - rep.t_trough if math.isfinite(rep.t_trough) else 0.0
        s = self.settings
        # A slow lowering creeps: the longer it has taken, the longer the heel must stay put to be down.
        settled = max(s.settle_s, s.settle_share * (rep.t_trough - rep.t_drop)) if math.isfinite(rep.t_trough) else 0.0
        down = still_s >= settled and rep.trough < rep.baseline + s.returned_fraction * span
        resting_higher = still_s >= s.floor_settle_s and rep.trough < rep.baseline + 0.5 * span
        if down or resting_higher:
            return self._complete(t)
        return []

    # ---- endings ------------------------------------------------------------------------------
    def _abandon(self, t: float, reason: str) -> list[TempoEvent]:
        rep = self._rep
        self._rep = None
        self.phase = Phase.REST
        self.abandoned += 1
        self._rest.clear()
        if rep is not None:  # the samples since the trigger are the new rest history
            self._rest.extend((tt, vv) for tt, vv in zip(rep.t, rep.v) if tt >= t - self.settings.rest_window_s)
        return [RepAbandoned(t, reason), PhaseChange(Phase.REST, t)]

    def _complete(self, t_end: float, cut_off: bool = False, incomplete: bool = False) -> list[TempoEvent]:
        rep = self._rep
        built = _measure_rep(
            np.asarray(rep.t), np.asarray(rep.v), rep, len(self.reps) + 1, t_end, cut_off, self.settings
        )
        if built is not None and (cut_off or incomplete):
            built = replace(built, incomplete=True)
        self._rep = None
        self.phase = Phase.REST
        self._rest.clear()
        for tt, vv in zip(rep.t, rep.v):
            if tt >= max(t_end - self.settings.rest_window_s, rep.t_trough if math.isfinite(rep.t_trough) else t_end):
                self._rest.append((tt, vv))
        if built is None:
            self.abandoned += 1
            return [RepAbandoned(t_end, "the rep's timing could not be measured"), PhaseChange(Phase.REST, t_end)]
        self.reps.append(built)
        return [RepCompleted(built), PhaseChange(Phase.REST, t_end)]


def _measure_rep(
    t: np.ndarray,
    v: np.ndarray,
    rep: _RepInProgress,
    index: int,
    t_end: float,
    cut_off: bool,
    settings: TrackerSettings,
) -> Rep | None:
    """Measure the rep's edges from its buffered samples (see ``edges.measure_rep``)."""
    t_top = rep.t_hold if rep.t_hold is not None else rep.t_peak
    marks = RepMarks(rep.t_trigger, t_top, None if cut_off else (rep.t_drop if rep.t_drop is not None else t_top))
    edges = measure_rep(t, v, marks, rep.t_trigger - settings.measure_lead_s, t_end)
    return None if edges is None else rep_from_edges(index, edges)


def rep_from_edges(index: int, edges: RepEdges) -> Rep | None:
    """A ``Rep`` from measured edges; None when the rep has no rise above its rest."""
    if edges.top - edges.rest_before <= 0:
        return None
    c0, c1, e0, e1 = edges.knots
    return Rep(
        index, Interval(c0, c1), Interval(c1, e0), Interval(e0, e1), edges.rest_before, edges.top, stalls=edges.stalls
    )


def remeasure_whole(reps: list[Rep], t: np.ndarray, v: np.ndarray) -> list[Rep]:
    """Each rep measured again with what only a whole recording holds: the rest that follows it, up to the
    next rep's start (a slow lowering is measured to the floor, however long after the tracker counted it).
    A rep that cannot be measured again keeps its first measurement."""
    out: list[Rep] = []
    for i, rep in enumerate(reps):
        lo = out[-1].end_s if out else -math.inf
        hi = reps[i + 1].start_s if i + 1 < len(reps) else math.inf
        cut_off = rep.eccentric.duration_s == 0 and rep.incomplete
        marks = RepMarks(
            0.5 * (rep.concentric.start_s + rep.concentric.end_s),
            rep.concentric.end_s,
            None if cut_off else 0.5 * (rep.eccentric.start_s + rep.eccentric.end_s),
        )
        edges = measure_rep(t, v, marks, lo, hi)
        again = rep_from_edges(rep.index, edges) if edges is not None else None
        out.append(rep if again is None else replace(again, incomplete=rep.incomplete))
    return out
