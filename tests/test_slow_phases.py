"""Phases timed as the heel moves (issue 25): slow lowerings to the floor, stalls, slow pushes, eased moves.

Synthetic signals whose edges are known exactly. Each case is what failed before: the tracker ended a
return once the signal was within a quarter of the range of rest and made no new low for 0.3 s, and the
edge fit searched only 0.6 s around that point, so a slow tail or a stall near the bottom cut the lowering
short. Here the offline scorer and the live tracker are held to a stopwatch's reading.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.synthetic import RepSpec, trace, track_from_angles, uniform_times
from vision.analysis import analyse_track, track_reps
from vision.edges import RepMarks, measure_rep
from vision.live import LiveTracker
from vision.protocols import load_protocol
from vision.tempo import RepCompleted, TempoTracker, TrackerSettings
from vision.types import Fault, PoseFrame

REST, TOP = 0.0, 40.0
EASE_S = 0.15  # every start and stop eases over this long (constant acceleration), as the shared clips do


def eased_corners(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``x`` with every corner rounded into a constant-acceleration ease of ``EASE_S``: a moving average
    that long (each movement then starts ``EASE_S / 2`` before its corner and stops that long after it)."""
    step = float(np.median(np.diff(t)))
    n = max(1, int(round(EASE_S / step)))
    padded = np.pad(x, (n, n), mode="edge")
    return np.convolve(padded, np.ones(n) / n, mode="same")[n:-n]


def lowering(t: np.ndarray, start: float, duration: float, stalls: list[tuple[float, float]]) -> np.ndarray:
    """A steady lowering from TOP to REST over ``duration`` seconds of movement, pausing for each stall
    (share of the way down, seconds); the pauses add to the lowering's time, as they do for an athlete."""
    moving = duration
    knots_t, knots_x = [start], [TOP]
    done = 0.0
    for share, pause in sorted(stalls):
        knots_t.append(knots_t[-1] + (share - done) * moving)
        knots_x.append(TOP - share * (TOP - REST))
        knots_t.append(knots_t[-1] + pause)
        knots_x.append(knots_x[-1])
        done = share
    knots_t.append(knots_t[-1] + (1 - done) * moving)
    knots_x.append(REST)
    return np.interp(t, knots_t, knots_x, left=TOP, right=REST), knots_t[-1]


def one_rep(push_s: float, hold_s: float, lower_s: float, stalls=(), start: float = 3.0, after_s: float = 4.0):
    """Rest, a steady push, a hold, a lowering (with stalls), rest, each start and stop eased: the signal and
    where the movement really starts and stops (push start, hold start, return start, return end)."""
    t = uniform_times(start + push_s + hold_s + lower_s + sum(p for _, p in stalls) + after_s)
    x = np.full_like(t, REST)
    up = (t >= start) & (t < start + push_s)
    x[up] = REST + (TOP - REST) * (t[up] - start) / push_s
    top_from = start + push_s
    x[(t >= top_from) & (t < top_from + hold_s)] = TOP
    down = t >= top_from + hold_s
    x[down], end = lowering(t[down], top_from + hold_s, lower_s, list(stalls))
    half = EASE_S / 2
    return t, eased_corners(t, x), (start - half, top_from + half, top_from + hold_s - half, end + half)


def offline_rep(t, x, protocol="band-tempo"):
    tracked = track_reps(t, x, load_protocol(protocol))
    assert len(tracked.reps) == 1
    return tracked.reps[0]


def edges_of(rep):
    return np.array([rep.concentric.start_s, rep.concentric.end_s, rep.eccentric.start_s, rep.eccentric.end_s])


@pytest.mark.parametrize("lower_s", [3.0, 5.0, 6.0, 8.0])
def test_a_slow_lowering_is_timed_to_the_floor(lower_s):
    t, x, truth = one_rep(1.0, 2.0, lower_s)
    rep = offline_rep(t, x)
    np.testing.assert_allclose(edges_of(rep), truth, atol=0.1)
    assert rep.eccentric.duration_s == pytest.approx(lower_s, abs=0.15)


@pytest.mark.parametrize("share", [0.3, 0.5, 0.75, 0.85])
def test_a_stall_partway_down_is_part_of_the_lowering_and_reported(share):
    """A 5 s lowering that stops for 0.7 s at ``share`` of the way down: one lowering, top to floor, stalls
    included (as a therapist with a stopwatch times it), and the stall reported where and how long it was."""
    t, x, truth = one_rep(1.0, 2.0, 5.0, stalls=[(share, 0.7)])
    rep = offline_rep(t, x)
    np.testing.assert_allclose(edges_of(rep), truth, atol=0.1)
    assert len(rep.stalls) == 1
    stall = rep.stalls[0]
    assert stall.share_of_the_way_down == pytest.approx(share, abs=0.05)
    assert stall.interval.duration_s == pytest.approx(0.7 - EASE_S, abs=0.25)


def test_two_stalls_and_a_slow_push():
    t, x, truth = one_rep(3.0, 1.0, 5.0, stalls=[(0.3, 0.5), (0.7, 0.8)])
    rep = offline_rep(t, x)
    np.testing.assert_allclose(edges_of(rep), truth, atol=0.1)
    assert [round(s.share_of_the_way_down, 1) for s in rep.stalls] == [0.3, 0.7]


def test_a_steady_lowering_reports_no_stall():
    t, x, _ = one_rep(1.0, 2.0, 6.0)
    assert offline_rep(t, x).stalls == ()


def test_a_tail_that_creeps_to_the_floor_is_part_of_the_lowering():
    """The last 15 % of a lowering takes 2 s more (a tired calf settling). The lowering runs on into the tail
    until the heel is within 5 % of the way from the floor (where a person sees a creeping move end), not to
    where the tail began."""
    t = uniform_times(14.0)
    x = np.interp(t, [0, 3.0, 4.0, 6.0, 9.4, 11.4, 14], [REST, REST, TOP, TOP, 0.15 * TOP, REST, REST])
    rep = offline_rep(t, eased_corners(t, x))
    five_percent_left = 9.4 + 2.0 * (0.15 - 0.05) / 0.15
    assert five_percent_left - 0.25 <= rep.eccentric.end_s <= 11.4 + EASE_S


def test_the_edges_need_no_window_sized_for_quick_reps():
    """The same measurement, on a buffer that reaches well past the rep (live) or up to the next rep
    (offline), finds the same edges: nothing depends on a search window around a guess."""
    t, x, truth = one_rep(1.5, 2.0, 7.0, stalls=[(0.4, 0.6)], after_s=6.0)
    marks = RepMarks(truth[0] + 0.7, truth[1], truth[2] + 1.0)
    short = measure_rep(t, x, marks, truth[0] - 2.0, truth[3] + 0.5)
    long = measure_rep(t, x, marks, -np.inf, np.inf)
    np.testing.assert_allclose(short.knots, truth, atol=0.1)
    np.testing.assert_allclose(long.knots, truth, atol=0.1)


def eased(t: np.ndarray, start: float, duration: float, frm: float, to: float) -> np.ndarray:
    """A minimum-jerk move (bell-shaped speed), as people move."""
    u = np.clip((t - start) / duration, 0.0, 1.0)
    return frm + (to - frm) * (10 * u**3 - 15 * u**4 + 6 * u**5)


@pytest.mark.parametrize("push_s,hold_s,lower_s", [(1.0, 2.0, 3.0), (2.0, 1.0, 4.0), (3.0, 1.0, 5.0)])
def test_an_eased_rep_gets_its_hold_from_where_the_heel_stops_rising_to_where_it_starts_down(push_s, hold_s, lower_s):
    """Moves that ease in and out have no sharp edge; a person sees them start about 5 % of the way in and
    end about 5 % before the end (the labelling of the shared eased clip). Each phase within 0.25 s of that."""
    start = 3.0
    t = uniform_times(start + push_s + hold_s + lower_s + 4.0)
    top_at, down_at = start + push_s, start + push_s + hold_s
    x = np.where(t < top_at, eased(t, start, push_s, REST, TOP), eased(t, down_at, lower_s, TOP, REST))
    rep = offline_rep(t, x + np.random.default_rng(0).normal(0, 0.2, t.size))
    seen_at = 0.1736  # a minimum-jerk move has covered 5 % of its way at this share of its duration
    truth = [start + seen_at * push_s, top_at - seen_at * push_s, down_at + seen_at * lower_s]
    truth.append(down_at + lower_s - seen_at * lower_s)
    got = edges_of(rep)
    durations = np.diff(got)
    expected = np.diff(truth)
    assert np.abs(durations - expected).max() <= 0.25, (got, truth)


# ---- the live tracker: the rep is counted once the heel is down -------------------------------------------
def live_events(t, x):
    tracker = TempoTracker(TrackerSettings(min_excursion=5.0))
    done = []
    for ti, xi in zip(t, x):
        done += [(ti, e.rep) for e in tracker.update(float(ti), float(xi)) if isinstance(e, RepCompleted)]
    return done


@pytest.mark.parametrize("share", [0.5, 0.75, 0.85])
def test_live_a_stall_does_not_end_the_rep(share):
    t, x, truth = one_rep(1.0, 2.0, 5.0, stalls=[(share, 1.0)])
    done = live_events(t, x)
    assert len(done) == 1
    counted_at, rep = done[0]
    assert counted_at >= truth[3]  # counted once the heel is down, not during the stall
    assert rep.eccentric.end_s > truth[3] - 0.5  # the preview the athlete sees reaches past the stall


def test_live_a_slow_tail_does_not_end_the_rep():
    t = uniform_times(14.0)
    x = np.interp(t, [0, 3.0, 4.0, 6.0, 9.4, 11.4, 14], [REST, REST, TOP, TOP, 0.15 * TOP, REST, REST])
    done = live_events(t, eased_corners(t, x))
    assert len(done) == 1 and done[0][0] >= 11.4  # counted once the heel is down, not as the tail began


def test_live_a_foot_that_settles_higher_than_it_started_still_ends_the_rep():
    """The heel comes down to a rest a fifth of the range above where it started: the rep still ends (and
    counts) once the foot has been still there for a while, not only when the next push begins."""
    t = uniform_times(14.0)
    x = np.interp(t, [0, 3.0, 4.0, 6.0, 9.0, 14], [REST, REST, TOP, TOP, 0.2 * TOP, 0.2 * TOP])
    done = live_events(t, eased_corners(t, x))
    assert len(done) == 1
    assert done[0][1].eccentric.end_s == pytest.approx(9.0 + EASE_S / 2, abs=0.15)


def test_the_live_report_has_the_offline_phases_on_the_same_frames():
    """The live page's report, when the set ends, is the offline scorer's reading of the frames it saw."""
    reps = [RepSpec(2.0, 1.0, 2.0, 3.0), RepSpec(10.0, 3.0, 1.0, 6.0), RepSpec(23.0, 1.0, 0.0, 3.0)]
    t = uniform_times(30.0)
    angle = trace(t, reps, rest=0.0, full_range=35.0) + np.random.default_rng(2).normal(0, 0.3, t.size)
    track = track_from_angles(t, angle)
    protocol = load_protocol("band-tempo")
    live = LiveTracker(protocol)
    for ti, lm in zip(track.t_s, track.landmarks):
        live.update(PoseFrame(float(ti), lm), track.width, track.height)
    offline = analyse_track(track, protocol, leg=live.to_session().leg)
    assert [s.rep for s in live.to_session().scores] == [s.rep for s in offline.scores]
    assert len(offline.scores) == 3


# ---- a continuous lowering prescribed: a stall is a fault there, information elsewhere -------------------
def stalled_set(protocol: str):
    reps = []
    start, parts = 2.0, []
    t = uniform_times(40.0)
    x = np.full_like(t, REST)
    for _ in range(3):
        tt, xx, truth = one_rep(1.0, 2.0, 3.0, stalls=[(0.5, 0.9)], start=0.0, after_s=3.0)
        parts.append((start, tt, xx))
        reps.append(truth)
        start += tt[-1] + 1.0
    for offset, tt, xx in parts:
        inside = (t >= offset) & (t <= offset + tt[-1])
        x[inside] = np.interp(t[inside] - offset, tt, xx)
    return analyse_track(track_from_angles(t, x), load_protocol(protocol), band="red")


def test_a_stall_is_a_fault_only_where_a_continuous_lowering_is_prescribed():
    eccentric = stalled_set("band-eccentric")  # the band loads only the lowering: one continuous movement
    assert eccentric.summary.rep_count == 3
    assert all(Fault.RETURN_STALLED in s.faults for s in eccentric.scores)
    tempo = stalled_set("band-tempo")
    assert tempo.summary.rep_count == 3
    assert all(Fault.RETURN_STALLED not in s.faults for s in tempo.scores)
    assert all(len(s.rep.stalls) == 1 for s in tempo.scores)  # still reported


def accelerating_lowering(lower_s: float, start: float = 3.0, after_s: float = 3.0):
    """Rest, a 1 s push, a 2 s hold, then a lowering whose pace grows as it goes (the ankle angle of a heel raise
    drops fastest just before the heel lands) and stops sharply on the floor: the signal and the lowering's end."""
    t = uniform_times(start + 1.0 + 2.0 + lower_s + after_s)
    x = np.full_like(t, REST)
    up = (t >= start) & (t < start + 1.0)
    x[up] = REST + (TOP - REST) * (t[up] - start)
    down_from = start + 3.0
    x[(t >= start + 1.0) & (t < down_from)] = TOP
    down = (t >= down_from) & (t < down_from + lower_s)
    x[down] = TOP - (TOP - REST) * ((t[down] - down_from) / lower_s) ** 2  # at the floor twice its mean pace
    return t, x, down_from + lower_s


@pytest.mark.parametrize("lower_s", [3.0, 5.0])
def test_a_lowering_that_lands_sharply_ends_where_it_lands(lower_s):
    """Whether the heel still moves is read from its pace over a span around each sample. A span a tenth of the
    lowering long still straddled the landing after the heel had stopped, and the faster the heel lands against
    its pace higher up, the longer: these lowerings ended 0.04-0.06 s late (the shared heel raises, read through
    the ankle angle, 0.15-0.2 s late). The span is now a twentieth."""
    t, x, end = accelerating_lowering(lower_s)
    rep = offline_rep(t, x)
    assert rep.eccentric.end_s == pytest.approx(end, abs=0.04)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("first_share", "pause_s"), [(0.08, 0.1), (0.1, 0.2)])
def test_a_turnaround_whose_lowering_starts_slowly_and_pauses_is_no_hold(seed, first_share, pause_s):
    """No hold at the top: the lowering starts slowly (``first_share`` of the way down in 0.3 s), pauses and goes
    on. The straight-line fit puts the top's level on that slow start, and the pause then read as the top
    still being held: 0.13-0.48 s of hold that was never there, on most noise draws. A top too short to read a
    trend on now takes the level the heel reached, and the lowering starts where the heel starts down."""
    start = 3.0
    t = uniform_times(start + 1.0 + 3.5 + 3.0)
    top = start + 1.0
    knots_t = [start, top, top + 0.3, top + 0.3 + pause_s, top + 3.0 + pause_s]
    knots_x = [REST, TOP, (1 - first_share) * TOP, (1 - first_share) * TOP, REST]
    x = eased_corners(t, np.interp(t, knots_t, knots_x)) + np.random.default_rng(seed).normal(0, 0.4, t.size)
    rep = offline_rep(t, x)
    assert rep.hold.duration_s <= 0.12, rep.hold
    assert rep.eccentric.start_s == pytest.approx(top, abs=0.12)


@pytest.mark.parametrize("share", [0.3, 0.5])
def test_a_half_second_stall_is_reported(share):
    """The shortest stall of the shared clips: half a second, filmed at 30 frames a second. Its still samples span
    0.3 s, the shortest stall reported, only to within rounding, and it was missed at 30 % of the way down."""
    t, x, truth = one_rep(1.0, 2.0, 5.0, stalls=[(share, 0.5)])
    rep = offline_rep(t, x)
    np.testing.assert_allclose(edges_of(rep), truth, atol=0.1)
    assert len(rep.stalls) == 1
    assert rep.stalls[0].share_of_the_way_down == pytest.approx(share, abs=0.05)


@pytest.mark.parametrize("share", [0.3, 0.5, 0.7])
def test_a_half_second_stall_is_found_through_noise_at_any_height(share):
    """A half-second stall in a 5 s lowering, on ten draws of the pose model's jitter: found on every one, and no
    stall is found on the same lowering without one. The heel counted as stopped below a quarter of the
    lowering's mean pace, and jitter lifted part of a short stall's pace over it: found on 6-8 draws of ten.
    (At half the mean pace, steady and eased lowerings begin to show stalls that are not there.)"""
    for seed in range(10):
        t, x, _ = one_rep(1.0, 2.0, 5.0, stalls=[(share, 0.5)])
        jitter = np.random.default_rng(seed).normal(0, 0.4, t.size)
        rep = offline_rep(t, x + jitter)
        assert len(rep.stalls) == 1, (seed, rep.stalls)
        assert rep.stalls[0].share_of_the_way_down == pytest.approx(share, abs=0.05)
        t, x, _ = one_rep(1.0, 2.0, 5.0)
        assert offline_rep(t, x + np.random.default_rng(seed).normal(0, 0.4, t.size)).stalls == ()
