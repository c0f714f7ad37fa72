"""The programme's decision: next session's band and exercise, and why, in words a physiotherapist signs.

Contract: pure functions of typed values, no I/O. ``advise(history, prescribed, rules)`` takes an athlete's
sessions on one leg (``SessionResult``, any order, any exercise) and the therapist's current prescription
(``Step``: protocol id and band, or None) and returns ``Advice``: what to do next time and the reason in one
sentence. The rules' numbers come from ``ProgrammeRules`` (``programme.toml``); what passing, failing and
"taken to fatigue" mean for an exercise, and the words for them, come from its kind (``vision.kinds``).
Adherence (``vision.adherence``) and left against right (``vision.leg_comparison``) are modules of their own.

The rules, in order (the README's programme section says them for therapists):
1. A session is the day's sets on one leg. Until it is complete (the protocol's number of sets, or the day
   is over) it neither passes nor fails: the advice says how far the athlete is.
2. The ladder follows the athlete: the latest session's own exercise and band is the step judged (a
   session on another band than prescribed is judged on its own band, and the advice says so). Runs count
   consecutive complete sessions on that same exercise and band only.
3. A session without a band cannot move a band exercise's ladder: the advice asks for the band.
4. The first session after a layoff (a gap over ``layoff.days``) is a reassessment: it stays, and the run
   starts afresh.
5. Above the band's limit (more than 12 counted reps in every set; a hold past 30 s) → PASSED; the
   ``sessions_in_a_row`` passes move up: the next band; from ``ready_at_band`` on, the next version of the
   exercise (isometric → eccentric → full tempo, confirmed by the therapist); after the toughest band, the
   next exercise (seated, then standing heel raises). At or under the limit, taken to fatigue → the band is
   right. A rep counts unless a fault says the band is too tough (``types.TOO_TOUGH_FAULTS``).
6. No set taken to fatigue (or only holds the clip cut off) is no evidence either way: stay, and take the
   next one to fatigue. Nor is a session whose every set looks like the eccentric-only version saved as the
   full one (every push fast with no hold, the returns controlled): the advice asks whether it was. A
   session whose day ended short of its sets cannot move anyone up either. Such sessions neither count
   towards a run nor break it.
7. Scores collapsing inside a set of a session that did not pass: stay.
8. Under the band's floor (best set taken to fatigue under ``min_reps_on_tempo``; longest hold under
   ``min_hold_s``) ``sessions_to_step_back`` sessions in a row: back one band, or, just after moving up,
   the half step between the two colours (``red+``: the lighter band stretched further or twisted; a rung
   of its own, prescribed and saved like a colour); on a half step, back to its colour; once: stay.
   Passing a half step moves up to the next colour.
9. Heel raises (``ladder.after_bands``) move by load, not band: passing at body weight moves on to the next
   heel raise; on the last one, or once a load is carried, passing adds ``heel_raises.load_step_kg``; under
   the floor ``sessions_to_step_back`` sessions in a row takes it off again. Runs count on one load only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from vision.kinds import kind_named
from vision.programme import ProgrammeRules, colour_of, is_half_step, load_text
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
    ADD_LOAD = "add_load"


@dataclass(frozen=True)
class Step:
    """A prescription's exercise: a protocol id and a band colour (None for heel raises), or for heel raises the
    load in kg held or worn (None: body weight)."""

    protocol: str
    band: str | None
    load_kg: float | None = None

    @property
    def label(self) -> str:
        if self.band:
            return f"{self.protocol} on {self.band}"
        return f"{self.protocol} with {load_text(self.load_kg)}" if self.load_kg else self.protocol


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


# Outcomes that neither count towards a run nor break it.
NO_EVIDENCE = (Outcome.NOT_TO_FATIGUE, Outcome.SHORT, Outcome.VERSION_DOUBT)


def outcome_of(session: SessionResult, rules: ProgrammeRules) -> Outcome:
    """How a complete session went against its band's limit: its kind's rule, except that collapsing scores
    in a session that did not pass move nobody up."""
    outcome = kind_named(session.kind).outcome(session, rules)
    if outcome == Outcome.PASSED and len(session.sets) < session.planned_sets:
        return Outcome.SHORT  # the prescribed volume was not done: no evidence for a tougher band
    if outcome != Outcome.PASSED and any(s.collapsed(rules.score_collapse_ratio) for s in session.sets):
        return Outcome.COLLAPSED
    return outcome


def _exercise(protocol: str) -> str:
    """The exercise a protocol reference names, without a prescribed tempo (``band-tempo@3-0-3``)."""
    return protocol.split(TEMPO_MARK, 1)[0]


def _rung_name(step: Step, rules: ProgrammeRules) -> str:
    """The rung of the ladder a step is, in words: its band; for heel raises (or a load given), the load."""
    if step.band:
        return step.band
    if step.load_kg or rules.moves_by_load(step.protocol):
        return load_text(step.load_kg)
    return "no band"


def _on(step: Step, rules: ProgrammeRules) -> str:
    """Where the athlete trains, after a verb: ``on red``, ``with 5 kg``, ``at body weight``, ``on no band``."""
    rung = _rung_name(step, rules)
    if step.band or rung == "no band":
        return f"on {rung}"
    return f"{'with' if step.load_kg else 'at'} {rung}"


def _right(step: Step, rules: ProgrammeRules) -> str:
    """At or under the limit: the band (or a heel raise's load) is right."""
    if step.band or not (step.load_kg or rules.moves_by_load(step.protocol)):
        return f"at or under {_rung_name(step, rules)}'s limit, the band is right"
    return "at or under the limit, the load is right"


def describe_step(step: Step, rules: ProgrammeRules) -> str:
    """A step in words for every face: ``band-tempo on red``, ``heel-raise with 5 kg``, ``heel-raise at body
    weight``, or ``band-tempo on no band``."""
    return f"{step.protocol} {_on(step, rules)}"


def _step_of(session: SessionResult) -> Step:
    return Step(session.protocol, session.band, session.load_kg)


def _same_step(a: SessionResult, b: SessionResult) -> bool:
    return _step_of(a) == _step_of(b)


def _gap_days(history: list[SessionResult], i: int) -> int:
    """Days since the session before ``history[i]`` (0 for the first)."""
    return (history[i].day - history[i - 1].day).days if i > 0 else 0


def _run(history: list[SessionResult], rules: ProgrammeRules) -> list[tuple[SessionResult, Outcome]]:
    """The latest session's run: consecutive complete sessions on its exercise and band, back to a change of
    step or a layoff (the reassessment after a layoff starts the run, and counts as no evidence)."""
    run: list[tuple[SessionResult, Outcome]] = []
    for i in range(len(history) - 1, -1, -1):
        session = history[i]
        if not session.complete or not _same_step(session, history[-1]):
            break
        if _gap_days(history, i) > rules.layoff_days:
            run.append((session, Outcome.REASSESS))
            break
        run.append((session, outcome_of(session, rules)))
    return run[::-1]


def _trailing(run: list[tuple[SessionResult, Outcome]], wanted: Outcome) -> int:
    """Sessions in a row, at the end of the run, with ``wanted``; sessions that are no evidence are skipped."""
    n = 0
    for _, outcome in reversed(run):
        if outcome in NO_EVIDENCE:
            continue
        if outcome != wanted:
            break
        n += 1
    return n


def _band_before(history: list[SessionResult], run_start: int) -> str | None:
    """The band of the session just before the run, on the same exercise (None: no such session)."""
    before = history[run_start - 1] if run_start > 0 else None
    return before.band if before is not None and before.protocol == history[-1].protocol else None


def _step_up(current: Step, rules: ProgrammeRules) -> tuple[Action, Step, bool]:
    """Where passing the current step leads: next band, next version, or next exercise."""
    bands = rules.bands
    exercise = _exercise(current.protocol)  # a prescribed tempo is the same exercise on the same ladder
    in_versions = exercise in rules.versions
    later_version = (
        rules.versions[rules.versions.index(exercise) + 1] if in_versions and exercise != rules.versions[-1] else None
    )
    colour = colour_of(current.band)
    if colour in bands:  # a half step moves up to the next colour, as its colour does
        i = bands.index(colour)
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
        if current.load_kg is None and j < len(ladder):  # body weight passed: the next heel raise
            return Action.NEXT_EXERCISE, Step(ladder[j], None), True
        heavier = round((current.load_kg or 0.0) + rules.load_step_kg, 2)
        return Action.ADD_LOAD, Step(current.protocol, None, heavier), False
    if ladder:
        return Action.NEXT_EXERCISE, Step(ladder[0], None), True
    return Action.STAY, current, False


def _set_notes(session: SessionResult, rules: ProgrammeRules) -> str:
    """What the session's sets that are no evidence need next time (eccentric-only look-alikes, sets not
    taken to fatigue); empty when every set was evidence."""
    kind = kind_named(session.kind)

    def numbers(wanted) -> str:
        return ", ".join(str(i + 1) for i, s in enumerate(session.sets) if wanted(s))

    lookalikes = numbers(lambda s: s.looks_eccentric_only)
    not_fatigued = numbers(lambda s: not s.looks_eccentric_only and not kind.taken_to_fatigue(s))
    notes = ([kind.version_doubt_text(lookalikes)] if lookalikes else []) + (
        [kind.not_to_fatigue_text(not_fatigued)] if not_fatigued else []
    )
    return "; ".join(notes)


def advise(history: Iterable[SessionResult], prescribed: Step | None, rules: ProgrammeRules) -> Advice:
    """The next session's step and why (the module docstring lists the rules in the order applied)."""
    history = sorted(history, key=lambda s: s.day)
    if not history:
        if prescribed is None:
            raise ValueError("no session and no prescription: nothing to advise")
        on = _on(prescribed, rules)
        return Advice(Action.START, prescribed, f"no session {on} yet: do each set to fatigue and save it")
    latest = history[-1]
    step = _step_of(latest)
    on = _on(step, rules)
    kind = kind_named(latest.kind)
    off_plan = (
        f" (trained on {step.label}; the prescription says {prescribed.label})"
        if prescribed is not None and prescribed != step
        else ""
    )

    def advice(action: Action, nxt: Step, reason: str, outcome: Outcome, confirm: bool = False) -> Advice:
        return Advice(action, nxt, reason + off_plan, confirm, outcome)

    if not latest.complete:
        done = f"set {len(latest.sets)} of {latest.planned_sets} done {on}"
        return advice(Action.STAY, step, f"{done}: finish the session, each set to fatigue; the programme judges "
                      "the whole session", Outcome.IN_PROGRESS)  # fmt: skip
    run = _run(history, rules)
    outcome = run[-1][1]
    if outcome == Outcome.REASSESS:
        weeks = _gap_days(history, len(history) - 1) // 7
        return advice(Action.STAY, step, f"the first session after {weeks} weeks off is a reassessment: stay "
                      f"{on}; the sessions from here count afresh", outcome)  # fmt: skip
    if latest.band is None and _exercise(latest.protocol) in rules.versions:
        return advice(Action.STAY, step, "no band was recorded for this session, so it cannot move the band "
                      "ladder: save the band used (or prescribe it)", outcome)  # fmt: skip
    if outcome == Outcome.SHORT:
        sets = f"{len(latest.sets)} of {latest.planned_sets} sets"
        return advice(Action.STAY, step, f"only {sets} {on}: a session short of its sets cannot move you "
                      f"up; stay {on} and do all {latest.planned_sets}", outcome)  # fmt: skip
    if outcome == Outcome.VERSION_DOUBT:
        return advice(Action.STAY, step, f"{_set_notes(latest, rules)}; as {_exercise(latest.protocol)} this session "
                      f"is no evidence either way; stay {on}", outcome)  # fmt: skip
    if outcome == Outcome.NOT_TO_FATIGUE:
        return advice(Action.STAY, step, f"{_set_notes(latest, rules) or 'no set was taken to fatigue'}: this "
                      f"session is no evidence either way; stay {on}", outcome)  # fmt: skip
    if outcome == Outcome.COLLAPSED:
        return advice(Action.STAY, step, f"scores collapsed towards the end of a set {on}: that session "
                      f"moves nobody up; stay {on} and keep every rep on tempo", outcome)  # fmt: skip
    if outcome == Outcome.FAILED:
        return _failed(history, run, step, kind.target_text(rules), rules, advice, outcome)
    if outcome == Outcome.PASSED:
        return _passed(latest, run, step, kind.pass_evidence(latest, rules), kind.sessions_to_move_up(rules),
                       rules, advice, outcome)  # fmt: skip
    note = _set_notes(latest, rules)
    reason = f"{kind.figures(latest, rules)}, taken to fatigue: {_right(step, rules)}; " \
             f"stay {on}" + (f"; {note}" if note else "")  # fmt: skip
    return advice(Action.STAY, step, reason, outcome)


def _failed(history, run, step: Step, target: str, rules: ProgrammeRules, advice, outcome) -> Advice:
    band, on = _rung_name(step, rules), _on(step, rules)
    fails = _trailing(run, Outcome.FAILED)
    colour = colour_of(step.band)
    failed = f"{fails} sessions in a row under {target} {on}"
    if fails >= rules.sessions_to_step_back and step.band is None and step.load_kg:  # heel raises: less load
        lighter_load = round(step.load_kg - rules.load_step_kg, 2)
        back = Step(step.protocol, None, lighter_load if lighter_load > 0 else None)
        return advice(Action.STEP_BACK, back, f"{failed} → go back to {_rung_name(back, rules)}", outcome)
    if fails < rules.sessions_to_step_back or step.band not in rules.rungs:
        return advice(Action.STAY, step, f"under {target} {on} this session: stay {on}", outcome)
    if is_half_step(step.band):  # the rung between two colours was too tough: its own colour, unstretched
        return advice(Action.STEP_BACK, Step(step.protocol, colour), f"{failed} → go back to {colour}", outcome)
    i = rules.bands.index(colour)
    if i == 0:
        return advice(Action.STAY, step, f"{failed}, the lightest band: stay and ask your therapist", outcome)
    lighter, half = rules.bands[i - 1], rules.half_step_below(colour)
    came_from = _band_before(history, len(history) - len(run))
    if half is not None and came_from == lighter:  # just moved up from the colour below: the rung between
        return advice(Action.HALF_STEP, Step(step.protocol, half), f"{failed} just after moving up → the half "
                      f"step {half}: {lighter} stretched further before it engages, or twisted, the rung between "
                      f"{lighter} and {band}", outcome)  # fmt: skip
    back = half if half is not None and came_from == half else lighter  # back to the rung the athlete passed
    return advice(Action.STEP_BACK, Step(step.protocol, back), f"{failed} → go back to {back}", outcome)


def _passed(latest, run, step: Step, evidence: str, needed: int, rules: ProgrammeRules, advice, outcome) -> Advice:
    on = _on(step, rules)
    passes = _trailing(run, Outcome.PASSED)
    if passes < needed:
        return advice(Action.STAY, step, f"{passes} of {needed} sessions in a row with {evidence} {on}: one "
                      "more moves you up", outcome)  # fmt: skip
    action, nxt, confirm = _step_up(step, rules)
    sessions = f"{passes} sessions in a row with" if passes > 1 else "a session with"
    where = nxt.protocol if nxt.protocol != step.protocol else _rung_name(nxt, rules)
    if action == Action.NEXT_VERSION:
        where = f"{nxt.protocol} on {_rung_name(nxt, rules)} (your therapist confirms)"
    elif action == Action.ADD_LOAD:
        where = f"{load_text(nxt.load_kg)} (add {load_text(rules.load_step_kg)})"
    elif action == Action.NEXT_EXERCISE:
        where = f"{nxt.protocol} (your therapist confirms)"
    elif action == Action.STAY:
        return advice(Action.STAY, step, f"{sessions} {evidence} {on}: the top of the programme; keep going "
                      "as your therapist advises", outcome)  # fmt: skip
    return advice(action, nxt, f"{sessions} {evidence} {on} → move to {where}", outcome, confirm)
