"""The programme's decisions: next session's band and exercise, adherence, left against right.

Contract: pure functions of typed values, no I/O. ``advise(history, current, rules)`` takes an athlete's
sessions on one leg (``SessionResult``, oldest first, any exercise) and the current prescription
(``Step``: protocol id and band) and returns ``Advice``: what to do next time and the reason in one
sentence. ``adherence(days, sessions_per_week, start, today)`` counts sessions per ISO week against the
prescription. ``compare_legs`` puts each leg's latest figures side by side with the limb symmetry index
(weaker / stronger, %). The rules' numbers come from ``ProgrammeRules`` (``programme.toml``).

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
from datetime import date, timedelta
from enum import StrEnum

import numpy as np

from vision.programme import ProgrammeRules
from vision.protocols import TEMPO_MARK
from vision.types import Fault, Leg, ProtocolKind


class Action(StrEnum):
    START = "start"
    STAY = "stay"
    HALF_STEP = "half_step"
    MOVE_UP = "move_up"
    STEP_BACK = "step_back"
    NEXT_VERSION = "next_version"
    NEXT_EXERCISE = "next_exercise"


class Outcome(StrEnum):
    """How one session went against its band's target."""

    PASSED = "passed"
    NEARLY = "nearly"  # close to the limit: the half step
    WORKING = "working"  # inside the band's range: keep going
    NOT_TO_FATIGUE = "not_to_fatigue"  # would have passed, but a set stopped with reps still on tempo
    COLLAPSED = "collapsed"
    FAILED = "failed"


@dataclass(frozen=True)
class SetResult:
    """The figures of one scored set that the programme reads (from a ``calfcheck.score/1`` report)."""

    reps: int  # finished reps
    reps_on_tempo: int  # finished reps with no fault
    longest_hold_s: float
    rep_scores: tuple[int, ...]  # finished reps, in order
    fade: bool  # range or tempo fading over the set (the report's summary.fatigue)
    ended_on_tempo: bool  # the last finished rep had no fault
    hold_cut_off: bool  # isometric: the clip ended during the hold
    mean_range_deg: float | None
    # Where the finished reps' lowerings stalled (share of the way down), one entry per stall: information
    # for the therapist (weakness or pain in that part of the range), not a rule of the programme.
    stall_shares: tuple[float, ...] = ()

    @property
    def mean_score(self) -> float | None:
        return float(np.mean(self.rep_scores)) if self.rep_scores else None

    @classmethod
    def from_report(cls, report: dict) -> SetResult:
        reps = [r for r in report.get("reps", []) if not r.get("incomplete")]
        ranges = [r["rom_deg"] for r in reps if r.get("rom_deg") is not None]
        return cls(
            reps=len(reps),
            reps_on_tempo=sum(1 for r in reps if not r["faults"]),
            longest_hold_s=float(report["summary"]["longest_hold_s"] or 0.0),
            rep_scores=tuple(int(r["score"]) for r in reps),
            fade=bool(report["summary"]["fatigue"]),
            ended_on_tempo=bool(reps) and not reps[-1]["faults"],
            hold_cut_off=any(Fault.HOLD_CUT_OFF in r["faults"] for r in report.get("reps", [])),
            mean_range_deg=round(float(np.mean(ranges)), 1) if ranges else None,
            stall_shares=tuple(float(st["share_of_the_way_down"]) for r in reps for st in r.get("stalls", [])),
        )

    def taken_to_fatigue(self, kind: ProtocolKind) -> bool:
        """Tempo work: the set ended when tempo or range faded. An isometric hold ends when the athlete
        can no longer hold, unless the clip cut it off."""
        if kind == ProtocolKind.ISOMETRIC:
            return not self.hold_cut_off
        return self.fade or not self.ended_on_tempo

    def collapsed(self, ratio: float) -> bool:
        n = len(self.rep_scores)
        if n < 3:
            return False
        third = max(1, n // 3)
        first, last = np.mean(self.rep_scores[:third]), np.mean(self.rep_scores[-third:])
        return bool(first > 0 and last < ratio * first)


@dataclass(frozen=True)
class SessionResult:
    day: date
    protocol: str
    kind: ProtocolKind
    leg: Leg
    band: str | None
    sets: tuple[SetResult, ...]

    @property
    def best_reps_on_tempo(self) -> int:
        return max((s.reps_on_tempo for s in self.sets), default=0)

    @property
    def longest_hold_s(self) -> float:
        return max((s.longest_hold_s for s in self.sets), default=0.0)

    @property
    def stall_shares(self) -> tuple[float, ...]:
        return tuple(x for s in self.sets for x in s.stall_shares)

    @property
    def mean_range_deg(self) -> float | None:
        values = [s.mean_range_deg for s in self.sets if s.mean_range_deg is not None]
        return round(float(np.mean(values)), 1) if values else None

    @property
    def mean_score(self) -> float | None:
        scores = [x for s in self.sets for x in s.rep_scores]
        return round(float(np.mean(scores)), 1) if scores else None


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
    if any(s.collapsed(rules.score_collapse_ratio) for s in session.sets):
        return Outcome.COLLAPSED
    if session.kind == ProtocolKind.ISOMETRIC:
        hold = session.longest_hold_s
        if hold > rules.hold_to_move_up_s:
            return Outcome.PASSED
        if hold < rules.min_hold_s:
            return Outcome.FAILED
        if hold >= rules.hold_to_move_up_s - rules.half_step_within_s:
            return Outcome.NEARLY
        return Outcome.WORKING
    if not session.sets or session.best_reps_on_tempo < rules.min_reps_on_tempo:
        return Outcome.FAILED
    fewest = min(s.reps_on_tempo for s in session.sets)
    if fewest > rules.reps_to_move_up:
        if all(s.taken_to_fatigue(session.kind) for s in session.sets):
            return Outcome.PASSED
        return Outcome.NOT_TO_FATIGUE
    if fewest >= rules.reps_to_move_up - rules.half_step_within_reps:
        return Outcome.NEARLY
    return Outcome.WORKING


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
    not_fatigued = [i + 1 for i, s in enumerate(session.sets) if not s.taken_to_fatigue(session.kind)]
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
    isometric = latest.kind == ProtocolKind.ISOMETRIC

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
        target = (
            f"a hold of {rules.min_hold_s:.0f} s" if isometric else f"{rules.min_reps_on_tempo} reps on tempo in a set"
        )
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
        needed = rules.isometric_sessions_in_a_row if isometric else rules.tempo_sessions_in_a_row
        run = _trailing(outcomes, Outcome.PASSED)
        if isometric:
            evidence = f"a hold of {latest.longest_hold_s:.0f} s, past {rules.hold_to_move_up_s:.0f} s,"
        else:
            evidence = f"more than {rules.reps_to_move_up} on-tempo reps in every set"
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
        figure = (
            f"a hold of {latest.longest_hold_s:.0f} s of {rules.hold_to_move_up_s:.0f} s"
            if isometric
            else f"{min(s.reps_on_tempo for s in latest.sets)} of {rules.reps_to_move_up} reps on tempo"
        )
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


@dataclass(frozen=True)
class WeekAdherence:
    year: int
    week: int
    sessions: int
    target: int

    @property
    def met(self) -> bool:
        return self.sessions >= self.target

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(frozen=True)
class Adherence:
    weeks: tuple[WeekAdherence, ...]
    streak_weeks: int  # weeks in a row meeting the target, up to the latest finished (or met) week
    longest_gap_weeks: int  # longest run of weeks with no session at all
    share_met: float  # fraction of weeks that met the target


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def adherence(days: Iterable[date], sessions_per_week: int, start: date, today: date) -> Adherence:
    """Sessions per ISO week from the week of ``start`` to the week of ``today``, against the target.

    The current week counts towards the streak only once it has met the target (it is not over yet).
    """
    counts: dict[date, int] = {}
    for d in days:
        counts[_monday(d)] = counts.get(_monday(d), 0) + 1
    first, last = _monday(min([start, *counts])), _monday(max([today, *counts]))
    weeks = []
    monday = first
    while monday <= last:
        iso = monday.isocalendar()
        weeks.append(WeekAdherence(iso.year, iso.week, counts.get(monday, 0), sessions_per_week))
        monday += timedelta(days=7)
    streak = 0
    for i, w in enumerate(reversed(weeks)):
        if w.met:
            streak += 1
        elif not (i == 0 and _monday(today) == last):  # an unfinished week not yet met breaks nothing
            break
    gap = longest = 0
    for w in weeks:
        gap = gap + 1 if w.sessions == 0 else 0
        longest = max(longest, gap)
    share = sum(w.met for w in weeks) / len(weeks) if weeks else 0.0
    return Adherence(tuple(weeks), streak, longest, round(share, 2))


@dataclass(frozen=True)
class LegFigures:
    leg: Leg
    day: date | None
    reps_on_tempo: int | None
    longest_hold_s: float | None
    range_deg: float | None


@dataclass(frozen=True)
class LegComparison:
    left: LegFigures
    right: LegFigures
    symmetry_pct: dict[str, float | None]  # limb symmetry index per figure: weaker / stronger × 100


def _latest_figures(history: list[SessionResult], leg: Leg) -> LegFigures:
    mine = [s for s in history if s.leg == leg]
    if not mine:
        return LegFigures(leg, None, None, None, None)
    s = max(mine, key=lambda s: s.day)
    return LegFigures(leg, s.day, s.best_reps_on_tempo, round(s.longest_hold_s, 1), s.mean_range_deg)


def _symmetry(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or max(a, b) <= 0:
        return None
    return round(100.0 * min(a, b) / max(a, b), 0)


def compare_legs(history: Iterable[SessionResult]) -> LegComparison:
    """Each leg's latest session side by side; the symmetry index is 100 when both legs match."""
    history = list(history)
    left, right = _latest_figures(history, Leg.LEFT), _latest_figures(history, Leg.RIGHT)
    return LegComparison(
        left,
        right,
        {
            "reps_on_tempo": _symmetry(left.reps_on_tempo, right.reps_on_tempo),
            "longest_hold_s": _symmetry(left.longest_hold_s, right.longest_hold_s),
            "range_deg": _symmetry(left.range_deg, right.range_deg),
        },
    )
