"""Exercise kinds are plug-ins: a kind defined here, in the test, runs through analysis → report →
storage → programme advice without any other module knowing it.

The toy kind is a hold-at-the-top exercise: push up, hold at least ``target.hold_s``, come down at any
pace. A rep's hold time travels as the kind's own per-rep data (``held_s``); its band advice and its
programme rule (five holds of ``target.hold_s`` in every set, one such session moves up) read that data.
Expected values come from the synthetic reps the test builds (their hold lengths are set here).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.synthetic import RepSpec, trace, track_from_angles, uniform_times
from vision.analysis import analyse_track
from vision.errors import ProtocolError
from vision.kinds import ExerciseKind, kind_names, register, unregister
from vision.progression import Action
from vision.protocols import load_protocol
from vision.records import LOCAL_USER, Records, SetToSave
from vision.report import session_to_dict
from vision.types import BandAdvice, Fault, Outcome, Phase

HOLDS_TO_PASS = 5


class HoldAtTheTop(ExerciseKind):
    name = "toy-hold-at-top"
    tempo_phases = None  # no tempo: only the hold is judged

    def judge(self, rep, protocol):
        short = rep.hold.duration_s < protocol.target_s[Phase.HOLD] - protocol.tolerance_s[Phase.HOLD]
        return ([Fault.HOLD_TOO_SHORT], 40.0) if short else ([], 0.0)

    def rep_data(self, rep, protocol):
        return {"held_s": rep.hold.duration_s}

    def band_advice(self, scores, protocol):
        held = [s.data["held_s"] for s in scores]
        return BandAdvice.HARDER if sum(h >= protocol.target_s[Phase.HOLD] for h in held) > 5 else BandAdvice.STAY

    def outcome(self, session, rules):
        def holds(s):
            return sum(d["held_s"] >= 3.0 for d in s.rep_data)

        if session.sets and all(holds(s) >= HOLDS_TO_PASS for s in session.sets):
            return Outcome.PASSED
        return Outcome.FAILED

    def taken_to_fatigue(self, result):
        return True

    def sessions_to_move_up(self, rules):
        return 1

    def target_text(self, rules):
        return f"{HOLDS_TO_PASS} holds of 3 s in a set"

    def pass_evidence(self, latest, rules):
        return f"{HOLDS_TO_PASS} holds of 3 s or more in every set"


PROTOCOL = """
id = "toy-top-hold"
name = "Toy: hold at the top"
signal = "angle"
kind = "toy-hold-at-top"
[target]
hold_s = 3.0
[tolerance]
hold_s = 0.5
[detection]
min_excursion = 8.0
"""


@pytest.fixture
def toy_kind():
    kind = register(HoldAtTheTop())
    yield kind
    unregister(kind.name)


def held_reps(holds: list[float]) -> list[RepSpec]:
    reps, start = [], 2.0
    for hold in holds:
        reps.append(RepSpec(start, 1.0, hold, 1.5))
        start += 1.0 + hold + 1.5 + 2.0
    return reps


def test_a_kind_defined_here_runs_through_analysis_report_storage_and_advice(toy_kind, tmp_path):
    path = tmp_path / "toy-top-hold.toml"
    path.write_text(PROTOCOL, encoding="utf-8")
    protocol = load_protocol(str(path))
    assert protocol.kind == toy_kind.name and protocol.exercise_kind is toy_kind

    holds = [3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 1.5]  # six good holds, the last one short
    reps = held_reps(holds)
    t = uniform_times(reps[-1].edges[3] + 3.0)
    session = analyse_track(track_from_angles(t, trace(t, reps)), protocol, band="red", source="toy.mp4")

    # analysis and scoring: the kind judged each rep and measured its hold, as data
    assert len(session.scores) == len(holds)
    for scored, hold in zip(session.scores, holds):
        assert scored.data["held_s"] == pytest.approx(hold, abs=0.3)
    assert [bool(s.faults) for s in session.scores] == [h < 2.5 for h in holds]
    assert session.summary.band_advice == BandAdvice.HARDER and session.summary.next_band == "green"

    # the report carries the kind and its per-rep data
    report = session_to_dict(session)
    assert report["prescription"]["kind"] == toy_kind.name
    assert [r["data"]["held_s"] for r in report["reps"]] == pytest.approx(holds, abs=0.3)

    # storage and the programme: the data comes back from the record and the kind's rule advises
    with Records.open(f"sqlite:///{tmp_path / 'records.db'}", LOCAL_USER) as records:
        athlete = records.add_athlete("Toy Tester").id
        records.prescribe(athlete, session.leg, str(path), "red", start=date(2026, 11, 2), reason="toy")
        outcome = records.save_set(
            athlete, SetToSave.from_analysis(session, clip_name="toy.mp4"), source="upload",
            day=date(2026, 11, 2), today=date(2026, 11, 2),
        )  # fmt: skip
        assert not outcome.saved.duplicate
        assert outcome.advice.action == Action.MOVE_UP and outcome.advice.next.band == "green"
        assert "5 holds of 3 s or more in every set" in outcome.advice.reason
        leg = records.course(athlete, today=date(2026, 11, 2)).legs[session.leg]
        stored = leg.results[0]
        assert stored.kind == toy_kind.name
        assert [d["held_s"] for d in stored.sets[0].rep_data] == pytest.approx(holds, abs=0.3)
        # the review path re-scores the stored landmarks under the same kind
        again = records.stored_set(leg.sessions[0].id, 1)
        assert [s.data["held_s"] for s in again.scores] == pytest.approx(holds, abs=0.3)

        # one session failing the kind's own target: its words, its rule
        short = analyse_track(
            track_from_angles(t, trace(t, held_reps([3.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]))), protocol, band="green"
        )
        records.prescribe(athlete, short.leg, str(path), "green", start=date(2026, 11, 5), reason="moved up")
        failed = records.save_set(
            athlete, SetToSave.from_analysis(short, clip_name="toy2.mp4"), source="upload",
            day=date(2026, 11, 5), today=date(2026, 11, 5),
        )  # fmt: skip
        assert failed.advice.outcome == Outcome.FAILED
        assert failed.advice.action == Action.STAY and "5 holds of 3 s in a set" in failed.advice.reason


def test_an_unregistered_kind_is_named_with_the_kinds_there_are(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(PROTOCOL, encoding="utf-8")
    with pytest.raises(ProtocolError) as err:
        load_protocol(str(path))
    assert "'kind' must be one of" in str(err.value) and "toy-hold-at-top" in str(err.value)
    assert "tempo" in str(err.value) and "isometric" in str(err.value)
    assert "toy-hold-at-top" not in kind_names()


def test_a_kind_cannot_take_a_name_already_taken():
    class Impostor(ExerciseKind):
        name = "tempo"

    with pytest.raises(ValueError, match="already registered"):
        register(Impostor())
    with pytest.raises(ValueError, match="built-in"):
        unregister("isometric")

    class TooLong(ExerciseKind):
        name = "a-name-longer-than-sixteen"

    with pytest.raises(ValueError, match="1-16 lower-case"):
        register(TooLong())
