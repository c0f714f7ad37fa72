"""TempoTracker on synthetic traces whose phase edges are known exactly."""

import numpy as np
import pytest

from tests.synthetic import RepSpec, tempo_set, trace, uneven_times, uniform_times
from vision.filters import zero_phase_lowpass
from vision.tempo import PhaseChange, RepAbandoned, RepCompleted, TempoTracker, TrackerSettings
from vision.types import Phase


def run(t, x, min_excursion=5.0):
    tracker = TempoTracker(TrackerSettings(min_excursion=min_excursion))
    events = []
    for ti, xi in zip(t, x):
        events += tracker.update(float(ti), float(xi))
    events += tracker.finish()
    return tracker, events


def phase_errors(reps, specs):
    errors = []
    for rep, spec in zip(reps, specs):
        c0, c1, e0, e1 = spec.edges
        errors += [
            rep.concentric.duration_s - (c1 - c0),
            rep.hold.duration_s - (e0 - c1),
            rep.eccentric.duration_s - (e1 - e0),
        ]
    return np.abs(errors)


def test_clean_tempo_reps_have_exact_phase_edges():
    specs = tempo_set(3)
    t = uniform_times(specs[-1].edges[3] + 3)
    tracker, _ = run(t, trace(t, specs))
    assert len(tracker.reps) == 3
    for rep, spec in zip(tracker.reps, specs):
        expected = spec.edges
        got = (rep.concentric.start_s, rep.concentric.end_s, rep.eccentric.start_s, rep.eccentric.end_s)
        np.testing.assert_allclose(got, expected, atol=0.06)  # within two frames at 30 fps


def test_phase_changes_are_announced_in_order_while_streaming():
    specs = tempo_set(1)
    t = uniform_times(12)
    _, events = run(t, trace(t, specs))
    phases = [e.phase for e in events if isinstance(e, PhaseChange)]
    assert phases == [Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC, Phase.REST]
    concentric_seen = next(e.t_s for e in events if isinstance(e, PhaseChange) and e.phase == Phase.CONCENTRIC)
    assert 2.0 < concentric_seen < 2.6  # announced early in the push, not at the end of the rep


@pytest.mark.parametrize("sigma", [0.5, 1.5])
def test_noise_does_not_split_or_merge_reps(sigma):
    rng = np.random.default_rng(7)
    specs = tempo_set(5)
    t = uniform_times(specs[-1].edges[3] + 3)
    noisy = trace(t, specs) + rng.normal(0, sigma, t.size)
    tracker, _ = run(t, zero_phase_lowpass(t, noisy, 3.0))
    assert len(tracker.reps) == 5
    assert phase_errors(tracker.reps, specs).mean() < 0.15


def test_brief_dropouts_do_not_split_reps():
    specs = tempo_set(4)
    t = uniform_times(specs[-1].edges[3] + 3)
    x = trace(t, specs)
    for centre in (3.5, 6.0, 12.5, 21.0, 29.0):  # during hold, return, push ...
        x[(t > centre) & (t < centre + 0.3)] = np.nan
    tracker, _ = run(t, x)
    assert len(tracker.reps) == 4
    assert phase_errors(tracker.reps, specs).mean() < 0.1


def test_long_dropout_abandons_the_rep_instead_of_inventing_it():
    specs = tempo_set(2)
    t = uniform_times(specs[-1].edges[3] + 3)
    x = trace(t, specs)
    x[(t > 3.5) & (t < 6.5)] = np.nan  # the foot leaves the picture for 3 s in rep 1
    tracker, events = run(t, x)
    assert len(tracker.reps) == 1
    assert tracker.reps[0].start_s == pytest.approx(specs[1].start_s, abs=0.06)
    assert any(isinstance(e, RepAbandoned) for e in events)


def test_uneven_sampling_uses_timestamps():
    rng = np.random.default_rng(3)
    specs = tempo_set(3)
    t = uneven_times(specs[-1].edges[3] + 3, rng)
    tracker, _ = run(t, trace(t, specs))
    assert len(tracker.reps) == 3
    assert phase_errors(tracker.reps, specs).max() < 0.12


def test_variable_frame_rate_durations_come_from_timestamps():
    # 30 fps for 10 s, then the phone drops to 15 fps: a frame-count clock would stretch time.
    specs = tempo_set(3)
    end = specs[-1].edges[3] + 3
    t = np.concatenate([np.arange(0, 10, 1 / 30), np.arange(10, end, 1 / 15)])
    tracker, _ = run(t, trace(t, specs))
    assert len(tracker.reps) == 3
    assert phase_errors(tracker.reps, specs).max() < 0.12


def test_a_long_pause_at_the_bottom_is_rest_not_a_rep():
    specs = [RepSpec(2, 1, 2, 3), RepSpec(20, 1, 2, 3), RepSpec(40, 1, 2, 3)]
    t = uniform_times(50)
    rng = np.random.default_rng(1)
    tracker, _ = run(t, trace(t, specs) + rng.normal(0, 0.3, t.size))
    assert [round(r.start_s) for r in tracker.reps] == [2, 20, 40]


def test_partial_rep_is_still_found_with_its_smaller_range():
    specs = [RepSpec(2, 1, 2, 3), RepSpec(10, 1, 2, 3, rom=0.45), RepSpec(18, 1, 2, 3)]
    t = uniform_times(26)
    tracker, _ = run(t, trace(t, specs))
    assert len(tracker.reps) == 3
    ranges = [r.range_of_motion for r in tracker.reps]
    assert ranges[1] == pytest.approx(0.45 * 40, rel=0.1)
    assert ranges[0] == pytest.approx(40, rel=0.05)


def test_no_hold_rep_has_zero_hold():
    specs = tempo_set(3, c=1, h=0, e=3)
    t = uniform_times(specs[-1].edges[3] + 3)
    tracker, _ = run(t, trace(t, specs))
    assert len(tracker.reps) == 3
    assert all(r.hold.duration_s < 0.15 for r in tracker.reps)


def test_isometric_hold_length():
    specs = [RepSpec(2, 1, 34, 2)]
    t = uniform_times(42)
    tracker, _ = run(t, trace(t, specs))
    assert len(tracker.reps) == 1
    assert tracker.reps[0].hold.duration_s == pytest.approx(34, abs=0.1)


def test_hold_cut_off_by_the_end_of_the_stream_is_reported():
    specs = [RepSpec(2, 1, 40, 2)]
    t = uniform_times(20)  # the clip ends 17 s into the hold
    tracker, events = run(t, trace(t, specs))
    assert len(tracker.reps) == 1
    rep = tracker.reps[0]
    assert rep.hold.duration_s == pytest.approx(t[-1] - 3.0, abs=0.1)
    assert rep.eccentric.duration_s == 0


@pytest.mark.parametrize("full_range,min_excursion", [(0.30, 0.04), (12.0, 5.0), (45.0, 5.0)])
def test_range_comes_from_the_athlete_not_fixed_angles(full_range, min_excursion):
    """A 0.3-shank heel lift, a 12° heel raise and a 45° band push are all found the same way."""
    specs = tempo_set(3)
    t = uniform_times(specs[-1].edges[3] + 3)
    x = trace(t, specs, rest=3 * full_range, full_range=full_range)  # arbitrary offset
    tracker, _ = run(t, x, min_excursion=min_excursion)
    assert len(tracker.reps) == 3
    # An edge is where the move becomes visible (a third of its pace, vision.edges): 0.05 s into each 0.15 s
    # ease, so a 1 s push reads at most 0.1 s short, whatever the signal's units and range.
    assert phase_errors(tracker.reps, specs).max() <= 0.1 + 1e-9


def test_movement_smaller_than_the_noise_floor_is_not_a_rep():
    specs = [RepSpec(2, 1, 2, 3, rom=0.1)]  # 4 units against a 5-unit floor
    t = uniform_times(12)
    tracker, _ = run(t, trace(t, specs))
    assert tracker.reps == []


def test_rep_completion_event_carries_the_rep():
    t = uniform_times(12)
    _, events = run(t, trace(t, tempo_set(1)))
    done = [e for e in events if isinstance(e, RepCompleted)]
    assert len(done) == 1 and done[0].rep.index == 1


def test_a_stall_halfway_down_does_not_end_the_rep_early():
    # Push 2-3 s, hold to 5 s, return 5-8 s with a 0.6 s stall at half range (5.9-6.5 s).
    t = uniform_times(12)
    x = np.full_like(t, -10.0)
    x[(t >= 2) & (t < 3)] = -10 + 40 * (t[(t >= 2) & (t < 3)] - 2)
    x[(t >= 3) & (t < 5)] = 30
    first = (t >= 5) & (t < 5.9)
    x[first] = 30 - 20 * (t[first] - 5) / 0.9
    x[(t >= 5.9) & (t < 6.5)] = 10
    last = (t >= 6.5) & (t < 8)
    x[last] = 10 - 20 * (t[last] - 6.5) / 1.5
    tracker, _ = run(t, x)
    assert len(tracker.reps) == 1
    assert tracker.reps[0].eccentric.end_s == pytest.approx(8.0, abs=0.1)


def test_a_clip_starting_mid_hold_does_not_count_the_half_rep():
    specs = [RepSpec(-1.5, 1, 2, 3), RepSpec(8, 1, 2, 3)]  # the first rep began before the recording
    t = uniform_times(16)
    tracker, _ = run(t, trace(t, specs))
    assert [round(r.start_s) for r in tracker.reps] == [8]


def test_a_glitch_in_the_first_frames_is_not_a_rep():
    t = uniform_times(12)
    x = trace(t, tempo_set(1, first_start=4.0))
    x[1:16] = 40.0  # the pose model's first guesses can sit off for half a second before it locks on
    tracker, _ = run(t, x)
    assert [round(r.start_s) for r in tracker.reps] == [4]
