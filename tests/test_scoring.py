"""Scores, fault codes, fatigue and band advice against hand-computed expectations."""

import pytest

from vision.programme import BUILTIN_PROGRAMME, band_colour, band_ladder
from vision.protocols import load_protocol
from vision.scoring import next_band, score_reps, summarise
from vision.types import Interval, Rep

TEMPO = load_protocol("band-tempo")
ISO = load_protocol("band-isometric")
ECC = load_protocol("band-eccentric")


def rep(i, c=1.0, h=2.0, e=3.0, rom=40.0, start=None):
    s = start if start is not None else 10.0 * i
    return Rep(i, Interval(s, s + c), Interval(s + c, s + c + h), Interval(s + c + h, s + c + h + e), 0.0, rom)


@pytest.mark.parametrize("kwargs,faults", [
    (dict(), ()),
    (dict(c=0.5), ("push_too_fast",)),
    (dict(c=1.6), ("push_too_slow",)),
    (dict(h=1.2), ("hold_too_short",)),
    (dict(h=3.0), ("hold_too_long",)),
    (dict(e=1.0), ("return_too_fast",)),
    (dict(e=4.0), ("return_too_slow",)),
    (dict(c=1.3, h=2.4, e=2.4), ()),  # all inside tolerance (0.4 / 0.5 / 0.75 s)
])  # fmt: skip
def test_tempo_faults(kwargs, faults):
    reps = [rep(1), rep(2, **kwargs), rep(3)]
    scored = score_reps(reps, TEMPO)
    assert scored[1].faults == faults
    assert (scored[1].score == 100) == (not faults and kwargs == {})


def test_score_falls_with_the_size_of_the_error():
    scores = [score_reps([rep(1, e=e)], TEMPO)[0].score for e in (3.0, 2.5, 2.0, 1.0)]
    assert scores[0] == 100 and scores[0] >= scores[1] > scores[2] > scores[3]


def test_partial_range_against_the_athletes_own_range():
    reps = [rep(1), rep(2), rep(3, rom=20.0), rep(4)]
    scored = score_reps(reps, TEMPO)
    assert scored[2].faults == ("partial_range",)
    assert all(not s.faults for i, s in enumerate(scored) if i != 2)


def test_eccentric_protocol_only_judges_the_return():
    scored = score_reps([rep(1, c=0.3, h=0.0, e=3.0), rep(2, c=0.3, h=0.0, e=1.5)], ECC)
    assert scored[0].faults == ()
    assert scored[1].faults == ("return_too_fast",)


def test_harder_band_after_more_than_twelve_good_reps():
    assert summarise(score_reps([rep(i) for i in range(1, 13)], TEMPO), TEMPO).band_advice == "stay"
    assert summarise(score_reps([rep(i) for i in range(1, 14)], TEMPO), TEMPO).band_advice == "harder"


def test_easier_band_when_the_first_reps_already_fail():
    reps = [rep(1, e=1.0), rep(2, e=1.2)] + [rep(i) for i in range(3, 8)]
    assert summarise(score_reps(reps, TEMPO), TEMPO).band_advice == "easier"


def test_isometric_advice_follows_the_longest_hold():
    assert summarise(score_reps([rep(1, h=34.0)], ISO), ISO).band_advice == "harder"
    assert summarise(score_reps([rep(1, h=22.0)], ISO), ISO).band_advice == "stay"
    assert summarise(score_reps([rep(1, h=6.0)], ISO), ISO).band_advice == "easier"
    assert summarise(score_reps([rep(1, h=22.0)], ISO), ISO).longest_hold_s == 22.0


def test_next_band_names_the_colour():
    assert next_band("red", "harder") == "green"
    assert next_band("red", "easier") == "yellow"
    assert next_band("red", "stay") == "red"
    assert next_band("black", "harder") is None  # beyond black: move on to heel raises
    assert next_band(None, "harder") is None
    assert band_ladder(half_steps=False) == ("yellow", "red", "green", "blue", "black")  # the file's colours
    summary = summarise(score_reps([rep(i) for i in range(1, 14)], TEMPO), TEMPO, band="blue")
    assert summary.next_band == "black"


def test_fatigue_when_range_fades_over_the_set():
    fading = [rep(i, rom=40.0 - 3.0 * i) for i in range(1, 10)]
    steady = [rep(i) for i in range(1, 10)]
    assert summarise(score_reps(fading, TEMPO), TEMPO).fatigue is True
    assert summarise(score_reps(steady, TEMPO), TEMPO).fatigue is False


def test_fatigue_when_the_push_slows_over_the_set():
    slowing = [rep(i, c=1.0 + 0.12 * i) for i in range(1, 10)]
    assert summarise(score_reps(slowing, TEMPO), TEMPO).fatigue is True


def test_summary_counts():
    s = summarise(score_reps([rep(1), rep(2, h=1.0), rep(3)], TEMPO), TEMPO)
    assert (s.rep_count, s.good_rep_count) == (3, 2)
    assert s.longest_hold_s == 2.0


def test_a_therapists_ladder_is_the_one_every_face_uses(tmp_path, monkeypatch):
    """One band ladder, read from the programme file: the set's advice, the CLI's choices and the drawing."""
    from vision.cli import build_parser

    text = BUILTIN_PROGRAMME.read_text(encoding="utf-8")
    text = text.replace(
        'bands = ["yellow", "red", "green", "blue", "black"]', 'bands = ["yellow", "red", "green", "purple"]'
    )
    text = text.replace('blue = "#2f6fd0", black = "#222222"', 'purple = "#7a3fb0"')
    mine = tmp_path / "programme.toml"
    mine.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CALFCHECK_PROGRAMME", str(mine))
    assert band_ladder(half_steps=False) == ("yellow", "red", "green", "purple")
    # Between each colour and the next, its half step (the lighter band stretched further or twisted).
    assert band_ladder() == ("yellow", "yellow+", "red", "red+", "green", "green+", "purple")
    assert next_band("green", "harder") == "purple"
    assert (next_band("red+", "harder"), next_band("red+", "easier"), next_band("red+", "stay")) == (
        "green",
        "red",
        "red+",
    )
    assert next_band("purple+", "stay") is None  # no half step above the toughest colour
    assert band_colour("green+") == band_colour("green") != band_colour("red")
    assert build_parser().parse_args(["score", "clip.mp4", "--band", "green+"]).band == "green+"
    assert next_band("purple", "harder") is None and next_band("blue", "stay") is None  # blue is not on it
    assert band_colour("purple") == "#7a3fb0" and band_colour(None) == band_colour("blue") == "#6b7280"
    assert build_parser().parse_args(["score", "clip.mp4", "--band", "purple"]).band == "purple"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["score", "clip.mp4", "--band", "black"])


def test_the_set_is_described_against_its_limit_and_decides_nothing():
    """One answer: the set's own words describe it; the next band is the programme's (tests/test_progression)."""
    above = summarise(score_reps([rep(i) for i in range(1, 14)], TEMPO), TEMPO)
    assert TEMPO.exercise_kind.describe_set(above, TEMPO) == "13 reps on target: above the 12 this band should allow."
    at = summarise(score_reps([rep(i) for i in range(1, 13)], TEMPO), TEMPO)
    assert "12 reps on target: at or under the 12" in TEMPO.exercise_kind.describe_set(at, TEMPO)
    hold = summarise(score_reps([rep(1, h=34.0)], ISO), ISO)
    assert ISO.exercise_kind.describe_set(hold, ISO) == "longest hold 34 s: past the 30 s this band should allow."
    for words in (TEMPO.exercise_kind.describe_set(above, TEMPO), ISO.exercise_kind.describe_set(hold, ISO)):
        assert "next" not in words and "tougher band" not in words


def test_a_full_version_set_of_unloaded_pushes_looks_like_the_eccentric_only_version():
    """The eccentric-only version brings the foot down unloaded (fast, no hold) and returns slowly: saved as
    the full version it would fail every push and hold. It is flagged, and the set's words ask."""
    unloaded = [rep(i, c=0.3, h=0.0, e=3.2) for i in range(1, 7)]
    flagged = summarise(score_reps(unloaded, TEMPO), TEMPO)
    assert flagged.looks_eccentric_only
    words = TEMPO.exercise_kind.describe_set(flagged, TEMPO)
    assert "looks like the eccentric-only version" in words and "Was it?" in words
    not_flagged = {
        "returns too fast as well (ankle flicks)": ([rep(i, c=0.3, h=0.0, e=1.0) for i in range(1, 7)], TEMPO),
        "pushes on tempo with no hold (a 1-0-3 set)": ([rep(i, c=1.0, h=0.0, e=3.0) for i in range(1, 7)], TEMPO),
        "two reps are too few to tell": (unloaded[:2], TEMPO),
        "four of six is not nearly every rep": (unloaded[:4] + [rep(i) for i in (5, 6)], TEMPO),
        "scored as eccentric-only already": (unloaded, ECC),
        "an isometric hold has no push to judge": (unloaded, ISO),
        "a heel raise has no eccentric-only version in the programme (fast up, slow down is a way to do it)": (
            unloaded,
            load_protocol("heel-raise"),
        ),
    }
    for why, (reps, protocol) in not_flagged.items():
        assert not summarise(score_reps(reps, protocol), protocol).looks_eccentric_only, why
    five_of_six = summarise(score_reps(unloaded[:5] + [rep(6)], TEMPO), TEMPO)
    assert five_of_six.looks_eccentric_only  # 83 %: one rep done as the full version does not hide the pattern


def test_the_eccentric_only_look_alike_travels_from_the_video_to_the_programme():
    """Through the whole pipeline on a synthetic side view: the tracker finds the fast, hold-less pushes, the
    report carries the flag, and the programme asks instead of failing the athlete."""
    from datetime import date

    from tests.synthetic import RepSpec, trace, track_from_angles, uniform_times
    from vision.analysis import analyse_track
    from vision.programme import load_programme
    from vision.progression import Step, advise
    from vision.report import session_to_dict, set_result_from_report
    from vision.set_results import SessionResult
    from vision.types import Leg, Outcome

    reps = [RepSpec(2.0 + 6.0 * i, 0.35, 0.0, 3.2) for i in range(8)]
    t = uniform_times(reps[-1].edges[3] + 3.0)
    analysed = analyse_track(track_from_angles(t, trace(t, reps)), TEMPO, band="red")
    assert analysed.summary.rep_count == 8 and analysed.summary.looks_eccentric_only
    report = session_to_dict(analysed)
    assert report["summary"]["looks_eccentric_only"] is True
    result = set_result_from_report(report)
    assert result.looks_eccentric_only
    # The same faults read from a heel raise's report: no eccentric-only version to mistake it for.
    assert not set_result_from_report({**report, "protocol": "heel-raise"}).looks_eccentric_only
    day = SessionResult(date(2026, 11, 2), "band-tempo", "tempo", Leg.RIGHT, "red",
                        (result,) * 3, 3, True)  # fmt: skip
    advice = advise([day], Step("band-tempo", "red"), load_programme())
    assert advice.outcome == Outcome.VERSION_DOUBT and advice.next == Step("band-tempo", "red")
    assert "eccentric-only" in advice.reason


def test_a_programme_without_half_steps_offers_the_colours_alone(tmp_path, monkeypatch):
    text = BUILTIN_PROGRAMME.read_text(encoding="utf-8").replace("half_steps = true", "half_steps = false")
    mine = tmp_path / "programme.toml"
    mine.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CALFCHECK_PROGRAMME", str(mine))
    assert band_ladder() == band_ladder(half_steps=False) == ("yellow", "red", "green", "blue", "black")
