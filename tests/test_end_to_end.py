"""End to end on real footage: the remix clips (phases known to the frame) and the hand-labelled clips.

Pose runs once per clip (session cache); each clip is then analysed under each protocol exactly as
``calfcheck score --protocol ...`` does (``FormChecker.extract`` then ``analyse``).
"""

import itertools
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REAL, REMIX, ROOT, needs_shared, remix_labels
from vision.analysis import Smoothing, analyse_track
from vision.protocols import load_protocol
from vision.quality import NO_ATHLETE

pytestmark = [needs_shared]

TEMPO_CLIPS = ["tempo_123_x4", "fast_return_121_x4", "no_hold_103_x4", "mixed_x5", "tempo_123_x13"]
# Slow phases (issue 25): a 6 s lowering, lowerings that stall, a 3 s push, moves that ease in and out.
SLOW_CLIPS = ["slow_return_126_x3", "stalled_return_x3", "slow_push_313_x3", "eased_mixed_x4"]
ISO_CLIPS = ["iso_hold_22s", "iso_hold_34s"]
PHASES = ("concentric", "hold", "eccentric")


def analyse(extractions, path, protocol, band=None):
    ex = extractions(path)
    return analyse_track(
        ex.track, load_protocol(protocol), band=band, info=ex.info, source=path.name, damaged=ex.decode.damaged
    )


def edges_of(rep) -> list[float]:
    return [rep.concentric.start_s, rep.hold.start_s, rep.eccentric.start_s, rep.eccentric.end_s]


def duration_errors(session, labels):
    errs = []
    for s, lab in zip(session.scores, labels["reps"]):
        for phase in PHASES:
            errs.append(abs(getattr(s.rep, phase).duration_s - (lab[phase][1] - lab[phase][0])))
    return errs


@pytest.mark.parametrize(
    "protocol,advice,next_band",
    [
        ("band-tempo", "harder", "blue"),  # 13 good reps: past the 12 the band should allow
        ("band-eccentric", "harder", "blue"),
        ("heel-raise", "harder", "blue"),
        ("seated-heel-raise", "harder", "blue"),
        ("band-isometric", "easier", "red"),  # as holds: 2 s each, nowhere near the 30 s the band should allow
    ],
)
def test_the_13_rep_clip_gets_the_right_band_advice_under_every_protocol(extractions, protocol, advice, next_band):
    session = analyse(extractions, REMIX / "tempo_123_x13.mp4", protocol, band="green")
    assert session.summary.rep_count == 13
    assert (session.summary.band_advice, session.summary.next_band) == (advice, next_band)


def test_a_rotated_phone_clip_with_dropped_frames_and_a_gap_is_timed_like_the_original(tmp_path):
    """The remix clip as a phone records it: stored sideways with a display rotation, 15 % of frames
    dropped at random and a 0.67 s hole in the second rep's hold, every kept frame at its original time."""
    from tests.videos import phone_copy
    from vision.pipeline import FormChecker

    rng = np.random.default_rng(7)
    clip = phone_copy(
        REMIX / "tempo_123_x4.mp4", tmp_path / "phone.mp4", lambda t: rng.random() > 0.15 and not 11.5 <= t < 12.17
    )
    session = FormChecker(load_protocol("band-tempo")).run_video(clip)
    assert session.info.height > session.info.width  # turned upright, as the athlete filmed it
    labels = remix_labels("tempo_123_x4")
    assert session.summary.rep_count == len(labels["reps"]) == 4
    assert np.mean(duration_errors(session, labels)) <= 0.25  # the gate every remix clip meets
    assert [s.faults for s in session.scores] == [()] * 4  # all on the 1-2-3 tempo, as recorded


@pytest.mark.parametrize("protocol", ["heel-raise", "band-tempo"])
def test_remix_tempo_clips(extractions, protocol):
    all_errors = []
    for name in TEMPO_CLIPS:
        labels = remix_labels(name)
        session = analyse(extractions, REMIX / f"{name}.mp4", protocol)
        assert session.quality.reliable, (name, session.quality.warnings)
        assert len(session.scores) == len(labels["reps"]), name
        errors = duration_errors(session, labels)
        # No clip far off (heel lift once read the no-hold clip's turnaround as a 0.5 s hold: 0.25-0.35 s MAE,
        # until it was read above the floor and a top was read at the height the heel reached; now 0.06 s).
        assert np.mean(errors) <= 0.25, (name, np.mean(errors))
        all_errors += errors
        faults = [s.faults for s in session.scores]
        assert not session.summary.looks_eccentric_only, name  # the full version, whatever its faults
        if name == "tempo_123_x4":
            assert faults == [()] * 4
            assert session.summary.band_advice == "stay"
        if name == "fast_return_121_x4":
            assert all("return_too_fast" in f for f in faults)
        if name == "no_hold_103_x4":
            assert all("hold_too_short" in f for f in faults)
        if name == "tempo_123_x13":
            assert session.summary.band_advice == "harder"
        if name == "mixed_x5":  # 1-2-3, 2-2-3, 1-1-3, 1-2-2, 0.5-2-3
            assert faults[0] == ()
            assert "push_too_slow" in faults[1]
            assert "hold_too_short" in faults[2]
            assert "return_too_fast" in faults[3]
            assert "push_too_fast" in faults[4]
    # The issue asks for no worse than 0.105 s. Measured on the fast path 0.101 s (angle) and 0.077 s (heel lift,
    # above the followed floor); before the pace was read over a twentieth of each ramp, the angle read 0.121 s.
    assert np.mean(all_errors) <= 0.105, np.mean(all_errors)


@pytest.mark.parametrize("protocol", ["band-tempo", "heel-raise"])
@pytest.mark.parametrize("name", SLOW_CLIPS)
def test_slow_lowerings_stalls_slow_pushes_and_eased_moves_are_timed_as_the_heel_moves(extractions, name, protocol):
    """Each phase from the heel's first movement to its last, a stalled lowering from the top to the floor.
    Before: lowerings cut 1.3-1.6 s short, pushes starting 0.6 s late (phase errors up to 3 s)."""
    labels = remix_labels(name)
    session = analyse(extractions, REMIX / f"{name}.mp4", protocol)
    assert len(session.scores) == len(labels["reps"]), name
    errors = duration_errors(session, labels)
    # Both signals meet the 0.15 s MAE and 0.35 s worst phase on each clip (measured on the fast path:
    # worst clip 0.145 s under the angle, 0.141 s under heel lift, the heel above the followed floor; above the
    # toes heel lift read the 6 s lowering at 0.28 s and the 3 s push at 0.21 s).
    assert np.mean(errors) <= 0.15 and max(errors) <= 0.35, (np.mean(errors), max(errors))
    for s, lab in zip(session.scores, labels["reps"]):
        stalls = lab.get("eccentric_stalls", [])
        assert len(s.rep.stalls) == len(stalls), (s.rep.index, s.rep.stalls)
        for got, want in zip(s.rep.stalls, stalls):  # where the athlete paused, and when
            a, b = want["interval"]
            assert abs(got.interval.start_s - a) <= 0.2 and abs(got.interval.end_s - b) <= 0.3
            assert got.share_of_the_way_down == pytest.approx(want["share_of_the_way_down"], abs=0.2)


@pytest.mark.parametrize("name,advice", [("iso_hold_22s", "stay"), ("iso_hold_34s", "harder")])
def test_remix_isometric_holds(extractions, name, advice):
    labels = remix_labels(name)
    session = analyse(extractions, REMIX / f"{name}.mp4", "band-isometric", band="green")
    assert len(session.scores) == 1
    expected = labels["reps"][0]["hold"][1] - labels["reps"][0]["hold"][0]
    assert session.scores[0].rep.hold.duration_s == pytest.approx(expected, abs=0.5)
    assert session.summary.band_advice == advice
    assert session.summary.next_band == ("blue" if advice == "harder" else "green")


def test_live_filter_finds_the_same_reps_as_offline(extractions):
    """The causal (live) path feeds the same tracker: the same reps, with similar timing."""
    for name in ("tempo_123_x4", "mixed_x5"):
        ex = extractions(REMIX / f"{name}.mp4")
        protocol = load_protocol("band-tempo")
        offline = analyse_track(ex.track, protocol, info=ex.info, source=name)
        live = analyse_track(ex.track, protocol, leg=offline.leg, info=ex.info, smoothing=Smoothing.CAUSAL)
        live_reps = [s.rep for s in live.scores]
        assert len(live_reps) == len(offline.scores)
        starts_live = [r.start_s for r in live_reps]
        starts_off = [s.rep.start_s for s in offline.scores]
        np.testing.assert_allclose(starts_live, starts_off, atol=0.35)


def test_cli_scores_a_remix_clip_with_each_protocol(tmp_path):
    clip = REMIX / "tempo_123_x4.mp4"
    for protocol in ("heel-raise", "band-tempo"):
        out = tmp_path / f"{protocol}.json"
        res = subprocess.run(
            [sys.executable, "-m", "vision", "score", str(clip), "--protocol", protocol, "--json", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert res.returncode == 0, res.stderr
        report = json.loads(out.read_text())
        assert report["protocol"] == protocol and report["summary"]["rep_count"] == 4
        assert [r["faults"] for r in report["reps"]] == [[]] * 4
        first = report["reps"][0]
        assert first["phases"]["concentric"][0] == pytest.approx(2.0, abs=0.2)
        assert first["rom_deg"] > 30


def real_labels():
    return json.loads((REAL / "labels.json").read_text())


@pytest.mark.parametrize("protocol", ["heel-raise", "band-tempo"])
def test_wall_calf_raise_gives_its_two_labelled_reps(extractions, protocol):
    labels = real_labels()["wall_calf_raise_60fps.mp4"]
    session = analyse(extractions, REAL / "wall_calf_raise_60fps.mp4", protocol)
    assert len(session.scores) == labels["rep_count"] == 2
    if protocol != "heel-raise":
        return  # the hand labels were read from heel height; the ankle angle settles on its own time
    for s, lab in zip(session.scores, labels["reps"]):
        assert s.rep.concentric.start_s == pytest.approx(lab["concentric"][0], abs=0.3)
        # The hand labels put each return's end where 95 % of the lift is done; the heel then creeps the last
        # 5 % down for another 0.2-0.4 s, which calfcheck times as part of the lowering (as the independent
        # trace of the heel does, to 0.05 s: test_pushes_and_holds_on_real_footage_...). So the end is held to
        # the label from below only.
        assert lab["eccentric"][1] - 0.3 <= s.rep.eccentric.end_s <= lab["eccentric"][1] + 0.45


def test_a_stalled_lowering_is_not_thrown_far_off_by_a_fifth_of_a_pixel_of_jitter(extractions):
    """The stalled clip, its landmarks and followed points jittered by a fifth of a pixel (far less than the pose
    model's own jitter, or than two machines' runs of it differ by): no phase off by more than the issue's 0.35 s
    under the angle. The stalls bend the lowering, so the straight-line fit put its knot inside the hold, and the
    walk back to where the lowering starts stopped at the first jittered sample that looked like movement: the
    second rep's return started up to 0.45 s early (0.35-0.45 s on these three draws). A lowering now starts
    where the heel moves on three samples in a row. ``python benchmarks/bench_accuracy.py --jitter 6`` prints
    all four slow clips draw by draw: the angle still misses the issue's limits on some (the README says how)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_accuracy import jittered

    name = "stalled_return_x3"
    labels = remix_labels(name)
    track = extractions(REMIX / f"{name}.mp4").track
    for draw in range(3):
        session = analyse_track(jittered(track, np.random.default_rng(draw)), load_protocol("band-tempo"))
        assert len(session.scores) == len(labels["reps"]), draw
        assert max(duration_errors(session, labels)) <= 0.35, (draw, duration_errors(session, labels))


@pytest.fixture(scope="module")
def wall_heel_trace(extractions):
    """An independent trace of the real athlete's heel against the floor ahead of the toes (dense optical flow,
    placed once by the pose model and never corrected by it: benchmarks/heel_trace.py), and the reps it shows."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from heel_trace import heel_trace, phase_durations

    clip = REAL / "wall_calf_raise_60fps.mp4"
    ex = extractions(clip)
    leg = analyse_track(ex.track, load_protocol("heel-raise")).leg
    return leg, phase_durations(*heel_trace(clip, ex.track, leg))


def test_pushes_and_holds_on_real_footage_follow_an_independent_trace_of_the_heel(extractions, wall_heel_trace):
    """Real movement eases in and out and the pose model lags it; with the heel and toes followed by their pixels,
    each push and hold of these heel raises (timed, as heel raises are, by heel lift) is within 0.15 s of what an
    independent trace of the heel shows (before: pushes 0.09-0.15 s short, returns 0.27-0.42 s short). The ankle
    angle is not held to the heel's trace: the shin tilts as the athlete rises, so the angle's hold differs from
    the heel's by about 0.2 s on this clip (benchmarks/bench_heel_trace.py prints both)."""
    leg, truth = wall_heel_trace
    assert len(truth) == 2  # the trace itself shows the athlete's two reps
    session = analyse(extractions, REAL / "wall_calf_raise_60fps.mp4", "heel-raise")
    assert session.leg == leg and len(session.scores) == 2
    for s, rep in zip(session.scores, truth):
        assert s.rep.concentric.duration_s == pytest.approx(rep.concentric.duration_s, abs=0.15)
        assert s.rep.hold.duration_s == pytest.approx(rep.hold.duration_s, abs=0.15)
        assert s.rep.eccentric.duration_s == pytest.approx(rep.eccentric.duration_s, abs=0.25)


def test_pedestrians_give_no_reps_and_a_no_athlete_warning(extractions):
    session = analyse(extractions, REAL / "pedestrians_no_athlete.avi", "band-tempo")
    assert session.scores == []
    assert NO_ATHLETE in session.quality.warnings


def test_seated_machine_close_up_reports_poor_quality_not_reps(extractions):
    session = analyse(extractions, REAL / "seated_calf_machine_closeup.mp4", "band-tempo")
    assert not session.quality.reliable and session.quality.warnings
    assert session.scores == []


def test_front_view_of_the_crossed_leg_asks_for_a_better_view(extractions):
    session = analyse(extractions, REAL / "seated_crossed_leg_front.mp4", "band-tempo")
    assert not session.quality.reliable
    assert any("side" in w for w in session.quality.warnings)


@pytest.mark.parametrize(
    "clip", sorted(p.name for p in REAL.glob("*") if p.suffix in (".mp4", ".avi")) if REAL.is_dir() else []
)
def test_no_real_clip_crashes(extractions, clip):
    for protocol in ("band-tempo", "heel-raise", "band-isometric"):
        session = analyse(extractions, REAL / clip, protocol)
        assert session.summary.rep_count == len(session.finished_scores)
    if clip == "standing_calf_raises_front.mp4":
        assert len(analyse(extractions, REAL / clip, "heel-raise").scores) <= 5


def test_live_coach_on_real_frames_counts_and_reports(extractions, every_frame_extractions):
    """The live page's engine, fed the decoded frames of a clip one at a time (no browser)."""
    from vision.pipeline import LiveCoach
    from vision.report import session_to_dict
    from vision.video import iter_frames

    coach = LiveCoach(load_protocol("band-tempo"), band="red")
    phases, reps_seen, burst = set(), [], []
    burst_sizes = itertools.cycle([1, 1, 3, 1, 2, 6, 1, 4])  # WebRTC delivers frames in bursts after jitter
    size = next(burst_sizes)
    try:
        for frame in iter_frames(REMIX / "tempo_123_x4.mp4"):
            burst.append(frame)
            if len(burst) < size:
                continue
            images, state = coach.process_queued(burst)
            assert [image.shape for image in images] == [f.image.shape for f in burst]  # every frame drawn
            phases.add(state.phase)
            reps_seen.append(state.reps)
            burst, size = [], next(burst_sizes)
    finally:
        coach.close()
    assert reps_seen[-1] == 4 and reps_seen == sorted(reps_seen)
    assert len(phases) == 4  # rest, push, hold and return were all seen live
    timings = re.findall(r"(push|hold|return) ([0-9.]+) s", state.last_rep_text)
    assert [name for name, _ in timings] == ["push", "hold", "return"]
    np.testing.assert_allclose([float(v) for _, v in timings], [1.0, 2.0, 3.0], atol=0.3)  # the clip's 1-2-3
    assert state.last_rep_text.endswith("on tempo")
    live = coach.to_session()
    report = session_to_dict(live)
    assert report["schema"] == "calfcheck.score/1" and report["summary"]["rep_count"] == 4
    assert report["summary"]["next_band"] == "red"
    # When the set ends, the live report's phases are the offline scorer's on the same frames (every frame
    # posed, as live); the default fast path counts the same reps.
    offline = analyse(every_frame_extractions, REMIX / "tempo_123_x4.mp4", "band-tempo", band="red")
    fast = analyse(extractions, REMIX / "tempo_123_x4.mp4", "band-tempo")
    assert len(live.scores) == len(offline.scores) == len(fast.scores) == 4
    for a, b in zip(live.scores, offline.scores):  # the same code on the same frames (two pose model instances
        # may differ in the last float bits, so the edges agree to a few milliseconds)
        np.testing.assert_allclose(edges_of(a.rep), edges_of(b.rep), atol=0.02)


@pytest.mark.parametrize("clip", ["tempo_123_x4", "slow_return_126_x3"])
@pytest.mark.parametrize("protocol", ["band-tempo", "heel-raise"])
def test_the_fast_path_times_phases_as_posing_every_frame_does(extractions, every_frame_extractions, clip, protocol):
    """``calfcheck score`` poses ten frames a second and follows the heel and toes on every frame
    (vision.sampling): the counts are exact and the phases as accurate as with every frame posed."""
    labels = remix_labels(clip)
    fast = analyse(extractions, REMIX / f"{clip}.mp4", protocol)
    every = analyse(every_frame_extractions, REMIX / f"{clip}.mp4", protocol)
    assert len(fast.scores) == len(every.scores) == len(labels["reps"])
    assert np.mean(duration_errors(fast, labels)) <= np.mean(duration_errors(every, labels)) + 0.02
    # Edge by edge within a quarter second: heel lift's start of the 6 s lowering is flat for about 0.3 s in
    # this rear-oblique view (issue 25's open item), so either path may place it anywhere on that stretch.
    for a, b in zip(fast.scores, every.scores):
        np.testing.assert_allclose(edges_of(a.rep), edges_of(b.rep), atol=0.25)
