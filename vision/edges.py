"""Where each phase of one rep starts and stops, from the signal around it, as a person watching sees it.

Contract: ``measure_rep(t, x, marks, lo, hi)`` takes a smoothed signal, rough marks of one rep (a moment
inside the push, the top, a moment inside the return; ``RepMarks``) and the stretch it may read, [lo, hi]:
offline from the previous rep's end to the next rep's start, live whatever the buffer holds. It returns
``RepEdges``: push start, hold start, return start and return end, the levels (the rest before, the top,
the floor the heel came back to) and the stalls of the return. With ``marks.return_s`` None (the stream
ended during the hold) the hold runs to the end. Pure numpy, no state, and no search window sized for
quick reps: a 6 s lowering is found as a 1 s one is.

Method, in two steps.
1. The rep's shape. The samples are fitted by least squares with a continuous piecewise-linear shape
   (rest, push ramp, flat hold, return ramp, rest); with the four knots fixed the levels are a small
   linear problem, and the knots are found by coordinate descent over every sample time between their
   neighbours, starting from where the signal crosses a tenth of the range from each plateau. Fitting
   the whole shape uses every sample, so noise, a ramp that is not quite straight and a hold of zero
   length all come out right.
2. The edges. A real movement eases in and out, so a straight-line knot sits inside it: from each knot
   the edge walks out towards its plateau while the signal is still moving the ramp's way at
   ``SPEED_FRACTION`` of the ramp's own speed, or is still outside the plateau's noise band. A move runs
   from one level to the next however long it takes and whatever pauses on the way, so a lowering that
   stalls at 40 % of the way down (outside the floor's band) is one lowering, timed to the floor as a
   therapist with a stopwatch times it. The hold's band follows its own trend next to each edge, so a
   top that creeps is not read as the return beginning, and a sway past the hold's level is not the
   ramp still moving.

A stall is a stretch of at least ``MIN_STALL_S`` inside the return, clear of the top and the floor by
the level band, where the heel moves at under ``STALL_SPEED_FRACTION`` of the return ramp's speed; it
is reported with where it happened (share of the way from the top to the floor) and when.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vision.filters import zero_phase_lowpass
from vision.types import Interval, Stall

# Calibrated with the remix clips' heel pixels (benchmarks/bench_accuracy.py): see the README's accuracy table.
SPEED_FRACTION = 0.3  # of the ramp's own pace next to that end: slower is not visibly moving
BAND_SHARE = 0.05  # of the range: a plateau's band is at least this wide (a move is seen once 5 % of its way)...
NOISE_BANDS = 2.5  # ...and at least this many SDs of the signal's sample-to-sample noise
GUESS_SHARE = 0.1  # of the range from each plateau: where the fit's knots start
SWAY_SHARE = 0.3  # of the band: a sway that carries the signal this far past the plateau's level is the plateau
# A top may creep: its level next to an edge is a trend line read from up to TREND_WINDOW_S of the hold, when
# the trend over that window is at least TREND_SIGNIFICANCE times the scatter about it (a line through part
# of a wobble would tilt), and its slope is at most MAX_TREND_SLOPE of the ramp's speed.
TREND_WINDOW_S = 2.0
TREND_SIGNIFICANCE = 3.0
MAX_TREND_SLOPE = 0.15
MIN_TREND_SPAN_S = 0.5  # a trend is read from at least this much of the hold
RAMP_RUN = 3  # samples in a row that must move for a ramp to start there (walking in from a knot on a plateau)
STALL_SPEED_FRACTION = 0.35  # of the return ramp's mean pace: slower than this for MIN_STALL_S is a stall
MIN_STALL_S = 0.3
STALL_CUTOFF_HZ = 1.5  # the low-pass a stall is read through (keeps a 0.3 s pause, smooths micro-motion)
SPEED_WINDOW_SHARE = 0.05  # of the ramp's duration: the span its speed is read over...
MAX_SPEED_WINDOW_S = 0.3  # ...at most this
ROUNDS = 4  # coordinate-descent sweeps over the four knots
END_SPAN = 0.2  # of a ramp's travel: its pace next to an end is read between this and twice this from it


@dataclass(frozen=True)
class RepMarks:
    """Rough moments of one rep, as a tracker knows them: inside the push, at the top, inside the return."""

    push_s: float
    top_s: float
    return_s: float | None  # None: the stream ended before the return began (a hold cut off)


@dataclass(frozen=True)
class RepEdges:
    knots: tuple[float, float, float, float]  # push start, hold start, return start, return end
    rest_before: float
    top: float
    rest_after: float
    stalls: tuple[Stall, ...] = ()


def measure_rep(t: np.ndarray, x: np.ndarray, marks: RepMarks, lo: float, hi: float) -> RepEdges | None:
    """The rep's edges, levels and stalls (see the module's contract); None when the samples in [lo, hi]
    cannot show a rep (fewer than 8, or no rise above the rest)."""
    keep = np.isfinite(x) & (t >= lo) & (t <= hi)
    t, x = t[keep], x[keep]
    later = np.concatenate([[True], np.diff(t) > 0])  # time must move forward: a repeated stamp says nothing
    t, x = t[later], x[later]
    if t.size < 8:
        return None
    cut_off = marks.return_s is None
    if cut_off:  # the hold runs to the end: a return of no length there
        t, x = np.append(t, t[-1] + 1e-3), np.append(x, x[-1])
    guess = _guess(t, x, marks)
    if guess is None:
        return None
    k, coef = _fit(t, x, guess)
    rest_before = float(coef[0])
    top = rest_before + float(coef[1]) * (k[1] - k[0])
    rest_after = top + float(coef[2]) * (k[3] - k[2])
    if top <= rest_before:
        return None
    if cut_off:
        c0, c1, _, _ = _settle(t, x, k, (rest_before, top, top), push_only=True)
        end = float(t[-2])
        return RepEdges((c0, c1, end, end), rest_before, top, top)
    edges = _settle(t, x, k, (rest_before, top, rest_after))
    stalls = _stalls(t, x, edges, (top, rest_after), _band(t, x, k, top - min(rest_before, rest_after)))
    return RepEdges(edges, rest_before, top, rest_after, stalls)


# ---- step 1: the shape -------------------------------------------------------------------------------
def _guess(t: np.ndarray, x: np.ndarray, marks: RepMarks) -> np.ndarray | None:
    """Starting knots: where the signal is a tenth of the range from each plateau, next to the marks."""
    i_push = _index(t, marks.push_s)
    i_ret = t.size - 1 if marks.return_s is None else max(_index(t, marks.return_s), i_push)
    rest = _low_level(x[: i_push + 1])
    floor = rest if marks.return_s is None else _low_level(x[i_ret:])
    peak = float(np.max(x[i_push : i_ret + 1]))
    rng = peak - min(rest, floor)
    if not rng > 0:
        return None
    i0 = i_push
    while i0 > 0 and x[i0] > rest + GUESS_SHARE * rng:
        i0 -= 1
    i1 = i_push
    while i1 < i_ret and x[i1] < peak - GUESS_SHARE * rng:
        i1 += 1
    i2 = i_ret
    while i2 > i1 and x[i2] < peak - GUESS_SHARE * rng:
        i2 -= 1
    i3 = i_ret
    while i3 < t.size - 1 and x[i3] > floor + GUESS_SHARE * rng:
        i3 += 1
    return t[[i0, i1, i2, max(i2, i3)]].astype(float)


class _Sums:
    """Prefix sums of a rep's samples, so the least-squares fit of any set of knots costs O(1) per candidate
    instead of a pass over every sample (the search tries every sample time for every knot)."""

    def __init__(self, t: np.ndarray, x: np.ndarray) -> None:
        self.t = t
        zero = np.zeros(1)
        self.n = np.arange(t.size + 1, dtype=float)
        self.st = np.concatenate([zero, np.cumsum(t)])
        self.st2 = np.concatenate([zero, np.cumsum(t * t)])
        self.sy = np.concatenate([zero, np.cumsum(x)])
        self.sty = np.concatenate([zero, np.cumsum(t * x)])
        self.syy = float(np.dot(x, x))

    def part(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
        """Count, sum t, sum t^2, sum y and sum t*y over samples [lo, hi)."""
        return tuple(s[hi] - s[lo] for s in (self.n, self.st, self.st2, self.sy, self.sty))


def _costs(sums: _Sums, knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residual sums of squares and level coefficients (rest, push slope, return slope) for a batch of knot
    sets (M, 4), from the prefix sums. Between the knots each column of the shape is zero, a constant or
    ``t - knot``, so every sum the normal equations need is a difference of prefix sums."""
    k = np.maximum.accumulate(np.asarray(knots, dtype=float), axis=1)
    i = np.searchsorted(sums.t, k, side="left")  # (M, 4): first sample at or after each knot
    n_all, t_all, _, y_all, _ = sums.part(np.zeros(len(k), int), np.full(len(k), sums.t.size))
    up_len, down_len = k[:, 1] - k[:, 0], k[:, 3] - k[:, 2]
    # Ranges: [i0, i1) push ramp, [i1, i2) top, [i2, i3) return ramp (push at full), [i3, N) floor.
    n1, t1, tt1, y1, ty1 = sums.part(i[:, 0], i[:, 1])
    n2, _, _, y2, _ = sums.part(i[:, 1], i[:, 2])
    n3, t3, tt3, y3, ty3 = sums.part(i[:, 2], i[:, 3])
    n4, _, _, y4, _ = sums.part(i[:, 3], np.full(len(k), sums.t.size))
    k0, k2 = k[:, 0], k[:, 2]
    up_ramp = t1 - k0 * n1  # sum of (t - k0) on the push ramp
    up_ramp2 = tt1 - 2 * k0 * t1 + k0**2 * n1
    down_ramp = t3 - k2 * n3
    down_ramp2 = tt3 - 2 * k2 * t3 + k2**2 * n3
    s_up = up_ramp + up_len * (n2 + n3 + n4)
    s_up2 = up_ramp2 + up_len**2 * (n2 + n3 + n4)
    s_down = down_ramp + down_len * n4
    s_down2 = down_ramp2 + down_len**2 * n4
    s_updown = up_len * (down_ramp + down_len * n4)
    s_upy = (ty1 - k0 * y1) + up_len * (y2 + y3 + y4)
    s_downy = (ty3 - k2 * y3) + down_len * y4
    ata = np.stack(
        [
            np.stack([n_all, s_up, s_down], -1),
            np.stack([s_up, s_up2, s_updown], -1),
            np.stack([s_down, s_updown, s_down2], -1),
        ],
        axis=1,
    ) + 1e-9 * np.eye(3)
    aty = np.stack([y_all, s_upy, s_downy], -1)
    coef = np.linalg.solve(ata, aty[..., None])[..., 0]
    cost = sums.syy - np.einsum("mi,mi->m", coef, aty)  # at the least-squares optimum
    return np.maximum(cost, 0.0), coef


def _fit(t: np.ndarray, x: np.ndarray, guess: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinate descent over every sample time between each knot's neighbours, then sub-frame refinement."""
    sums = _Sums(t, x)
    k = np.maximum.accumulate(np.clip(guess, t[0], t[-1]))
    best, coef = _costs(sums, k[None])
    best, coef = float(best[0]), coef[0]
    for _ in range(ROUNDS):
        moved = False
        for j in range(4):
            lo = k[j - 1] if j > 0 else t[0]
            hi = k[j + 1] if j < 3 else t[-1]
            cands = t[(t >= lo) & (t <= hi)]
            if cands.size == 0:
                continue
            trials = np.repeat(k[None], cands.size, axis=0)
            trials[:, j] = cands
            costs, coefs = _costs(sums, trials)
            i = int(np.argmin(costs))
            if costs[i] < best - 1e-12:
                best, k, coef, moved = float(costs[i]), trials[i], coefs[i], True
        if not moved:
            break
    step = float(np.median(np.diff(t)))
    for j in range(4):  # the vertex of a parabola through the costs one frame either side
        trials = np.repeat(k[None], 3, axis=0)
        trials[:, j] += np.array([-step, 0.0, step])
        trials = np.maximum.accumulate(trials, axis=1)
        (c_minus, c0, c_plus), _ = _costs(sums, trials)
        denom = c_minus - 2 * c0 + c_plus
        if denom > 0:
            k = k.copy()
            k[j] += float(np.clip(0.5 * (c_minus - c_plus) / denom, -0.5, 0.5)) * step
    k = np.maximum.accumulate(k)
    _, coef = _costs(sums, k[None])
    return k, coef[0]


# ---- step 2: the edges -------------------------------------------------------------------------------
def _band(t: np.ndarray, x: np.ndarray, k: np.ndarray, rng: float) -> float:
    noise = max(step_noise(x[t < k[0]]), step_noise(x[(t > k[1]) & (t < k[2])]), step_noise(x[t > k[3]]))
    return max(NOISE_BANDS * noise, BAND_SHARE * abs(rng))


def _settle(
    t: np.ndarray, x: np.ndarray, k: np.ndarray, levels: tuple[float, float, float], push_only: bool = False
) -> tuple[float, float, float, float]:
    """Move each knot outwards to where the signal really leaves (or reaches) its plateau (module docstring)."""
    rest_before, top, rest_after = levels
    k0, k1, k2, k3 = (float(v) for v in k)
    band = _band(t, x, k, top - min(rest_before, rest_after))
    up_speed = abs(top - rest_before) / max(k1 - k0, 1e-3)
    frame = float(np.median(np.diff(t)))
    down_speed = abs(top - rest_after) / max(k3 - k2, 1e-3)

    def pace(i: int, step: int, rising_towards_level: bool, ramp_speed: float) -> float:
        """How fast sample ``i`` moves the ramp's way, as a share of ``ramp_speed``: read over a span centred
        on it, a twentieth of the ramp's duration (at most ``MAX_SPEED_WINDOW_S``, at least a frame either side):
        long enough that a slow ramp's small unevenness is not a stop, short enough not to straddle a landing
        once the heel has stopped (a tenth ran the shared heel raises' lowerings 0.15-0.2 s past the floor under
        the angle, whose heel lands faster than it travels higher up)."""
        duration = abs(top - min(rest_before, rest_after)) / max(ramp_speed, 1e-9)
        half = float(np.clip(0.5 * SPEED_WINDOW_SHARE * duration, 0.0, 0.5 * MAX_SPEED_WINDOW_S))
        n = max(1, int(round(half / frame)))  # as many samples either side, so the span is centred
        a, b = max(i - n, 0), min(i + n, t.size - 1)
        if b <= a:
            return 0.0
        towards = step * (x[b] - x[a]) / (t[b] - t[a])  # speed along the walk, towards the plateau
        return (towards if rising_towards_level else -towards) / max(ramp_speed, 1e-12)

    def moving(i: int, step: int, level: np.ndarray, rising_towards_level: bool, ramp_speed: float) -> bool:
        """Sample ``i`` is still part of the ramp, seen from the plateau that lies ``step`` away."""
        if not 0 <= i < t.size:
            return False
        still_moving = pace(i, step, rising_towards_level, ramp_speed) >= SPEED_FRACTION
        # A sway that carries the signal past the plateau's level is the plateau, not the ramp.
        short_of_level = (
            x[i] < level[i] + SWAY_SHARE * band if rising_towards_level else x[i] > level[i] - SWAY_SHARE * band
        )
        outside = x[i] < level[i] - band if rising_towards_level else x[i] > level[i] + band
        return (still_moving and short_of_level) or outside

    def between(last_moving: int, first_still: int, step: int, rising_towards_level: bool, ramp_speed: float) -> float:
        """The edge between the last sample on the ramp and the first on the plateau: where the pace crosses
        ``SPEED_FRACTION``, interpolated (below the frame interval), or the still sample itself."""
        if not 0 <= first_still < t.size:
            return float(t[int(np.clip(first_still, 0, t.size - 1))])
        p_move = pace(last_moving, step, rising_towards_level, ramp_speed)
        p_still = pace(first_still, step, rising_towards_level, ramp_speed)
        if p_move > SPEED_FRACTION > p_still:
            share = (p_move - SPEED_FRACTION) / (p_move - p_still)
            return float(t[last_moving] + share * (t[first_still] - t[last_moving]))
        return float(t[first_still])

    def walk(knot: float, level: float | np.ndarray, step: int, rising_towards_level: bool, ramp_speed: float) -> float:
        """Where the ramp meets its plateau near ``knot``: outwards while the knot is still on the ramp,
        inwards while it is already on the plateau (a ramp that is not straight puts the knot on either side)."""
        level = np.broadcast_to(np.asarray(level, dtype=float), t.shape)  # one level, or a trend per sample
        i = _index(t, knot)
        if moving(i, step, level, rising_towards_level, ramp_speed):
            while moving(i + step, step, level, rising_towards_level, ramp_speed):
                i += step
            return between(i, i + step, step, rising_towards_level, ramp_speed)

        def ramp_from(j: int) -> bool:
            """The ramp starts at ``j`` if it moves on from there for ``RAMP_RUN`` samples: a knot the fit put on
            the plateau (a lowering bent by stalls puts it inside the hold) is walked back to where the heel
            keeps moving, not to the first jittered sample that looks like movement."""
            return all(moving(j - k * step, step, level, rising_towards_level, ramp_speed) for k in range(RAMP_RUN))

        while 0 <= i - step < t.size and not ramp_from(i - step):
            i -= step
        if 0 <= i - step < t.size:
            return between(i - step, i, step, rising_towards_level, ramp_speed)
        return float(t[i])

    # Each end of the hold is judged against the hold's own trend next to it, read clear of both knots (a
    # slow start or an eased arrival may already show there).
    m = 0.3
    hold_in = _local_trend(t, x, k1 + m, min(k1 + TREND_WINDOW_S, k2 - m), top, MAX_TREND_SLOPE * up_speed)
    hold_out = _local_trend(t, x, max(k2 - TREND_WINDOW_S, k1 + m), k2 - m, top, MAX_TREND_SLOPE * down_speed)
    # A top too short to read a trend on is not a hold but an eased turnaround: the straight-line fit put its
    # level on the lowering's slow start, where a pause would read as still holding. Its level is the top the
    # heel reached. A longer top keeps its own level unless its samples sit a band below that top.
    reached = (t >= k1) & (t <= k2)
    if reached.sum() >= 3:
        peak = float(np.percentile(x[reached], 90))
        margin = 0.0 if k2 - k1 < 2 * m + MIN_TREND_SPAN_S else band
        hold_in, hold_out = (
            peak if np.ndim(level) == 0 and peak - float(level) > margin else level for level in (hold_in, hold_out)
        )
    c0 = walk(k0, rest_before, -1, False, _end_speed(t, x, (k0, k1), (rest_before, top), at_start=True))
    c1 = walk(k1, hold_in, +1, True, _end_speed(t, x, (k0, k1), (rest_before, top), at_start=False))
    if push_only:
        return c0, c1, k2, k3
    e0 = walk(k2, hold_out, -1, True, _end_speed(t, x, (k2, k3), (top, rest_after), at_start=True))
    e1 = walk(k3, rest_after, +1, False, _end_speed(t, x, (k2, k3), (top, rest_after), at_start=False))
    if e0 < c1:  # no hold: the two walks crossed at the top
        c1 = e0 = 0.5 * (c1 + e0)
    return c0, c1, e0, e1


def _end_speed(
    t: np.ndarray, x: np.ndarray, knots: tuple[float, float], levels: tuple[float, float], at_start: bool
) -> float:
    """How fast a ramp moves next to one of its ends: the slope of a line through its samples between
    ``END_SPAN`` of its travel from that end (clear of the ease) and twice that. A measured ramp is rarely
    straight (the heel travels an arc, a lowering speeds up), so each end is judged by its own pace."""
    a, b = levels
    travel = b - a
    lo_share, hi_share = (END_SPAN, 2 * END_SPAN) if at_start else (1 - 2 * END_SPAN, 1 - END_SPAN)
    share = (x - a) / travel if travel else np.zeros_like(x)
    m = (t >= knots[0]) & (t <= knots[1]) & (share >= lo_share) & (share <= hi_share)
    if m.sum() >= 3 and np.ptp(t[m]) > 0:
        return abs(float(np.polyfit(t[m], x[m], 1)[0]))
    return abs(travel) / max(knots[1] - knots[0], 1e-3)


def _local_trend(
    t: np.ndarray, x: np.ndarray, start: float, end: float, fallback: float, max_slope: float
) -> np.ndarray | float:
    """The plateau's level next to an edge, from the samples in [start, end]: a line through them (slope at
    most ``max_slope``) evaluated at every sample when they span half a second, else their median."""
    inside = (t >= start) & (t <= end)
    tt, vv = t[inside], x[inside]
    if tt.size < 3:
        return fallback
    if tt[-1] - tt[0] < MIN_TREND_SPAN_S or tt.size < 8:
        return float(np.median(vv))
    t0 = float(tt.mean())
    slope = float(np.clip(np.polyfit(tt - t0, vv, 1)[0], -max_slope, max_slope))
    spread = float(np.std(vv - slope * (tt - t0)))
    if abs(slope) * (tt[-1] - tt[0]) < TREND_SIGNIFICANCE * spread:
        return float(np.median(vv))  # a wobble, not a creep: a line through part of a swing would tilt
    # The trend is trusted only where it was seen: beyond the window it stays at its last value, so a
    # line through part of a sway is never extrapolated into the movement.
    return float(np.median(vv - slope * (tt - t0))) + slope * (np.clip(t, tt[0], tt[-1]) - t0)


def _stalls(
    t: np.ndarray, x: np.ndarray, edges: tuple[float, ...], levels: tuple[float, float], band: float
) -> tuple[Stall, ...]:
    """Stretches inside the return, clear of the top and the floor, where the heel (nearly) stops: its
    speed, read through a low-pass that keeps pauses of ``MIN_STALL_S`` and smooths the micro-motion of
    a still foot, under ``STALL_SPEED_FRACTION`` of the return's own pace."""
    top, floor = levels
    e0, e1 = edges[2], edges[3]
    inside = (t > e0) & (t < e1)
    if top <= floor + 2 * band or inside.sum() < 4:
        return ()
    calm = zero_phase_lowpass(t, x, STALL_CUTOFF_HZ)
    speed = np.gradient(calm, t)
    slow = STALL_SPEED_FRACTION * (top - floor) / (e1 - e0)
    still = inside & (calm < top - band) & (calm > floor + band) & (-speed < slow)
    out = []
    runs = np.flatnonzero(np.diff(np.concatenate([[0], still.astype(np.int8), [0]])))
    # Half a frame of leeway: a run from its first still sample to its last spans one frame less than the time
    # the heel was still, and ten samples 1/30 s apart span 0.3 s only to within rounding.
    half_frame = 0.5 * float(np.median(np.diff(t)))
    for a, b in zip(runs[::2], runs[1::2]):
        if t[b - 1] - t[a] >= MIN_STALL_S - half_frame:
            share = float(np.clip((top - np.median(x[a:b])) / (top - floor), 0.0, 1.0))
            out.append(Stall(round(share, 3), Interval(float(t[a]), float(t[b - 1]))))
    return tuple(out)


# ---- helpers -----------------------------------------------------------------------------------------
def _index(t: np.ndarray, time_s: float) -> int:
    return int(np.clip(np.searchsorted(t, time_s), 0, t.size - 1))


def _low_level(x: np.ndarray) -> float:
    """The level of a stretch holding a plateau and part of a move: the median of its lowest fifth."""
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan")
    return float(np.median(x[x <= np.percentile(x, 20)]))


def step_noise(v: np.ndarray) -> float:
    """Sample-to-sample noise (robust SD of first differences / sqrt 2): blind to slow drift and steps."""
    v = v[np.isfinite(v)]
    if v.size < 4:
        return 0.0
    d = np.diff(v)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0))
