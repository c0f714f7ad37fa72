"""Slow tempos can be prescribed (issue 25): 3-0-3, 1-0-6, 3-2-6 wherever an exercise is prescribed (a
protocol reference, the CLI, an athlete's prescription, the programme), and scores and faults follow it."""

from __future__ import annotations

import json

import pytest

from tests.synthetic import RepSpec, trace, track_from_angles, uniform_times
from tests.test_cli import calfcheck
from tests.test_progression import RULES, session, tempo_set
from vision.analysis import analyse_track
from vision.errors import ProtocolError
from vision.progression import Action, Step, advise
from vision.protocols import Tempo, load_protocol, tempo_tolerance
from vision.types import Fault


def slow_set(push_s: float, hold_s: float, lower_s: float, n: int = 4):
    reps, start = [], 2.0
    for _ in range(n):
        reps.append(RepSpec(start, push_s, hold_s, lower_s))
        start += push_s + hold_s + lower_s + 2.5
    t = uniform_times(start + 1.0)
    return track_from_angles(t, trace(t, reps, rest=0.0, full_range=35.0))


@pytest.mark.parametrize("text,seconds", [("3-0-3", (3, 0, 3)), ("1-0-6", (1, 0, 6)), ("1.5-2-3", (1.5, 2, 3))])
def test_a_tempo_is_read_as_push_hold_return_seconds(text, seconds):
    assert (Tempo.parse(text).push_s, Tempo.parse(text).hold_s, Tempo.parse(text).return_s) == seconds
    assert str(Tempo.parse(text)) == text


@pytest.mark.parametrize("text", ["3-3", "a-b-c", "0-2-3", "3-2-0", "1-2-61", "-1-2-3"])
def test_a_tempo_that_cannot_be_prescribed_says_so(text):
    with pytest.raises(ProtocolError, match="push-hold-return seconds"):
        Tempo.parse(text)


def test_a_prescribed_tempo_replaces_the_targets_and_its_tolerances_follow():
    slow = load_protocol("band-tempo@3-2-6")
    assert slow.id == "band-tempo@3-2-6" and slow.base_id == "band-tempo"
    assert slow.name == "Seated band plantarflexion, 3-2-6 tempo"
    assert slow.target_s == {"concentric": 3.0, "hold": 2.0, "eccentric": 6.0}
    assert slow.tolerance_s == {"concentric": 0.75, "hold": 0.5, "eccentric": 1.5}
    builtin = load_protocol("band-tempo")  # the built-in file's own tolerances are what the rule gives
    assert builtin.tolerance_s == {p: tempo_tolerance(v) for p, v in builtin.target_s.items()}
    eccentric = load_protocol("band-eccentric@1-0-6")  # eccentric only: the return alone is judged
    assert eccentric.target_s == {"eccentric": 6.0}
    with pytest.raises(ProtocolError, match="isometric"):
        load_protocol("band-isometric@1-2-3")


@pytest.mark.parametrize("tempo", ["3-0-3", "1-0-6", "3-2-6"])
def test_scores_and_faults_follow_the_prescribed_tempo(tempo):
    """A set done at the prescribed slow tempo is on tempo under that prescription, and faulted under the
    built-in 1-2-3 (the return too slow, or the push)."""
    t = Tempo.parse(tempo)
    track = slow_set(t.push_s, t.hold_s, t.return_s)
    prescribed = analyse_track(track, load_protocol(f"band-tempo@{tempo}"), band="red")
    assert prescribed.summary.rep_count == 4
    assert [s.faults for s in prescribed.scores] == [()] * 4, [s.faults for s in prescribed.scores]
    default = analyse_track(track, load_protocol("band-tempo"), band="red")
    assert all(s.faults for s in default.scores)
    assert any(Fault.RETURN_TOO_SLOW in s.faults or Fault.PUSH_TOO_SLOW in s.faults for s in default.scores)


def test_the_cli_prescribes_a_tempo_for_a_clip_and_says_a_bad_one_in_one_sentence(tmp_path, sample_video):
    out = tmp_path / "r.json"
    res = calfcheck("score", sample_video, "--tempo", "3-0-3", "--json", out)
    assert res.returncode == 0, res.stderr
    report = json.loads(out.read_text())
    assert report["protocol"] == "band-tempo@3-0-3"
    assert report["prescription"]["target_s"] == {"concentric": 3.0, "hold": 0.0, "eccentric": 3.0}
    bad = calfcheck("score", sample_video, "--tempo", "3-x-3")
    assert bad.returncode == 2 and "push-hold-return seconds" in bad.stderr and "Traceback" not in bad.stderr


def test_an_athletes_prescription_carries_its_tempo(tmp_path):
    db = f"sqlite:///{tmp_path / 'records.db'}"
    res = calfcheck("athlete", "add", "Ana", "--band", "red", "--tempo", "1-0-6", "--db", db)
    assert res.returncode == 0, res.stderr
    assert "band-tempo@1-0-6 on red" in res.stdout
    res = calfcheck("athlete", "prescribe", "Ana", "--protocol", "band-eccentric", "--tempo", "1-0-5",
                    "--band", "green", "--reason", "slower lowering", "--db", db)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "band-eccentric@1-0-5 on green" in res.stdout


def test_the_programme_keeps_a_tempo_on_its_exercise_ladder():
    """A band exercise at a prescribed tempo moves up the same band ladder, and on to the same next version,
    as at its own tempo; the tempo stays with the band moves."""
    passing = [tempo_set(13)] * 3
    slow = "band-tempo@3-0-3"
    history = [session(0, passing, protocol=slow), session(3, passing, protocol=slow)]
    advice = advise(history, Step(slow, "red"), RULES)
    assert advice.action == Action.MOVE_UP and advice.next == Step(slow, "green")
    for protocol in ("band-eccentric", "band-eccentric@1-0-6"):
        history = [
            session(0, passing, protocol=protocol, band="black"),
            session(3, passing, protocol=protocol, band="black"),
        ]
        advice = advise(history, Step(protocol, "black"), RULES)
        assert advice.action == Action.NEXT_VERSION and advice.next.protocol == "band-tempo", protocol
