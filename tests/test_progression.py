"""The programme's rules (vision.progression with the shipped programme.toml), each rule and its edge."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vision.adherence import adherence
from vision.errors import ProtocolError
from vision.leg_comparison import compare_legs
from vision.programme import load_programme
from vision.progression import Action, Step, advise
from vision.set_results import SessionResult, SetResult
from vision.types import Leg, Outcome, ProtocolKind

RULES = load_programme()
MONDAY = date(2026, 11, 2)


def tempo_set(on_tempo: int, faulted_after: int = 2, scores_after: int = 60, range_deg: float = 30.0) -> SetResult:
    """A tempo set: ``on_tempo`` clean reps, then ``faulted_after`` reps off tempo (the athlete tiring)."""
    scores = (100,) * on_tempo + (scores_after,) * faulted_after
    return SetResult(
        reps=on_tempo + faulted_after,
        reps_on_tempo=on_tempo,
        longest_hold_s=2.0,
        rep_scores=scores,
        fade=faulted_after > 0,
        ended_on_tempo=faulted_after == 0,
        hold_cut_off=False,
        mean_range_deg=range_deg,
    )


def hold_set(seconds: float, cut_off: bool = False) -> SetResult:
    return SetResult(1, 1, seconds, (100,), False, True, cut_off, 25.0)


def session(day: int, sets, protocol="band-tempo", band="red", leg=Leg.RIGHT, kind=None) -> SessionResult:
    kind = kind or (ProtocolKind.ISOMETRIC if protocol == "band-isometric" else ProtocolKind.TEMPO)
    return SessionResult(MONDAY + timedelta(days=day), protocol, kind, leg, band, tuple(sets))


RED = Step("band-tempo", "red")


def test_tempo_moves_up_after_two_sessions_with_more_than_12_on_tempo_in_every_set():
    history = [session(0, [tempo_set(13)] * 3), session(3, [tempo_set(14)] * 3)]
    first = advise(history[:1], RED, RULES)
    assert first.action == Action.STAY and "1 of 2 sessions" in first.reason
    advice = advise(history, RED, RULES)
    assert advice.action == Action.MOVE_UP and advice.next == Step("band-tempo", "green")
    assert advice.reason == "2 sessions in a row with more than 12 on-tempo reps in every set on red → move to green"


def test_exactly_12_on_tempo_is_not_past_the_limit_it_offers_the_half_step():
    history = [session(0, [tempo_set(12)] * 3), session(3, [tempo_set(12)] * 3)]
    advice = advise(history, RED, RULES)
    assert advice.action == Action.HALF_STEP and advice.next == RED
    assert "nearly outgrown (12 of 12" in advice.reason and "twisting" in advice.reason


def test_one_set_under_the_limit_holds_the_session_back():
    history = [session(0, [tempo_set(13), tempo_set(13), tempo_set(9)])] * 2
    assert advise(history, RED, RULES).action == Action.STAY
    assert advise(history, RED, RULES).outcome == Outcome.WORKING


def test_the_half_step_edge_is_the_limit_minus_the_margin():
    assert advise([session(0, [tempo_set(10)])], RED, RULES).action == Action.HALF_STEP  # 12 - 2
    assert advise([session(0, [tempo_set(9)])], RED, RULES).action == Action.STAY


def test_a_set_stopped_with_reps_still_on_tempo_was_not_taken_to_fatigue_and_does_not_count():
    stopped_early = tempo_set(14, faulted_after=0)
    history = [session(0, [tempo_set(13)] * 3), session(3, [tempo_set(13), stopped_early, tempo_set(13)])]
    advice = advise(history, RED, RULES)
    assert advice.action == Action.STAY and advice.outcome == Outcome.NOT_TO_FATIGUE
    assert "set 2 stopped with reps still on tempo and no fade" in advice.reason
    # and it breaks the run: one more good session is 1 of 2, not a move
    history.append(session(7, [tempo_set(13)] * 3))
    assert "1 of 2 sessions" in advise(history, RED, RULES).reason


def test_collapsing_scores_move_nobody_up():
    collapsed = tempo_set(13, faulted_after=8, scores_after=20)  # last third far below the first
    history = [session(0, [tempo_set(13)] * 3), session(3, [tempo_set(13), collapsed, tempo_set(13)])]
    advice = advise(history, RED, RULES)
    assert advice.action == Action.STAY and advice.outcome == Outcome.COLLAPSED
    assert "collapsed" in advice.reason


def test_failing_the_band_twice_steps_back_one_band_and_once_stays():
    fail = [tempo_set(4)]
    once = advise([session(0, fail)], RED, RULES)
    assert once.action == Action.STAY and "under 6 reps on tempo" in once.reason
    twice = advise([session(0, fail), session(3, fail)], RED, RULES)
    assert twice.action == Action.STEP_BACK and twice.next == Step("band-tempo", "yellow")
    at_lightest = advise(
        [session(0, fail, band="yellow"), session(3, fail, band="yellow")], Step("band-tempo", "yellow"), RULES
    )
    assert at_lightest.action == Action.STAY and "lightest band" in at_lightest.reason


def test_isometric_moves_up_past_30_s_and_exactly_30_s_is_not_past():
    iso = Step("band-isometric", "red")
    exactly = advise([session(0, [hold_set(30.0)], "band-isometric")], iso, RULES)
    assert exactly.action == Action.HALF_STEP
    past = advise([session(0, [hold_set(30.5)], "band-isometric")], iso, RULES)
    assert past.action == Action.MOVE_UP and past.next == Step("band-isometric", "green")
    assert past.reason.startswith("a session with a hold of 30 s, past 30 s, on red → move to green")
    assert advise([session(0, [hold_set(9.9)], "band-isometric")], iso, RULES).outcome == Outcome.FAILED
    assert advise([session(0, [hold_set(20.0)], "band-isometric")], iso, RULES).outcome == Outcome.WORKING


def test_strength_gains_at_the_ready_band_suggest_the_next_version_for_the_therapist_to_confirm():
    iso_green = Step("band-isometric", "green")
    advice = advise([session(0, [hold_set(34.0)], "band-isometric", band="green")], iso_green, RULES)
    assert advice.action == Action.NEXT_VERSION and advice.needs_confirmation
    assert advice.next == Step("band-eccentric", "red")  # one band lighter in the harder version
    ecc = Step("band-eccentric", "blue")
    passing = [
        session(d, [tempo_set(13)] * 3, "band-eccentric", band="blue", kind=ProtocolKind.ECCENTRIC) for d in (0, 3)
    ]
    assert advise(passing, ecc, RULES).next == Step("band-tempo", "green")


def test_after_black_come_seated_then_standing_heel_raises_then_the_top():
    black = Step("band-tempo", "black")
    passing = [session(d, [tempo_set(13)] * 3, band="black") for d in (0, 3)]
    advice = advise(passing, black, RULES)
    assert advice.action == Action.NEXT_EXERCISE and advice.next == Step("seated-heel-raise", None)
    seated = [session(d, [tempo_set(13)] * 3, "seated-heel-raise", band=None) for d in (0, 3)]
    assert advise(seated, Step("seated-heel-raise", None), RULES).next == Step("heel-raise", None)
    standing = [session(d, [tempo_set(13)] * 3, "heel-raise", band=None) for d in (0, 3)]
    top = advise(standing, Step("heel-raise", None), RULES)
    assert top.action == Action.STAY and "top of the programme" in top.reason


def test_only_sessions_on_the_current_step_count():
    history = [session(0, [tempo_set(13)] * 3, band="yellow"), session(3, [tempo_set(13)] * 3)]
    assert "1 of 2 sessions" in advise(history, RED, RULES).reason
    assert advise([], RED, RULES).action == Action.START


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


def test_left_and_right_side_by_side_with_the_symmetry_index():
    history = [
        session(0, [tempo_set(12, range_deg=30.0)], leg=Leg.LEFT),
        session(3, [tempo_set(9, range_deg=24.0)], leg=Leg.LEFT),  # the latest left session counts
        session(1, [tempo_set(12, range_deg=32.0)], leg=Leg.RIGHT),
    ]
    cmp = compare_legs(history)
    assert (cmp.left.reps_on_tempo, cmp.right.reps_on_tempo) == (9, 12)
    assert cmp.symmetry_pct["reps_on_tempo"] == 75.0
    assert cmp.symmetry_pct["range_deg"] == 75.0


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
