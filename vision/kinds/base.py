"""What an exercise kind is: the behaviour that differs between kinds, as one class to subclass.

Contract: an ``ExerciseKind`` answers, for protocols of its kind, every question the rest of calfcheck
used to answer with an ``if isometric`` branch: what its protocol file must hold, whether a tempo can be
prescribed, the target of each phase, what hindsight does to the reps the tracker found, how a rep is
judged (faults, penalty and any per-rep measures it adds, as data), the set's band advice, the live cue,
the hold counted against a limit, the tempo guide, and the programme's move-up rule (how a session went
against its band's target, whether a set was taken to fatigue, and the words for each). Kinds register in
``vision.kinds.registry``; a protocol file names its kind by ``name``.

Defaults here are those of a rep-by-rep exercise timed against its phase targets; a kind overrides what
differs. Pure functions of typed values; the protocol and the programme's figures are read, never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from vision.types import BandAdvice, Fault, Interval, Outcome, Phase, Rep, RepScore

if TYPE_CHECKING:  # annotations only: these modules look kinds up here
    from vision.programme import ProgrammeRules
    from vision.protocols import ExerciseProtocol
    from vision.set_results import SessionResult, SetResult

MOVING_PHASES = (Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC)
# (phase) -> (fault when shorter than target, fault when longer)
PHASE_FAULTS = {
    Phase.CONCENTRIC: (Fault.PUSH_TOO_FAST, Fault.PUSH_TOO_SLOW),
    Phase.HOLD: (Fault.HOLD_TOO_SHORT, Fault.HOLD_TOO_LONG),
    Phase.ECCENTRIC: (Fault.RETURN_TOO_FAST, Fault.RETURN_TOO_SLOW),
}
MAX_PHASE_PENALTY = 35
# The tempo guide paces a phase with no target (the push and hold of an eccentric-only set) at 1-2-3.
GUIDE_DEFAULT_S = {Phase.CONCENTRIC: 1.0, Phase.HOLD: 2.0, Phase.ECCENTRIC: 3.0}


def finished_phases(rep: Rep) -> tuple[Phase, ...]:
    """The phases that ran their course: all three, or for an incomplete rep those before the cut."""
    if not rep.incomplete:
        return MOVING_PHASES
    return (Phase.CONCENTRIC,) if rep.eccentric.duration_s == 0 else (Phase.CONCENTRIC, Phase.HOLD)


def phase_faults(rep: Rep, protocol: ExerciseProtocol) -> tuple[list[Fault], float]:
    """Each finished, scored phase against its target: a fault outside the tolerance, and a penalty that is
    nothing inside half the tolerance and grows linearly to its cap at twice it."""
    faults, penalty = [], 0.0
    for phase in (p for p in protocol.scored_phases if p in finished_phases(rep)):
        error = rep.interval(phase).duration_s - protocol.target_s[phase]
        tol = protocol.tolerance_s[phase]
        if abs(error) > tol:
            faults.append(PHASE_FAULTS[phase][error > 0])
        over = max(0.0, abs(error) - 0.5 * tol) / max(1.5 * tol, 1e-6)
        penalty += MAX_PHASE_PENALTY * min(1.0, over)
    return faults, penalty


def without_sway(reps: list[Rep], min_fraction: float) -> list[Rep]:
    """Rises under ``min_fraction`` of the set's typical range are sway, not reps (not even partial ones)."""
    finished = [r.range_of_motion for r in reps if not r.incomplete]
    if len(finished) < 2 or min_fraction <= 0:
        return reps  # one rise is all there is: nothing to compare it with
    typical = float(np.percentile(finished, 75))
    return [r for r in reps if r.range_of_motion >= min_fraction * typical]


def merge_hold_dips(reps: list[Rep], max_dip_s: float) -> list[Rep]:
    """Holds separated by a sag shorter than ``max_dip_s`` are one hold with a wobble in it."""
    merged: list[Rep] = []
    for rep in reps:
        prev = merged[-1] if merged else None
        if prev is not None and rep.hold.start_s - prev.hold.end_s <= max_dip_s:
            merged[-1] = replace(
                prev,
                hold=Interval(prev.hold.start_s, rep.hold.end_s),
                eccentric=rep.eccentric,
                peak_level=max(prev.peak_level, rep.peak_level),
                incomplete=rep.incomplete,
            )
        else:
            merged.append(rep)
    return merged


class ExerciseKind:
    """A kind of exercise and everything that depends on it (module contract). Subclass and register."""

    name: str = ""
    # The phases a prescribed tempo (push-hold-return seconds) sets targets for; None: no tempo to prescribe.
    tempo_phases: tuple[Phase, ...] | None = MOVING_PHASES
    # Whether the protocol file's ``target.hold_s`` is the longest hold the band should allow (not a phase target).
    hold_is_a_limit: bool = False

    # --- the protocol file -------------------------------------------------------------------------------
    def file_problems(self, target: Mapping, tolerance: Mapping) -> list[str]:
        """What the protocol file's ``target`` and ``tolerance`` tables miss for this kind, in words."""
        timed = [p for p in ("concentric_s", "hold_s", "eccentric_s") if p in target]
        if not timed:
            return [f"target: a {self.name} protocol needs at least one target phase duration"]
        return [f"tolerance.{p}: missing (every timed phase needs its tolerance)" for p in timed if p not in tolerance]

    def target_for(self, protocol: ExerciseProtocol, phase: Phase) -> float | None:
        """The duration the athlete aims at in ``phase``; None when the phase has no target."""
        return protocol.target_s.get(phase)

    # --- analysis and scoring ------------------------------------------------------------------------------
    def hindsight(self, reps: list[Rep], protocol: ExerciseProtocol) -> list[Rep]:
        """What the whole set tells about the reps the tracker found, before they are renumbered."""
        return without_sway(reps, protocol.min_rep_fraction)

    def judge(self, rep: Rep, protocol: ExerciseProtocol) -> tuple[list[Fault], float]:
        """The rep's own faults and score penalty (range and stalls are judged for every kind)."""
        return phase_faults(rep, protocol)

    def rep_data(self, rep: Rep, protocol: ExerciseProtocol) -> dict[str, float]:
        """Per-rep measures this kind adds; they travel as data through the report, storage and programme."""
        return {}

    def band_advice(self, scores: list[RepScore], protocol: ExerciseProtocol) -> BandAdvice:
        """Harder past the rep limit on good reps; easier when the opening two reps were both faulty."""
        good = [s for s in scores if not s.faults]
        if protocol.max_reps is not None and len(good) > protocol.max_reps:
            return BandAdvice.HARDER
        opening = scores[:2]
        if len(opening) == 2 and all(s.faults for s in opening):
            return BandAdvice.EASIER
        return BandAdvice.STAY

    # --- what the athlete sees and hears -------------------------------------------------------------------
    def cue(self, phase: Phase, protocol: ExerciseProtocol, elapsed_s: float) -> str:
        """The live cue for the phase the athlete is in, ``elapsed_s`` into it."""
        target = protocol.target_s
        if phase == Phase.REST:
            return "Push the foot down now"
        if phase == Phase.CONCENTRIC:
            return f"Push… {target.get(Phase.CONCENTRIC, 1.0):.0f} s"
        if phase == Phase.HOLD:
            left = target.get(Phase.HOLD, 0.0) - elapsed_s
            return f"Hold… {left:.1f} s" if left > 0 else "Now return slowly"
        left = target.get(Phase.ECCENTRIC, 3.0) - elapsed_s
        return f"Slowly back… {max(left, 0):.1f} s" if left > 0 else "Relax at the bottom"

    def hold_limit_s(self, protocol: ExerciseProtocol) -> float | None:
        """A hold counted against the longest the band should allow (overlay and live page); None: no limit."""
        return None

    def guide(self, protocol: ExerciseProtocol) -> list[tuple[str, float]]:
        """The tempo guide's segments before the rest, as (label, seconds)."""
        seconds = {p: s if self.target_for(protocol, p) is None else self.target_for(protocol, p)
                   for p, s in GUIDE_DEFAULT_S.items()}  # fmt: skip
        return [
            ("PUSH", seconds[Phase.CONCENTRIC]),
            ("HOLD", seconds[Phase.HOLD]),
            ("RETURN", seconds[Phase.ECCENTRIC]),
        ]

    # --- the programme's move-up rule -------------------------------------------------------------------------
    def outcome(self, session: SessionResult, rules: ProgrammeRules) -> Outcome:
        """How a session went against its band's target: reps on tempo in every set (``[tempo]`` rules)."""
        if not session.sets or session.best_reps_on_tempo < rules.min_reps_on_tempo:
            return Outcome.FAILED
        fewest = min(s.reps_on_tempo for s in session.sets)
        if fewest > rules.reps_to_move_up:
            return Outcome.PASSED if all(self.taken_to_fatigue(s) for s in session.sets) else Outcome.NOT_TO_FATIGUE
        if fewest >= rules.reps_to_move_up - rules.half_step_within_reps:
            return Outcome.NEARLY
        return Outcome.WORKING

    def taken_to_fatigue(self, result: SetResult) -> bool:
        """The set ended when the tempo or the range faded."""
        return result.fade or not result.ended_on_tempo

    def sessions_to_move_up(self, rules: ProgrammeRules) -> int:
        return rules.tempo_sessions_in_a_row

    def target_text(self, rules: ProgrammeRules) -> str:
        """The band's target a failed session fell short of, e.g. ``6 reps on tempo in a set``."""
        return f"{rules.min_reps_on_tempo} reps on tempo in a set"

    def pass_evidence(self, latest: SessionResult, rules: ProgrammeRules) -> str:
        """What a passing session showed, e.g. ``more than 12 on-tempo reps in every set``."""
        return f"more than {rules.reps_to_move_up} on-tempo reps in every set"

    def nearly_figure(self, latest: SessionResult, rules: ProgrammeRules) -> str:
        """How close a nearly-outgrown band came, e.g. ``11 of 12 reps on tempo``."""
        return f"{min(s.reps_on_tempo for s in latest.sets)} of {rules.reps_to_move_up} reps on tempo"
