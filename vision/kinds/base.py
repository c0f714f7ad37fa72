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

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from vision.types import BandAdvice, Fault, Interval, Outcome, Phase, Rep, RepScore, Summary

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
# The eccentric-only version loads the band on the return alone: the foot goes down unloaded (fast, no hold)
# and comes back slowly. A set scored as the full version in which at least this share of at least this many
# finished reps push too fast and hold too short while their return is not too fast looks like that version.
LOOKALIKE_MIN_REPS = 3
LOOKALIKE_SHARE = 0.8


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


def unloaded_push_pattern(rep_faults: Sequence[Collection[str]]) -> bool:
    """Whether the finished reps' faults show the eccentric-only pattern: nearly every push too fast with a
    hold too short, and a return that is not too fast (``LOOKALIKE_SHARE`` of at least ``LOOKALIKE_MIN_REPS``)."""
    if len(rep_faults) < LOOKALIKE_MIN_REPS:
        return False
    unloaded = [
        f for f in rep_faults
        if Fault.PUSH_TOO_FAST in f and Fault.HOLD_TOO_SHORT in f and Fault.RETURN_TOO_FAST not in f
    ]  # fmt: skip
    return len(unloaded) >= LOOKALIKE_SHARE * len(rep_faults)


class ExerciseKind:
    """A kind of exercise and everything that depends on it (module contract). Subclass and register."""

    name: str = ""
    # The phases a prescribed tempo (push-hold-return seconds) sets targets for; None: no tempo to prescribe.
    tempo_phases: tuple[Phase, ...] | None = MOVING_PHASES
    # Whether the protocol file's ``target.hold_s`` is the longest hold the band should allow (not a phase target).
    hold_is_a_limit: bool = False
    # Whether a set of this kind can be the eccentric-only version saved as this one (a full push-hold-return).
    has_eccentric_only_lookalike: bool = False
    # Whether this kind is an exercise's eccentric-only version (the band loaded on the return alone).
    loads_only_the_return: bool = False

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

    def looks_eccentric_only(self, rep_faults: Sequence[Collection[str]]) -> bool:
        """Whether a set of this kind, by its finished reps' faults, looks like the eccentric-only version."""
        return self.has_eccentric_only_lookalike and unloaded_push_pattern(rep_faults)

    # --- what the athlete sees and hears -------------------------------------------------------------------
    def describe_set(self, summary: Summary, protocol: ExerciseProtocol) -> str:
        """The set in words against its band's limit (a description: the decision is the programme's)."""
        if summary.looks_eccentric_only:
            return (
                "Every push was fast with no hold while the returns were controlled: this looks like the "
                "eccentric-only version. Was it? If so, score it as eccentric-only; as the full version it says "
                "nothing about the band."
            )
        good, limit = summary.good_rep_count, protocol.max_reps
        taken = ", taken to fatigue" if summary.fatigue else ""
        words = f"{good} reps on target{taken}"
        if limit is not None:
            words += f": {'above' if good > limit else 'at or under'} the {limit} this band should allow"
        if summary.band_advice == BandAdvice.EASIER:
            words += "; the first reps were already off target, so the band may be too tough"
        return words + "."

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
    def rep_limit(self, result: SetResult, rules: ProgrammeRules) -> int:
        """The band's limit for this set: its own protocol's ``max_reps``, else the programme's default."""
        return result.rep_limit or rules.reps_to_move_up

    def outcome(self, session: SessionResult, rules: ProgrammeRules) -> Outcome:
        """How a complete session went against its band's limit (the exercise's own instructions: the band
        must allow no more than 12 reps; past 12, a tougher band):

        - every set looking like the eccentric-only version saved as this one → VERSION_DOUBT: no evidence;
        - every set above its limit (reps that count: no fault meaning "too tough") → PASSED;
        - no set taken to fatigue (eccentric-only look-alikes aside) → NOT_TO_FATIGUE: no evidence either way;
        - the best set taken to fatigue under ``min_reps_on_tempo`` → FAILED (too tough);
        - otherwise at or under the limit, taken to fatigue → WORKING: the band is right.
        """
        if not session.sets:
            return Outcome.NOT_TO_FATIGUE
        if all(s.looks_eccentric_only for s in session.sets):
            return Outcome.VERSION_DOUBT
        if all(s.counted_reps > self.rep_limit(s, rules) for s in session.sets):
            return Outcome.PASSED
        evidence = [s for s in session.sets if self.taken_to_fatigue(s) and not s.looks_eccentric_only]
        if not evidence:
            return Outcome.NOT_TO_FATIGUE
        if max(s.counted_reps for s in evidence) < rules.min_reps_on_tempo:
            return Outcome.FAILED
        return Outcome.WORKING

    def taken_to_fatigue(self, result: SetResult) -> bool:
        """The set ended when the tempo or the range faded (its last rep was too tough, or it faded)."""
        return result.fade or not result.ended_within_band

    def not_to_fatigue_text(self, which: str) -> str:
        """Why the sets ``which`` ("2" or "1, 3") are no evidence, and what to do next time."""
        return (
            f"set {which} stopped with reps still on tempo and no fade, so it was not taken to fatigue; next "
            "time keep going until the tempo or the range fades"
        )

    def version_doubt_text(self, which: str) -> str:
        """Why the sets ``which`` look like the eccentric-only version, and what to do about it."""
        return (
            f"every push in set {which} was fast with no hold while the returns were controlled: that looks like "
            "the eccentric-only version; if it was, save it as eccentric-only"
        )

    def sessions_to_move_up(self, rules: ProgrammeRules) -> int:
        return rules.tempo_sessions_in_a_row

    def target_text(self, rules: ProgrammeRules) -> str:
        """The band's floor a failed session fell short of, e.g. ``6 reps in a set taken to fatigue``."""
        return f"{rules.min_reps_on_tempo} reps in a set taken to fatigue"

    def pass_evidence(self, latest: SessionResult, rules: ProgrammeRules) -> str:
        """What a passing session showed, e.g. ``more than 12 reps in every set``."""
        limits = sorted({self.rep_limit(s, rules) for s in latest.sets}) or [rules.reps_to_move_up]
        return f"more than {'/'.join(map(str, limits))} reps in every set"

    def figures(self, latest: SessionResult, rules: ProgrammeRules) -> str:
        """The session in figures against its limit, e.g. ``12, 11 and 10 reps of 12``."""
        counts = [str(s.counted_reps) for s in latest.sets]
        listed = counts[0] if len(counts) == 1 else f"{', '.join(counts[:-1])} and {counts[-1]}"
        return f"{listed} reps of {self.rep_limit(latest.sets[0], rules)}" if latest.sets else "no set"
