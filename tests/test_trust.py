"""Trust on footage nobody tuned for: failure modes seen on unseen real clips, rebuilt from synthetic
traces and from the shared clips (issue: trust and speed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import REMIX, needs_shared, remix_labels
from tests.synthetic import RepSpec, body_sway, tempo_set, trace, track_from_angles, uniform_times
from vision.analysis import analyse_track
from vision.live import LiveTracker
from vision.protocols import load_protocol
from vision.quality import WEAK_SIGNAL
from vision.report import session_to_dict
from vision.types import Fault, PoseFrame, SignalKind


def angles(t: np.ndarray, reps: list[RepSpec], noise_deg: float = 0.3, seed: int = 0) -> np.ndarray:
    return trace(t, reps, rest=0.0, full_range=40.0) + np.random.default_rng(seed).normal(0, noise_deg, t.size)


# ---- a still top read as part of the return ------------------------------------------------------
def phase_errors(shape: dict, hold_s: float, return_s: float) -> np.ndarray:
    """|reported - true| push, hold and return durations of four reps of a 35° seated raise whose top
    and return have the given ``shape`` (see ``tests.synthetic.trace``)."""
    reps = [RepSpec(2.0 + i * (hold_s + return_s + 3.0), 1.0, hold_s, return_s) for i in range(4)]
    t = uniform_times(reps[-1].edges[3] + 2.5)
    angle = trace(t, reps, rest=0.0, full_range=35.0, **shape) + np.random.default_rng(1).normal(0, 0.5, t.size)
    session = analyse_track(track_from_angles(t, angle), load_protocol("band-tempo"))
    assert session.summary.rep_count == 4
    got = np.array(
        [[s.rep.concentric.duration_s, s.rep.hold.duration_s, s.rep.eccentric.duration_s] for s in session.scores]
    )
    return np.abs(got - np.array([[1.0, hold_s, return_s]]))


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param({"top_creep": -0.10}, id="top creeping down"),
        pytest.param({"top_creep": +0.10}, id="top creeping up"),
        pytest.param({"top_wobble": 0.04}, id="top wobbling"),
        pytest.param({"return_speeding_up": 0.4}, id="return starting slowly"),
        pytest.param({"top_creep": -0.10, "return_speeding_up": 0.4}, id="creep then slow start"),
    ],
)
def test_a_still_top_is_the_hold_not_the_start_of_the_return(shape):
    """The unseen clip: the top still for 1.1 s, then a 1.1 s return. The hold and the return must each be
    timed where the movement stops and starts, whatever the top and the return's start look like."""
    errors = phase_errors(shape, hold_s=1.1, return_s=1.1)
    assert errors.mean(axis=0).max() <= 0.2, errors  # no phase off on average by more than 0.2 s
    assert errors.max() <= 0.45, errors


@pytest.mark.parametrize("shape", [{"top_creep": -0.10}, {"top_wobble": 0.04}], ids=["creeping", "wobbling"])
def test_the_prescribed_tempo_is_timed_on_an_unsteady_top(shape):
    errors = phase_errors(shape, hold_s=2.0, return_s=3.0)
    assert errors.mean(axis=0).max() <= 0.2, errors


# ---- a weak signal: small movement, big sway -----------------------------------------------------
def small_range_track(n_reps: int, sway_deg: float, seed: int):
    """An oblique front view: 12° of movement, the rest swaying ±``sway_deg``."""
    rng = np.random.default_rng(seed)
    reps = tempo_set(n_reps) if n_reps > 1 else [RepSpec(2.0, 1.0, 29.0, 1.0)]
    t = uniform_times(reps[-1].edges[3] + 3.0)
    angle = trace(t, reps, rest=0.0, full_range=12.0) + body_sway(t, sway_deg, rng) + rng.normal(0, 0.5, t.size)
    return track_from_angles(t, angle)


def small_range_session(n_reps: int, sway_deg: float, seed: int, protocol: str = "band-tempo"):
    return analyse_track(small_range_track(n_reps, sway_deg, seed), load_protocol(protocol), band="red")


@pytest.mark.parametrize("n_reps,protocol", [(12, "band-tempo"), (5, "band-tempo"), (1, "band-isometric")])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_on_a_small_movement_is_not_counted_but_explained(n_reps, protocol, seed):
    session = small_range_session(n_reps, sway_deg=3.0, seed=seed, protocol=protocol)
    assert session.summary.rep_count == 0 and session.scores == []
    assert not session.quality.reliable
    assert session.quality.warnings == (WEAK_SIGNAL[SignalKind.ANGLE],)
    assert session.summary.next_band == "red"  # nothing counted, so no band change either


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_live_counter_does_not_count_noise_on_a_small_movement_either(seed):
    counts, session, state = live_run(small_range_track(12, sway_deg=3.0, seed=seed), "band-tempo")
    assert counts[-1] == 0 and session.summary.rep_count == 0
    assert state.cue == WEAK_SIGNAL[SignalKind.ANGLE]
    counts, session, state = live_run(small_range_track(12, sway_deg=1.5, seed=seed), "band-tempo")
    assert counts[-1] == 12 and session.summary.rep_count == 12  # a calm rest is counted as before
    assert state.cue != WEAK_SIGNAL[SignalKind.ANGLE]


@pytest.mark.parametrize("n_reps,protocol", [(12, "band-tempo"), (5, "band-tempo"), (1, "band-isometric")])
def test_a_small_movement_on_a_calm_rest_is_still_counted(n_reps, protocol):
    session = small_range_session(n_reps, sway_deg=1.5, seed=0, protocol=protocol)
    assert session.quality.reliable, session.quality.warnings
    assert session.summary.rep_count == n_reps


def quick_reps_from_the_toes(seed: int, n_reps: int = 7):
    """Quick, shallow reps with no rest between them (a single-leg heel raise against a wall, filmed at an
    angle: 12° of movement, a little sway), in a clip that starts with the athlete already up on their
    toes, coming down to rest before the first rep."""
    rng = np.random.default_rng(seed)
    reps = [RepSpec(2.5 + i * 1.8, 0.6, 0.2, 0.8) for i in range(n_reps)]
    t = uniform_times(reps[-1].edges[3] + 2.0)
    angle = trace(t, reps, rest=0.0, full_range=12.0)
    coming_down = t < 1.5
    angle[coming_down] = 12.0 * np.clip(1.0 - (t[coming_down] - 0.3) / 1.0, 0.0, 1.0)
    angle += body_sway(t, 1.0, rng) + rng.normal(0, 0.3, t.size)
    return track_from_angles(t, angle)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quick_reps_in_a_clip_that_starts_up_on_the_toes_are_counted(seed):
    """The settle down from the toes before the first rep is not sway at rest (quick reps leave no rest
    between them, so it was the only rest there was, and vetoed a count a person makes at a glance)."""
    session = analyse_track(quick_reps_from_the_toes(seed), load_protocol("band-tempo"))
    assert session.quality.reliable, session.quality.warnings
    assert session.summary.rep_count == 7
    counts, live, state = live_run(quick_reps_from_the_toes(seed), "band-tempo")
    assert counts[-1] == 7 and live.summary.rep_count == 7
    assert state.cue != WEAK_SIGNAL[SignalKind.ANGLE]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sway_deg", [1.0, 3.0])
def test_the_settle_is_taken_out_of_the_rest_sway_and_the_sway_is_kept(seed, sway_deg):
    """The gate's sway at rest, read on the rep's known edges: a set that starts coming down from the toes
    measures the sway that the same set shows when it starts at rest (the settle out, the sway kept)."""
    from vision.quality import rest_sway
    from vision.types import Interval, Rep

    specs = tempo_set(12)
    t = uniform_times(specs[-1].edges[3] + 3.0)
    at_rest = trace(t, specs, rest=0.0, full_range=12.0)
    sway = body_sway(t, sway_deg, np.random.default_rng(seed))
    from_the_toes = at_rest.copy()
    coming_down = t < 1.5
    from_the_toes[coming_down] = 12.0 * np.clip(1.0 - (t[coming_down] - 0.3) / 1.0, 0.0, 1.0)
    reps = [
        Rep(i, Interval(c0, c1), Interval(c1, e0), Interval(e0, e1), 0.0, 12.0)
        for i, (c0, c1, e0, e1) in enumerate(spec.edges for spec in specs)
    ]
    calm = rest_sway(t, at_rest + sway, reps)
    settled = rest_sway(t, from_the_toes + sway, reps)
    # One of the 13 stretches (the first) is read from where the settle ends, so the median of their spreads
    # may move by a rank: within 15 %.
    assert settled == pytest.approx(calm, rel=0.15)
    assert settled < 12.0 / 2  # the settle itself (12°, peak to peak) is not in it


# ---- an unfinished last rep ----------------------------------------------------------------------
@pytest.mark.parametrize("ends_in", ["hold", "return"])
def test_a_rep_the_clip_cut_off_is_reported_not_counted(ends_in):
    reps = tempo_set(4)
    last = reps[-1]
    end = last.start_s + last.concentric_s + 1.0 if ends_in == "hold" else last.edges[2] + 1.2
    t = uniform_times(end)
    session = analyse_track(track_from_angles(t, angles(t, reps)), load_protocol("band-tempo"), band="red")
    assert session.summary.rep_count == 3 and len(session.finished_scores) == 3
    assert len(session.scores) == 4 and session.scores[-1].incomplete
    cut = session.scores[-1]
    assert cut.rep.concentric.duration_s == pytest.approx(1.0, abs=0.2)  # its partial phases are kept
    if ends_in == "hold":
        assert Fault.HOLD_CUT_OFF in cut.faults and cut.rep.eccentric.duration_s == 0
    else:
        assert cut.rep.hold.duration_s == pytest.approx(2.0, abs=0.3)
        assert Fault.RETURN_TOO_FAST not in cut.faults  # a return the clip cut is not judged
    report = session_to_dict(session)
    assert [r["incomplete"] for r in report["reps"]] == [False, False, False, True]
    assert report["summary"]["rep_count"] == 3 and json.dumps(report)


def test_a_cut_off_rep_drives_no_band_advice():
    """13 reps on tempo means a tougher band; 12 and the start of a 13th does not."""
    reps = tempo_set(13)
    t_full = uniform_times(reps[-1].edges[3] + 2.0)
    protocol = load_protocol("band-tempo")
    full = analyse_track(track_from_angles(t_full, angles(t_full, reps)), protocol, band="red")
    assert full.summary.rep_count == 13 and full.summary.band_advice == "harder"
    t_cut = uniform_times(reps[-1].start_s + 2.0)  # the 13th push reached its hold, then the clip ended
    cut = analyse_track(track_from_angles(t_cut, angles(t_cut, reps)), protocol, band="red")
    assert cut.summary.rep_count == 12 and cut.scores[-1].incomplete
    assert cut.summary.band_advice == "stay" and cut.summary.next_band == "red"


def test_an_isometric_hold_cut_off_keeps_its_time_and_counts():
    hold = RepSpec(2.0, 1.0, 40.0, 1.0)
    t = uniform_times(2.0 + 1.0 + 33.0)  # the clip ends 33 s into the hold
    session = analyse_track(track_from_angles(t, angles(t, [hold])), load_protocol("band-isometric"), band="green")
    assert session.summary.rep_count == 1 and not session.scores[0].incomplete
    assert Fault.HOLD_CUT_OFF in session.scores[0].faults
    assert session.summary.longest_hold_s == pytest.approx(33.0, abs=0.3)
    assert session.summary.band_advice == "harder"  # past 30 s, even cut off


@needs_shared
def test_a_real_clip_ending_at_the_top_of_its_last_rep(extractions):
    """tempo_123_x4 cut 1 s into rep 4's hold: 3 reps, and rep 4 reported as incomplete."""
    ex = extractions(REMIX / "tempo_123_x4.mp4")
    hold_start = remix_labels("tempo_123_x4")["reps"][3]["hold"][0]
    keep = ex.track.t_s <= hold_start + 1.0

    track = ex.track.select(keep)
    for protocol in ("band-tempo", "heel-raise"):
        session = analyse_track(track, load_protocol(protocol), info=ex.info)
        assert session.summary.rep_count == 3, protocol
        assert [s.incomplete for s in session.scores] == [False, False, False, True], protocol
        assert [s.faults for s in session.finished_scores] == [()] * 3, protocol


# ---- sway at rest and dips inside a hold ---------------------------------------------------------
def wobble(t: np.ndarray, centre_s: float, amplitude: float, duration_s: float = 1.2) -> np.ndarray:
    """A smooth bump of ``amplitude`` degrees: the athlete swaying, not pushing."""
    u = np.clip((t - centre_s) / duration_s + 0.5, 0.0, 1.0)
    return amplitude * np.sin(np.pi * u) ** 2


def phone_clip_with_sway():
    """Phone clip: variable frame rate, dropped frames, one 0.67 s gap; 31° reps and 7° sways between."""
    rng = np.random.default_rng(3)
    reps = tempo_set(5, first_start=6.0, rest_s=4.0)
    t = np.cumsum(rng.uniform(1 / 40, 1 / 20, 3000))
    t = t[t < reps[-1].edges[3] + 3.0]
    t = t[rng.random(t.size) > 0.1]  # dropped frames
    t = t[(t < 20.0) | (t > 20.67)]  # one 0.67 s hole, timestamps kept
    angle = trace(t, reps, rest=0.0, full_range=31.0) + rng.normal(0, 0.4, t.size)
    for centre in (3.0, reps[1].edges[3] + 2.0, reps[3].edges[3] + 2.0):  # one before the first rep
        angle += wobble(t, centre, 7.0)
    return track_from_angles(t, angle), reps


def test_sway_at_rest_is_not_a_rep_even_before_the_first_one():
    track, reps = phone_clip_with_sway()
    session = analyse_track(track, load_protocol("band-tempo"))
    assert session.summary.rep_count == 5
    starts = [s.rep.start_s for s in session.scores]
    np.testing.assert_allclose(starts, [r.start_s for r in reps], atol=0.3)


def test_the_live_counter_does_not_count_sway_once_reps_show_the_range():
    counts, session, _ = live_run(*phone_clip_with_sway()[:1], "band-tempo")
    assert session.summary.rep_count == 5
    # Sways after the first rep never show as reps; the one before it shows until the first rep proves
    # it small, so the count stands at 1 after that rep instead of 2.
    assert max(counts) == 5 and counts[-1] == 5


def test_a_dip_inside_an_isometric_hold_does_not_split_it():
    hold = RepSpec(2.0, 1.0, 29.0, 1.0)
    t = uniform_times(36.0)
    angle = angles(t, [hold], noise_deg=0.5) - wobble(t, 15.0, 0.45 * 40.0, duration_s=1.5)  # a 1.5 s sag
    session = analyse_track(track_from_angles(t, angle), load_protocol("band-isometric"))
    assert session.summary.rep_count == 1
    assert session.scores[0].rep.hold.duration_s == pytest.approx(29.0, abs=0.6)


# ---- the scene changes: a camera cut, the athlete walking out ------------------------------------
def test_walking_out_after_the_set_adds_no_reps():
    reps = tempo_set(3)
    t = uniform_times(reps[-1].edges[3] + 2.0 + 8.0)
    angle = angles(t, reps)
    walk = t > reps[-1].edges[3] + 2.0
    angle[walk] = 20.0 * np.sin(2 * np.pi * 1.0 * (t[walk] - t[walk][0])) + 10.0  # the foot swings with each step
    track = track_from_angles(t, angle)
    shift = np.where(walk, (t - t[walk][0]) * 1.5 * 200 / 640, 0.0)  # 1.5 shank lengths a second, sideways
    track.landmarks[:, :, 0] += shift[:, None]
    session = analyse_track(track, load_protocol("band-tempo"))
    assert session.summary.rep_count == 3
    assert [s.incomplete for s in session.scores] == [False] * 3


def live_run(track, protocol: str):
    """Feed a track to the live page's tracker frame by frame, as the webcam would: the rep counts the
    athlete saw, frame by frame, and the set's report."""
    tracker = LiveTracker(load_protocol(protocol))
    states = [
        tracker.update(PoseFrame(float(t), lm), track.width, track.height) for t, lm in zip(track.t_s, track.landmarks)
    ]
    return [s.reps for s in states], tracker.to_session(), states[-1]


def live_report(track, protocol: str):
    return live_run(track, protocol)[1]


def test_walking_out_after_the_set_adds_no_reps_live():
    reps = tempo_set(3, first_start=3.0)
    t = uniform_times(reps[-1].edges[3] + 2.0 + 8.0)
    angle = angles(t, reps)
    walk = t > reps[-1].edges[3] + 2.0
    angle[walk] = 20.0 * np.sin(2 * np.pi * 1.0 * (t[walk] - t[walk][0])) + 10.0
    track = track_from_angles(t, angle)
    track.landmarks[:, :, 0] += np.where(walk, (t - t[walk][0]) * 1.5 * 200 / 640, 0.0)[:, None]
    session = live_report(track, "band-tempo")
    assert session.summary.rep_count == 3


def test_the_live_report_drops_sway_and_keeps_a_sagging_hold_whole():
    reps = tempo_set(4, first_start=6.0, rest_s=4.0)
    t = uniform_times(reps[-1].edges[3] + 3.0)
    angle = angles(t, reps, noise_deg=0.4)
    for centre in (reps[1].edges[3] + 2.0, reps[2].edges[3] + 2.0):
        angle += wobble(t, centre, 0.25 * 40.0)  # sways of a quarter of the range between reps
    counts, session, _ = live_run(track_from_angles(t, angle), "band-tempo")
    assert session.summary.rep_count == 4
    # The counter the athlete watches applies the same rule as the report: it never showed a sway as a rep.
    assert max(counts) == 4 and counts == sorted(counts)
    hold = RepSpec(3.0, 1.0, 29.0, 1.0)
    t = uniform_times(36.0)
    angle = angles(t, [hold], noise_deg=0.5) - wobble(t, 15.0, 0.45 * 40.0, duration_s=1.5)
    counts, session, _ = live_run(track_from_angles(t, angle), "band-isometric")
    assert session.summary.rep_count == 1
    assert session.scores[0].rep.hold.duration_s == pytest.approx(29.0, abs=1.0)
    assert max(counts) == 1  # the sag never showed as a second hold


@needs_shared
def test_a_camera_cut_mid_rep_abandons_that_rep(extractions):
    """tempo_123_x4 cut in rep 3's hold to a second 'camera' (the same athlete smaller and elsewhere in the
    picture) that starts at rep 3 again: reps 1-2, then 3 and 4 from the new angle; no phantom rep 3."""
    from vision.types import PoseTrack

    ex = extractions(REMIX / "tempo_123_x4.mp4")
    labels = remix_labels("tempo_123_x4")["reps"]
    t, lm = ex.track.t_s, ex.track.landmarks
    first = t <= labels[2]["hold"][0] + 1.0
    second = t >= labels[2]["concentric"][0] - 1.5
    dt = float(np.median(np.diff(t)))
    moved = lm[second].copy()
    # Another camera: smaller, shifted; the body's centre jumps by about a shank length (a cut of 0.6,
    # the scene rule's own threshold, is not a clear cut: the test once sat right on it).
    moved[:, :, 0] = moved[:, :, 0] * 0.7 + 0.25
    moved[:, :, 1] = moved[:, :, 1] * 0.7 + 0.2
    t2 = t[second] - t[second][0] + t[first][-1] + dt
    track = PoseTrack(
        np.concatenate([t[first], t2]), np.concatenate([lm[first], moved]), ex.track.width, ex.track.height
    )
    session = analyse_track(track, load_protocol("band-tempo"), info=ex.info)
    assert session.summary.rep_count == 4
    assert [s.faults for s in session.scores] == [()] * 4  # every counted rep is a real 1-2-3 rep
