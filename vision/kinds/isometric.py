"""The isometric hold: push down and hold against the band, up to the longest hold it should allow.

Contract: ``ISOMETRIC`` is the registered ``ExerciseKind``. A set is one hold (or a few): the protocol
file's ``target.hold_s`` is the limit (past it, a tougher band), ``target.min_hold_s`` the shortest first
hold before an easier band is advised. A hold is never judged against a tempo; a hold cut off by the end of
the clip keeps its time and counts; sags shorter than ``detection.max_hold_dip_s`` are wobbles inside one
hold. The programme moves up on a hold past ``[isometric] hold_to_move_up_s``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from vision.kinds.base import ExerciseKind, merge_hold_dips, without_sway
from vision.types import BandAdvice, Fault, Outcome, Phase, ProtocolKind, Rep, RepScore, Summary

if TYPE_CHECKING:
    from vision.programme import ProgrammeRules
    from vision.protocols import ExerciseProtocol
    from vision.set_results import SessionResult, SetResult

DEFAULT_LIMIT_S = 30.0
RELEASE_S = 2.0  # the tempo guide's release after the hold


class IsometricKind(ExerciseKind):
    name = ProtocolKind.ISOMETRIC.value
    tempo_phases = None  # a hold has no tempo to prescribe
    hold_is_a_limit = True

    def file_problems(self, target: Mapping, tolerance: Mapping) -> list[str]:
        hold, least = target.get("hold_s"), target.get("min_hold_s")
        if hold is None:
            return ["target.hold_s: missing (an isometric protocol needs the longest hold, in seconds)"]
        numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (hold, least))
        return ["target.min_hold_s: must be shorter than target.hold_s"] if numbers and least >= hold else []

    def target_for(self, protocol: ExerciseProtocol, phase: Phase) -> float | None:
        return protocol.max_hold_s if phase == Phase.HOLD else None

    def hindsight(self, reps: list[Rep], protocol: ExerciseProtocol) -> list[Rep]:
        complete = [replace(r, incomplete=False) for r in reps]  # a hold the clip cut off is the set's result
        return merge_hold_dips(without_sway(complete, protocol.min_rep_fraction), protocol.max_hold_dip_s)

    def judge(self, rep: Rep, protocol: ExerciseProtocol) -> tuple[list[Fault], float]:
        return [], 0.0

    def band_advice(self, scores: list[RepScore], protocol: ExerciseProtocol) -> BandAdvice:
        longest = max(s.rep.hold.duration_s for s in scores)
        if protocol.max_hold_s is not None and longest > protocol.max_hold_s:
            return BandAdvice.HARDER
        first = scores[0]
        too_short = bool(protocol.min_hold_s) and first.rep.hold.duration_s < protocol.min_hold_s
        if Fault.PARTIAL_RANGE in first.faults or (too_short and Fault.HOLD_CUT_OFF not in first.faults):
            return BandAdvice.EASIER
        return BandAdvice.STAY

    def cue(self, phase: Phase, protocol: ExerciseProtocol, elapsed_s: float) -> str:
        limit = protocol.max_hold_s or DEFAULT_LIMIT_S
        return {Phase.REST: "Push the foot down and hold",
                Phase.CONCENTRIC: "Push down…",
                Phase.HOLD: f"Hold — {elapsed_s:.0f} of {limit:.0f} s",
                Phase.ECCENTRIC: "Release slowly"}[phase]  # fmt: skip

    def describe_set(self, summary: Summary, protocol: ExerciseProtocol) -> str:
        limit = protocol.max_hold_s or DEFAULT_LIMIT_S
        hold = summary.longest_hold_s
        where = "past" if hold > limit else "within"
        return f"longest hold {hold:.0f} s: {where} the {limit:.0f} s this band should allow."

    def hold_limit_s(self, protocol: ExerciseProtocol) -> float | None:
        return protocol.max_hold_s

    def guide(self, protocol: ExerciseProtocol) -> list[tuple[str, float]]:
        return [("PUSH", 1.0), ("HOLD", protocol.max_hold_s or DEFAULT_LIMIT_S), ("RELEASE", RELEASE_S)]

    def hold_limit(self, result: SetResult, rules: ProgrammeRules) -> float:
        """The band's limit: the set's own protocol's ``target.hold_s``, else the programme's default."""
        return result.hold_limit_s or rules.hold_to_move_up_s

    def outcome(self, session: SessionResult, rules: ProgrammeRules) -> Outcome:
        """A hold past the limit → PASSED (even one the clip cut off: it was already past); holds the clip cut
        off short of it are no evidence; the longest full hold under ``min_hold_s`` → FAILED; else the band
        is right."""
        if any(s.longest_hold_s > self.hold_limit(s, rules) for s in session.sets):
            return Outcome.PASSED
        held = [s for s in session.sets if self.taken_to_fatigue(s)]
        if not held:
            return Outcome.NOT_TO_FATIGUE
        if max(s.longest_hold_s for s in held) < rules.min_hold_s:
            return Outcome.FAILED
        return Outcome.WORKING

    def taken_to_fatigue(self, result: SetResult) -> bool:
        """A hold ends when the athlete can no longer hold, unless the clip cut it off."""
        return not result.hold_cut_off

    def not_to_fatigue_text(self, which: str) -> str:
        return (
            f"the clip ended during the hold of set {which}, so it shows nothing about the band; next time film "
            "the whole hold"
        )

    def sessions_to_move_up(self, rules: ProgrammeRules) -> int:
        return rules.isometric_sessions_in_a_row

    def target_text(self, rules: ProgrammeRules) -> str:
        return f"a hold of {rules.min_hold_s:.0f} s"

    def pass_evidence(self, latest: SessionResult, rules: ProgrammeRules) -> str:
        limit = self.hold_limit(latest.sets[0], rules) if latest.sets else rules.hold_to_move_up_s
        return f"a hold of {latest.longest_hold_s:.0f} s, past {limit:.0f} s,"

    def figures(self, latest: SessionResult, rules: ProgrammeRules) -> str:
        limit = self.hold_limit(latest.sets[0], rules) if latest.sets else rules.hold_to_move_up_s
        return f"a longest hold of {latest.longest_hold_s:.0f} s of {limit:.0f} s"


ISOMETRIC = IsometricKind()
