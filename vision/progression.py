"""The programme's decision: next session's band and exercise, and why.

Contract: pure functions of typed values, no I/O. ``advise(history, current, rules)`` takes an athlete's
sessions on one leg (``SessionResult``, oldest first, any exercise) and the current prescription
(``Step``: protocol id and band) and returns ``Advice``: what to do next time and the reason in one
sentence. The rules' numbers come from ``ProgrammeRules`` (``programme.toml``); what passing, failing and
"taken to fatigue" mean for an exercise, and the words for them, come from its kind (``vision.kinds``).
Adherence (``vision.adherence``) and left against right (``vision.leg_comparison``) are modules of their own.

Rules, in the order they are applied to the latest session on the current step:
1. Scores collapsing inside a set (last third of reps below ``score_collapse_ratio`` of the first third)
   moves nobody up: stay.
2. Failing the band's target (best set under ``min_reps_on_tempo`` reps on tempo, or longest hold under
   ``min_hold_s``) ``sessions_to_step_back`` sessions in a row: back one band; once: stay.
3. Passing (tempo: more than ``reps_to_move_up`` reps on tempo in every set, every set taken to fatigue;
   isometric: a hold longer than ``hold_to_move_up_s``) ``sessions_in_a_row`` sessions in a row moves up:
   the next band; from ``ready_at_band`` on, the next version of the exercise (isometric → eccentric →
   full tempo, confirmed by the therapist); after the toughest band, the next exercise (seated, then
   standing heel raises).
4. A set that stopped with reps still on tempo and no fade was not taken to fatigue: it does not count.
5. A colour nearly outgrown offers the half step: stretch the band further before engaging, or twist it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from vision.kinds import kind_named
from vision.programme import ProgrammeRules
from vision.protocols import TEMPO_MARK
from vision.set_results import SessionResult
from vision.types import Outcome


class Action(StrEnum):
    START = "start"
    STAY = "stay"
    HALF_STEP = "half_step"
    MOVE_UP = "move_up"
    STEP_BACK = "step_back"
    NEXT_VERSION = "next_version"
    NEXT_EXERCISE = "next_exercise"


@dataclass(frozen=True)
class Step:
    """A prescription's exercise: a protocol id and a band colour (None for heel raises)."""

    protocol: str
    band: str | None

    @property
    def label(self) -> str:
        return f"{self.protocol} on {self.band}" if self.band else self.protocol


@dataclass(frozen=True)
class Advice:
    action: Action
    next: Step
    reason: str  # one sentence
    needs_confirmation: bool = False  # a change of exercise version: the therapist confirms
    outcome: Outcome | None = None  # how the latest session went

    @property
    def headline(self) -> str:
        """What to do next session, in words: the step and, for a change of exercise, who decides."""
        return self.next.label + (" (your therapist confirms)" if self.needs_confirmation else "")


def outcome_of(session: SessionResult, rules: ProgrammeRules) -> Outcome:
    """How the session went against its band's target: collapsing scores for every kind, else its kind's rule."""
    if any(s.collapsed(rules.score_collapse_ratio) for s in session.sets):
        return Outcome.COLLAPSED
    return kind_named(session.kind).outcome(session, rules)


def _trailing(outcomes: list[Outcome], wanted: Outcome) -> int:
    n = 0
    for o in reversed(outcomes):
        if o != wanted:
            break
        n += 1
    return n


def _exercise(protocol: str) -> str:
    """The exercise a protocol reference names, without a prescribed tempo (``band-tempo@3-0-3``)."""
    return protocol.split(TEMPO_MARK, 1)[0]


def _band_name(band: str | None) -> str:
    return band if band else "no band"


def _step_up(current: Step, rules: ProgrammeRules) -> tuple[Action, Step, bool]:
    """Where passing the current step leads: next band, next version, or next exercise."""
    bands = rules.bands
    exercise = _exercise(current.protocol)  # a prescribed tempo is the same exercise on the same ladder
    in_versions = exercise in rules.versions
    later_version = (
        rules.versions[rules.versions.index(exercise) + 1] if in_versions and exercise != rules.versions[-1] else None
    )
    if current.band in bands:
        i = bands.index(current.band)
        if later_version and i >= bands.index(rules.version_ready_at_band):
            restart = bands[max(0, i - rules.version_restart_bands_lighter)]
            return Action.NEXT_VERSION, Step(later_version, restart), True
        if i + 1 < len(bands):
            return Action.MOVE_UP, Step(current.protocol, bands[i + 1]), False
    if later_version:  # toughest band (or none) and a later version: that version, from the toughest band
        return Action.NEXT_VERSION, Step(later_version, current.band), True
    ladder = list(rules.after_bands)
    if exercise in ladder:
        j = ladder.index(exercise) + 1
        if j < len(ladder):
            return Action.NEXT_EXERCISE, Step(ladder[j], None), True
        return Action.STAY, current, False  # the top of the programme
    if ladder:
        return Action.NEXT_EXERCISE, Step(ladder[0], None), True
    return Action.STAY, current, False


def _set_notes(session: SessionResult, rules: ProgrammeRules) -> str:
    kind = kind_named(session.kind)
    not_fatigued = [i + 1 for i, s in enumerate(session.sets) if not kind.taken_to_fatigue(s)]
    if not not_fatigued:
        return ""
    which = ", ".join(str(i) for i in not_fatigued)
    return (
        f"set {which} stopped with reps still on tempo and no fade, so it was not taken to fatigue and does "
        "not count towards moving up; next time keep going until the tempo or the range fades"
    )


def advise(history: Iterable[SessionResult], current: Step, rules: ProgrammeRules) -> Advice:
    """The next session's step and why (see the module docstring for the rules and their order)."""
    on_step = sorted(
        (s for s in history if s.protocol == current.protocol and s.band == current.band), key=lambda s: s.day
    )
    band = _band_name(current.band)
    if not on_step:
        return Advice(Action.START, current, f"no session on {band} yet: do each set to fatigue and save it")
    latest = on_step[-1]
    outcomes = [outcome_of(s, rules) for s in on_step]
    outcome = outcomes[-1]
    kind = kind_named(latest.kind)

    if outcome == Outcome.COLLAPSED:
        return Advice(
            Action.STAY,
            current,
            f"scores collapsed towards the end of a set on {band}: that session moves nobody up; stay on {band} "
            "and keep every rep on tempo",
            outcome=outcome,
        )
    if outcome == Outcome.FAILED:
        fails = _trailing(outcomes, Outcome.FAILED)
        target = kind.target_text(rules)
        if fails >= rules.sessions_to_step_back and current.band in rules.bands:
            i = rules.bands.index(current.band)
            if i > 0:
                lighter = rules.bands[i - 1]
                return Advice(
                    Action.STEP_BACK,
                    Step(current.protocol, lighter),
                    f"{fails} sessions in a row under {target} on {band} → go back to {lighter}",
                    outcome=outcome,
                )
            return Advice(
                Action.STAY,
                current,
                f"{fails} sessions in a row under {target} on {band}, the lightest band: stay and ask your therapist",
                outcome=outcome,
            )
        return Advice(Action.STAY, current, f"under {target} on {band} this session: stay on {band}", outcome=outcome)
    if outcome == Outcome.PASSED:
        needed = kind.sessions_to_move_up(rules)
        run = _trailing(outcomes, Outcome.PASSED)
        evidence = kind.pass_evidence(latest, rules)
        if run < needed:
            return Advice(
                Action.STAY,
                current,
                f"{run} of {needed} sessions in a row with {evidence} on {band}: one more moves you up",
                outcome=outcome,
            )
        action, step, confirm = _step_up(current, rules)
        sessions = f"{run} sessions in a row with" if run > 1 else "a session with"
        where = step.protocol if step.protocol != current.protocol else _band_name(step.band)
        if action == Action.NEXT_VERSION:
            where = f"{step.protocol} on {_band_name(step.band)} (your therapist confirms)"
        elif action == Action.NEXT_EXERCISE:
            where = f"{step.protocol} (your therapist confirms)"
        elif action == Action.STAY:
            return Advice(
                Action.STAY,
                current,
                f"{sessions} {evidence} on {band}: the top of the programme; keep going as your therapist advises",
                outcome=outcome,
            )
        return Advice(action, step, f"{sessions} {evidence} on {band} → move to {where}", confirm, outcome)
    if outcome == Outcome.NOT_TO_FATIGUE:
        return Advice(Action.STAY, current, f"{_set_notes(latest, rules)}: stay on {band}", outcome=outcome)
    if outcome == Outcome.NEARLY:
        figure = kind.nearly_figure(latest, rules)
        return Advice(
            Action.HALF_STEP,
            current,
            f"{band} is nearly outgrown ({figure}): take the half step, stretching the band further before "
            "engaging it or twisting it",
            outcome=outcome,
        )
    note = _set_notes(latest, rules)
    reason = f"working within {band}'s range: stay on {band}" + (f"; {note}" if note else "")
    return Advice(Action.STAY, current, reason, outcome=outcome)
