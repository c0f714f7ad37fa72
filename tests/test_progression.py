"""The programme's rules (vision.progression with the shipped programme.toml), each rule and its edge."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest

from vision.adherence import adherence
from vision.errors import ProtocolError
from vision.leg_comparison import compare_legs
from vision.programme import BUILTIN_PROGRAMME, load_programme
from vision.progression import Action, Step, advise
from vision.set_results import SessionResult, SetResult
from vision.types import Leg, Outcome, ProtocolKind

RULES = load_programme()
MONDAY = date(2026, 11, 2)


def tempo_set(counted: int, tiring: int = 2, slow_returns: int = 0, limit: int | None = None,
              range_deg: float = 30.0, scores_after: int = 60) -> SetResult:  # fmt: skip
    """A tempo set: ``counted`` reps within the band (``slow_returns`` of them with returns slower than prescribed,
    a technique fault), then ``tiring`` reps the band was too tough for (the athlete tiring: taken to fatigue).
    ``tiring=0`` is a set stopped while every rep was still good: not taken to fatigue."""
    scores = (100,) * (counted - slow_returns) + (80,) * slow_returns + (scores_after,) * tiring
    return SetResult(
        reps=counted + tiring,
        reps_on_tempo=counted - slow_returns,
        longest_hold_s=2.0,
        rep_scores=scores,
        fade=tiring > 0,
        ended_within_band=tiring == 0,
        hold_cut_off=False,
        mean_range_deg=range_deg,
        reps_within_band=counted,
        rep_limit=limit,
    )


def hold_set(seconds: float, cut_off: bool = False) -> SetResult:
    return SetResult(1, 1, seconds, (100,), False, True, cut_off, 25.0, hold_limit_s=30.0)


def lookalike_set() -> SetResult:
    """A set saved as the full version whose every push was fast with no hold (the eccentric-only version)."""
    return replace(tempo_set(0, tiring=10), looks_eccentric_only=True)


def session(day: int, sets, protocol="band-tempo", band="red", leg=Leg.RIGHT, planned=None, complete=True, load=None):
    kind = ProtocolKind.ISOMETRIC if protocol == "band-isometric" else ProtocolKind.TEMPO
    kind = ProtocolKind.ECCENTRIC if protocol == "band-eccentric" else kind
    planned = len(sets) if planned is None else planned
    day = MONDAY + timedelta(days=day)
    return SessionResult(day, protocol, kind, leg, band, tuple(sets), planned, complete, load)


def raises(day: int, reps: int, load: float | None = None, protocol="heel-raise"):
    """A heel-raise session of three sets of ``reps`` counted reps taken to fatigue, with ``load`` kg."""
    return session(day, [tempo_set(reps)] * 3, protocol, band=None, load=load)


def pass3(day, band="red", protocol="band-tempo"):
    return session(day, [tempo_set(13)] * 3, protocol, band)


RED = Step("band-tempo", "red")
GREEN = Step("band-tempo", "green")
RED_PLUS = Step("band-tempo", "red+")  # the half step: red stretched further or twisted
ISO_RED = Step("band-isometric", "red")
RAISE = Step("heel-raise", None)  # body weight


def raise_with(kg: float | None, protocol="heel-raise") -> Step:
    return Step(protocol, None, kg)


@dataclass(frozen=True)
class Scenario:
    """One case of the programme's specification: what happened, and what the instructions imply."""

    why: str  # the rule, in one line
    history: list
    prescribed: Step | None
    action: Action
    next: Step
    outcome: Outcome | None
    says: str  # words the reason must contain


SCENARIOS = [
    Scenario("a session is judged whole: set 1 of 3 done is not a pass yet",
             [pass3(0), session(3, [tempo_set(13)], planned=3, complete=False)], RED,
             Action.STAY, RED, Outcome.IN_PROGRESS, "set 1 of 3 done on red"),
    Scenario("...and a weak set 2 does not flip it to a verdict either",
             [pass3(0), session(3, [tempo_set(13), tempo_set(9)], planned=3, complete=False)], RED,
             Action.STAY, RED, Outcome.IN_PROGRESS, "set 2 of 3 done"),
    Scenario("the whole session, complete, judged once: two passes move up",
             [pass3(0), pass3(3)], RED, Action.MOVE_UP, GREEN, Outcome.PASSED, "2 sessions in a row with more than 12"),
    Scenario("one pass is one of two", [pass3(0)], RED, Action.STAY, RED, Outcome.PASSED, "1 of 2 sessions"),
    Scenario("sessions of one set (the day over) cannot move anyone up: the prescription is 3 sets",
             [session(0, [tempo_set(13)], planned=3), session(3, [tempo_set(14)], planned=3)], RED,
             Action.STAY, RED, Outcome.SHORT, "only 1 of 3 sets"),
    Scenario("the ladder follows the athlete: two failed green sessions after moving up offer the half step, "
             "whatever the prescription still says",
             [pass3(0), pass3(3), session(7, [tempo_set(4)] * 3, band="green"),
              session(10, [tempo_set(4)] * 3, band="green")], RED,
             Action.HALF_STEP, RED_PLUS, Outcome.FAILED, "the prescription says band-tempo on red"),
    Scenario("the half step is a rung of its own: red+, red stretched further or twisted",
             [pass3(0), pass3(3), session(7, [tempo_set(4)] * 3, band="green"),
              session(10, [tempo_set(4)] * 3, band="green")], GREEN,
             Action.HALF_STEP, RED_PLUS, Outcome.FAILED, "the half step red+: red stretched further"),
    Scenario("passing the half step moves up to the next colour",
             [pass3(0, band="red+"), pass3(3, band="red+")], RED_PLUS,
             Action.MOVE_UP, GREEN, Outcome.PASSED, "on red+ → move to green"),
    Scenario("runs count the half step apart from its colour: red, then red+, is one red+ pass",
             [pass3(0), pass3(3, band="red+")], RED_PLUS, Action.STAY, RED_PLUS, Outcome.PASSED, "1 of 2 sessions"),
    Scenario("under the floor twice on the half step: back to its colour, unstretched",
             [session(d, [tempo_set(4)] * 3, band="red+") for d in (0, 3)], RED_PLUS,
             Action.STEP_BACK, RED, Outcome.FAILED, "go back to red"),
    Scenario("failing green after passing the half step goes back to the half step, not to red",
             [pass3(0, band="red+"), pass3(3, band="red+"), session(7, [tempo_set(4)] * 3, band="green"),
              session(10, [tempo_set(4)] * 3, band="green")], GREEN,
             Action.STEP_BACK, RED_PLUS, Outcome.FAILED, "go back to red+"),
    Scenario("runs count one band only: red pass, green fail, red pass is one red pass",
             [pass3(0), session(3, [tempo_set(4)] * 3, band="green"), pass3(7)], RED,
             Action.STAY, RED, Outcome.PASSED, "1 of 2 sessions"),
    Scenario("a session without a band cannot climb the band ladder",
             [pass3(0, band=None), pass3(3, band=None)], Step("band-tempo", None),
             Action.STAY, Step("band-tempo", None), Outcome.PASSED, "no band was recorded"),
    Scenario("at the limit the band is right: 12, 12 and 12 taken to fatigue",
             [session(0, [tempo_set(12)] * 3)], RED, Action.STAY, RED, Outcome.WORKING, "the band is right"),
    Scenario("under the limit too: 10, 10 and 10", [session(0, [tempo_set(10)] * 3)], RED,
             Action.STAY, RED, Outcome.WORKING, "10, 10 and 10 reps of 12"),
    Scenario("one set at the limit holds the session back", [session(0, [tempo_set(13), tempo_set(13),
             tempo_set(12)])] * 2, RED, Action.STAY, RED, Outcome.WORKING, "the band is right"),
    Scenario("sets stopped with every rep clean are no evidence: never a step back",
             [session(0, [tempo_set(5, tiring=0)] * 3), session(3, [tempo_set(5, tiring=0)] * 3)], RED,
             Action.STAY, RED, Outcome.NOT_TO_FATIGUE, "no evidence either way"),
    Scenario("...and they neither count towards a run nor break it",
             [pass3(0), session(3, [tempo_set(14, tiring=0)] * 3 + [tempo_set(8, tiring=0)], planned=4), pass3(7)],
             RED, Action.MOVE_UP, GREEN, Outcome.PASSED, "2 sessions in a row"),
    Scenario("thirteen good reps then four tiring ones: taken to fatigue and above the limit, not a collapse",
             [session(d, [tempo_set(13, tiring=4, scores_after=20)] * 3) for d in (0, 3)], RED,
             Action.MOVE_UP, GREEN, Outcome.PASSED, "more than 12 reps in every set"),
    Scenario("scores collapsing before the limit move nobody up",
             [session(0, [tempo_set(6, tiring=8, scores_after=20)] * 3)], RED,
             Action.STAY, RED, Outcome.COLLAPSED, "collapsed"),
    Scenario("slow, controlled returns are technique, not a band too tough: twelve of them are the limit",
             [session(d, [tempo_set(12, slow_returns=12)] * 3) for d in (0, 3)], RED,
             Action.STAY, RED, Outcome.WORKING, "the band is right"),
    Scenario("under the floor twice (not just after moving up): back one band",
             [session(0, [tempo_set(4)] * 3), session(3, [tempo_set(4)] * 3)], RED,
             Action.STEP_BACK, Step("band-tempo", "yellow"), Outcome.FAILED, "go back to yellow"),
    Scenario("under the floor once: stay", [session(0, [tempo_set(4)] * 3)], RED,
             Action.STAY, RED, Outcome.FAILED, "under 6 reps in a set taken to fatigue"),
    Scenario("under the floor twice on the lightest band: ask the therapist",
             [session(d, [tempo_set(4)] * 3, band="yellow") for d in (0, 3)], Step("band-tempo", "yellow"),
             Action.STAY, Step("band-tempo", "yellow"), Outcome.FAILED, "lightest band"),
    Scenario("a layoff: the first session back is a reassessment, not the second of a run",
             [pass3(0), pass3(120)], RED, Action.STAY, RED, Outcome.REASSESS, "after 17 weeks off"),
    Scenario("...and the run starts afresh after it", [pass3(0), pass3(120), pass3(123)], RED,
             Action.STAY, RED, Outcome.PASSED, "1 of 2 sessions"),
    Scenario("a protocol's own limit is the one limit: 14 of 15 is at it",
             [session(d, [tempo_set(14, limit=15)] * 3) for d in (0, 3)], RED,
             Action.STAY, RED, Outcome.WORKING, "14, 14 and 14 reps of 15"),
    Scenario("...and 16 of 15 is past it", [session(d, [tempo_set(16, limit=15)] * 3) for d in (0, 3)], RED,
             Action.MOVE_UP, GREEN, Outcome.PASSED, "more than 15 reps"),
    Scenario("isometric: a hold past 30 s moves up", [session(0, [hold_set(30.5)], "band-isometric")], ISO_RED,
             Action.MOVE_UP, Step("band-isometric", "green"), Outcome.PASSED, "a hold of 30 s, past 30 s"),
    Scenario("isometric: exactly 30 s is the limit, the band is right", [session(0, [hold_set(30.0)],
             "band-isometric")], ISO_RED, Action.STAY, ISO_RED, Outcome.WORKING, "the band is right"),
    Scenario("isometric: a hold the clip cut off at 8 s is no evidence, never a failure",
             [session(d, [hold_set(8.0, cut_off=True)], "band-isometric") for d in (0, 3)], ISO_RED,
             Action.STAY, ISO_RED, Outcome.NOT_TO_FATIGUE, "film the whole hold"),
    Scenario("isometric: a full hold under 10 s is under the floor", [session(0, [hold_set(9.9)],
             "band-isometric")], ISO_RED, Action.STAY, ISO_RED, Outcome.FAILED, "a hold of 10 s"),
    Scenario("every push fast with no hold, saved as the full version: it looks like the eccentric-only "
             "version; the advice asks, and never steps the athlete back",
             [session(d, [lookalike_set()] * 3) for d in (0, 3)], RED,
             Action.STAY, RED, Outcome.VERSION_DOUBT, "looks like the eccentric-only version"),
    Scenario("...such a session neither counts towards a run nor breaks it",
             [pass3(0), session(3, [lookalike_set()] * 3), pass3(7)], RED,
             Action.MOVE_UP, GREEN, Outcome.PASSED, "2 sessions in a row"),
    Scenario("...and one such set in a working session is named in the advice",
             [session(0, [tempo_set(10), tempo_set(9), lookalike_set()])], RED,
             Action.STAY, RED, Outcome.WORKING, "every push in set 3 was fast with no hold"),
    Scenario("heel raises move up by load: past the limit twice at body weight on the last heel raise adds "
             "the load step", [raises(0, 13), raises(3, 13)], RAISE,
             Action.ADD_LOAD, raise_with(2.5), Outcome.PASSED, "at body weight → move to 2.5 kg"),
    Scenario("...and again with a load: 2.5 kg passed twice → 5 kg", [raises(0, 13, 2.5), raises(3, 14, 2.5)],
             raise_with(2.5), Action.ADD_LOAD, raise_with(5.0), Outcome.PASSED, "with 2.5 kg → move to 5 kg"),
    Scenario("runs count one load only: a pass at 2.5 kg, then one at 5 kg, is one of two at 5 kg",
             [raises(0, 13, 2.5), raises(3, 13, 5.0)], raise_with(5.0),
             Action.STAY, raise_with(5.0), Outcome.PASSED, "1 of 2 sessions in a row with more than 12 reps in "
             "every set with 5 kg"),
    Scenario("a seated heel raise carrying a load moves up by load, not on to the standing raise",
             [raises(d, 13, 10.0, "seated-heel-raise") for d in (0, 3)], raise_with(10.0, "seated-heel-raise"),
             Action.ADD_LOAD, raise_with(12.5, "seated-heel-raise"), Outcome.PASSED, "move to 12.5 kg"),
    Scenario("at or under the limit with a load: the load is right",
             [raises(0, 12, 5.0)], raise_with(5.0), Action.STAY, raise_with(5.0), Outcome.WORKING,
             "at or under the limit, the load is right; stay with 5 kg"),
    Scenario("under the floor twice with a load: the load step comes off",
             [raises(d, 4, 5.0) for d in (0, 3)], raise_with(5.0),
             Action.STEP_BACK, raise_with(2.5), Outcome.FAILED, "go back to 2.5 kg"),
    Scenario("...and from the lightest load, back to body weight",
             [raises(d, 4, 2.5) for d in (0, 3)], raise_with(2.5),
             Action.STEP_BACK, RAISE, Outcome.FAILED, "go back to body weight"),
    Scenario("under the floor twice at body weight: stay, nothing lighter to go to",
             [raises(d, 4) for d in (0, 3)], RAISE, Action.STAY, RAISE, Outcome.FAILED, "stay at body weight"),
    Scenario("no session yet: start", [], RED, Action.START, RED, None, "no session on red yet"),
]  # fmt: skip


@pytest.mark.parametrize("case", SCENARIOS, ids=[c.why for c in SCENARIOS])
def test_the_programme_specification(case):
    advice = advise(case.history, case.prescribed, RULES)
    assert (advice.action, advice.next, advice.outcome) == (case.action, case.next, case.outcome), advice.reason
    assert case.says in advice.reason


def test_strength_gains_at_the_ready_band_suggest_the_next_version_for_the_therapist_to_confirm():
    iso_green = Step("band-isometric", "green")
    advice = advise([session(0, [hold_set(34.0)], "band-isometric", band="green")], iso_green, RULES)
    assert advice.action == Action.NEXT_VERSION and advice.needs_confirmation
    assert advice.next == Step("band-eccentric", "red")  # one band lighter in the harder version
    passing = [pass3(d, band="blue", protocol="band-eccentric") for d in (0, 3)]
    assert advise(passing, Step("band-eccentric", "blue"), RULES).next == Step("band-tempo", "green")


def test_after_black_come_seated_then_standing_heel_raises_then_load():
    black = Step("band-tempo", "black")
    advice = advise([pass3(d, band="black") for d in (0, 3)], black, RULES)
    assert advice.action == Action.NEXT_EXERCISE and advice.next == Step("seated-heel-raise", None)
    seated = [pass3(d, band=None, protocol="seated-heel-raise") for d in (0, 3)]
    assert advise(seated, Step("seated-heel-raise", None), RULES).next == Step("heel-raise", None)
    standing = [pass3(d, band=None, protocol="heel-raise") for d in (0, 3)]
    loaded = advise(standing, Step("heel-raise", None), RULES)
    assert loaded.action == Action.ADD_LOAD and loaded.next == Step("heel-raise", None, RULES.load_step_kg)
    assert loaded.next.label == "heel-raise with 2.5 kg"


def test_the_load_step_is_the_programme_files(tmp_path):
    text = BUILTIN_PROGRAMME.read_text(encoding="utf-8").replace("load_step_kg = 2.5", "load_step_kg = 5")
    mine = tmp_path / "programme.toml"
    mine.write_text(text, encoding="utf-8")
    rules = load_programme(mine)
    assert advise([raises(0, 13, 5.0), raises(3, 13, 5.0)], raise_with(5.0), rules).next == raise_with(10.0)
    mine.write_text(text.replace("load_step_kg = 5", "load_step_kg = -1"), encoding="utf-8")
    with pytest.raises(ProtocolError, match="heel_raises.load_step_kg"):
        load_programme(mine)


def test_adherence_per_iso_week_streaks_and_gaps():
    days = [MONDAY, MONDAY + timedelta(3), MONDAY + timedelta(8), MONDAY + timedelta(21), MONDAY + timedelta(24)]
    a = adherence(days, 2, start=MONDAY, today=MONDAY + timedelta(25))
    assert [(w.label, w.sessions) for w in a.weeks] == [
        ("2026-W45", 2),
        ("2026-W46", 1),
        ("2026-W47", 0),
        ("2026-W48", 2),
    ]
    assert a.streak_weeks == 1 and a.longest_gap_weeks == 1 and a.share_met == 0.5
    # an unfinished week not yet met does not break the streak...
    mid_week = adherence(days + [MONDAY + timedelta(28)], 2, start=MONDAY, today=MONDAY + timedelta(29))
    assert mid_week.weeks[-1].sessions == 1 and mid_week.streak_weeks == 1
    # ...but a finished one does
    later = adherence(days, 2, start=MONDAY, today=MONDAY + timedelta(35))
    assert later.streak_weeks == 0


def test_the_week_in_progress_is_never_a_missed_week():
    days = [MONDAY, MONDAY + timedelta(3), MONDAY + timedelta(7), MONDAY + timedelta(10)]  # two weeks, both met
    monday_after = adherence(days, 2, start=MONDAY, today=MONDAY + timedelta(14))  # a new week, nothing yet
    assert len(monday_after.weeks) == 3 and monday_after.weeks[-1].sessions == 0
    assert monday_after.share_met == 1.0 and monday_after.longest_gap_weeks == 0 and monday_after.streak_weeks == 2
    met = adherence(days + [MONDAY + timedelta(14), MONDAY + timedelta(15)], 2, MONDAY, MONDAY + timedelta(15))
    assert met.share_met == 1.0 and met.streak_weeks == 3  # met early: it counts at once


def test_left_and_right_side_by_side_with_the_symmetry_index():
    history = [
        session(0, [tempo_set(12, range_deg=30.0)], leg=Leg.LEFT),
        session(3, [tempo_set(9, range_deg=24.0)], leg=Leg.LEFT),  # the latest left session counts
        session(1, [tempo_set(12, range_deg=32.0)], leg=Leg.RIGHT),
    ]
    cmp = compare_legs(history)
    assert (cmp.left.reps_on_tempo, cmp.right.reps_on_tempo) == (9, 12)
    assert cmp.comparable and cmp.symmetry_pct["reps_on_tempo"] == 75.0
    assert cmp.symmetry_pct["range_deg"] == 75.0


@pytest.mark.parametrize("right,why", [
    (session(1, [tempo_set(12)], band="black", leg=Leg.RIGHT), "different bands (left red, right black)"),
    (session(1, [hold_set(25.0)], "band-isometric", leg=Leg.RIGHT), "different exercises"),
    (session(40, [tempo_set(12)], leg=Leg.RIGHT), "37 days apart (comparable within 14)"),
])  # fmt: skip
def test_left_and_right_are_compared_like_with_like_only(right, why):
    cmp = compare_legs([session(3, [tempo_set(12)], leg=Leg.LEFT), right], RULES.compare_within_days)
    assert not cmp.comparable and why in cmp.why_not
    assert set(cmp.symmetry_pct.values()) == {None}  # no index: red against black is not "100 % symmetric"


def test_heel_raises_on_the_two_legs_compare_only_at_the_same_load():
    left = replace(raises(3, 12, 5.0), leg=Leg.LEFT)
    cmp = compare_legs([left, raises(4, 9, 2.5)], RULES.compare_within_days)
    assert not cmp.comparable and cmp.why_not == "different loads (left 5 kg, right 2.5 kg)"
    same = compare_legs([left, raises(4, 9, 5.0)], RULES.compare_within_days)
    assert same.comparable and same.symmetry_pct["reps_on_tempo"] == 75.0


def test_a_therapists_programme_file_is_validated_all_at_once(tmp_path):
    text = (load_programme.__globals__["BUILTIN_PROGRAMME"]).read_text()
    changed = tmp_path / "mine.toml"
    changed.write_text(text.replace("reps_to_move_up = 12", "reps_to_move_up = 15"))
    assert load_programme(changed).reps_to_move_up == 15
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace("reps_to_move_up = 12", "reps_to_move_up = -1").replace(
            'ready_at_band = "green"', 'ready_at_band = "pink"'
        )
    )
    with pytest.raises(ProtocolError) as err:
        load_programme(bad)
    assert "tempo.reps_to_move_up" in str(err.value) and "ready_at_band" in str(err.value)
    colours = tmp_path / "colours.toml"
    colours.write_text(
        text.replace('black = "#222222"', 'black = "dark"').replace('red = "#d13b3b"', 'pink = "#ff00aa"')
    )
    with pytest.raises(ProtocolError) as err:
        load_programme(colours)
    assert "ladder.colours.black" in str(err.value) and "'pink' is not one of ladder.bands" in str(err.value)
    plus = tmp_path / "plus.toml"
    plus.write_text(text.replace('"blue", "black"]', '"blue", "blue+", "black"]'))
    with pytest.raises(ProtocolError, match=r"cannot end in '\+'"):
        load_programme(plus)  # "blue+" is blue's half step already: a colour of that name would be two rungs
