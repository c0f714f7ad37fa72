"""Where each phase of one rep starts and stops, from the rep's samples.

Contract: ``fit_rep_shape(t, v, guess)`` fits the rep as a continuous piecewise-linear shape (rest,
push ramp, flat hold, return ramp, rest) by least squares and returns its four knot times and its
levels. The knots are where the movement starts and stops, not where the signal crosses a fraction of
its range (which would put every edge inside the movement). Fitting the whole shape uses every sample,
so a ramp that is not quite straight, noise, and a hold of zero length all come out right. Pure numpy;
no state.

Method: with the knots fixed, the best levels are a 3-parameter linear least-squares problem; the
knots are found by coordinate descent over sample times around an initial guess (a few hundred tiny
solves per rep), then refined to sub-frame precision by a parabola through the best three costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RepShape:
    knots: tuple[float, float, float, float]  # push start, push end (hold start), return start, return end
    rest_before: float
    top: float
    rest_after: float
    rms_residual: float


def _design(t: np.ndarray, k: np.ndarray) -> np.ndarray:
    up = np.clip(t - k[0], 0.0, max(k[1] - k[0], 0.0))  # 0 before the push, ramps, flat after it
    down = np.clip(t - k[2], 0.0, max(k[3] - k[2], 0.0))
    return np.column_stack([np.ones_like(t), up, down])


def _solve(t: np.ndarray, v: np.ndarray, k: np.ndarray) -> tuple[float, np.ndarray]:
    a = _design(t, k)
    coef, *_ = np.linalg.lstsq(a, v, rcond=None)
    r = v - a @ coef
    return float(r @ r), coef


def fit_rep_shape(
    t: np.ndarray, v: np.ndarray, guess: tuple[float, float, float, float], search_s: float = 0.6, rounds: int = 4
) -> RepShape | None:
    """Least-squares fit of rest → ramp → hold → ramp → rest to one rep's samples.

    ``guess`` holds rough times of the four knots (push start, hold start, return start, return end);
    each knot may move ``search_s`` from it. NaN samples are ignored; fewer than 8 finite samples give
    None. The result's knots are sorted and refined below the frame interval.
    """
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    if t.size < 8:
        return None
    k = np.clip(np.sort(np.asarray(guess, dtype=float)), t[0], t[-1])
    step = float(np.median(np.diff(t)))
    best, _ = _solve(t, v, k)
    for _ in range(rounds):
        moved = False
        for j in range(4):
            lo = k[j - 1] if j > 0 else t[0]
            hi = k[j + 1] if j < 3 else t[-1]
            cands = t[(t >= max(lo, k[j] - search_s)) & (t <= min(hi, k[j] + search_s))]
            for c in cands:
                trial = k.copy()
                trial[j] = c
                cost, _ = _solve(t, v, trial)
                if cost < best - 1e-12:
                    best, k, moved = cost, trial, True
        if not moved:
            break
    k = _subframe(t, v, k, step)
    cost, coef = _solve(t, v, k)
    rest_before = float(coef[0])
    top = rest_before + float(coef[1]) * (k[1] - k[0])
    rest_after = top + float(coef[2]) * (k[3] - k[2])
    return RepShape(
        (float(k[0]), float(k[1]), float(k[2]), float(k[3])),
        rest_before,
        top,
        rest_after,
        float(np.sqrt(cost / t.size)),
    )


def _subframe(t: np.ndarray, v: np.ndarray, k: np.ndarray, step: float) -> np.ndarray:
    """Place each knot at the vertex of a parabola through the costs one frame either side."""
    k = k.copy()
    for j in range(4):
        costs = []
        for d in (-step, 0.0, step):
            trial = k.copy()
            trial[j] = k[j] + d
            trial = np.maximum.accumulate(trial)
            costs.append(_solve(t, v, trial)[0])
        c_minus, c0, c_plus = costs
        denom = c_minus - 2 * c0 + c_plus
        if denom > 0:
            shift = 0.5 * (c_minus - c_plus) / denom
            k[j] += float(np.clip(shift, -0.5, 0.5)) * step
    return np.maximum.accumulate(k)


def fit_hold_shape(t: np.ndarray, v: np.ndarray, guess: tuple[float, float]) -> RepShape | None:
    """A push and a hold that the clip cut off before the return: two knots, the return at the end."""
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    if t.size < 6:
        return None
    end = float(t[-1])
    shape = fit_rep_shape(np.append(t, end + 1e-3), np.append(v, v[-1]), (*guess, end, end + 1e-3))
    if shape is None:
        return None
    k = shape.knots
    return RepShape((k[0], k[1], end, end), shape.rest_before, shape.top, shape.top, shape.rms_residual)


# Calibrated on the ../shared remix clips (benchmarks/bench_accuracy.py, tests/test_end_to_end.py):
# phase-duration MAE 0.103 s with the angle, 0.105 s with heel lift.
SPEED_FRACTION = 0.12
# A top may creep (the foot easing off, or pressing on, while "still"): its level next to an edge is a
# trend line read from up to TREND_WINDOW_S of the hold, when the trend over that window is at least
# TREND_SIGNIFICANCE times the scatter about it (a line through part of a wobble would tilt), and its
# slope is at most MAX_TREND_SLOPE of the ramp's speed (anything steeper is movement).
SWAY_SHARE = 0.5  # of the band: a sway that carries the signal this far past the plateau's level
TREND_WINDOW_S = 2.0
TREND_SIGNIFICANCE = 3.0
MAX_TREND_SLOPE = 0.15


def settle_edges(
    t: np.ndarray, v: np.ndarray, shape: RepShape, max_shift_s: float = 0.6, speed_fraction: float = SPEED_FRACTION
) -> RepShape:
    """Move each knot outwards to where the signal really leaves (or reaches) its plateau.

    A real movement eases in and out, so a straight-line knot sits inside it. From each knot, walk
    towards the plateau while the signal is still moving the ramp's way, or still outside the plateau's
    noise band; the first sample that is both level and in the band is the edge. Shifts are bounded.
    The hold's band follows its own trend, so a top that creeps is not read as the return beginning.
    """
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    k0, k1, k2, k3 = shape.knots
    rng = shape.top - min(shape.rest_before, shape.rest_after)
    noise = max(step_noise(v[t < k0]), step_noise(v[(t > k1) & (t < k2)]), step_noise(v[t > k3]))
    band = max(2.5 * noise, 0.03 * abs(rng))

    up_speed = abs(shape.top - shape.rest_before) / max(k1 - k0, 1e-3)
    down_speed = abs(shape.top - shape.rest_after) / max(k3 - k2, 1e-3)

    def walk(knot: float, level: float | np.ndarray, step: int, rising_towards_level: bool, ramp_speed: float) -> float:
        level = np.broadcast_to(np.asarray(level, dtype=float), t.shape)  # one level, or a trend per sample
        i = int(np.clip(np.searchsorted(t, knot), 0, t.size - 1))
        limit = knot + step * max_shift_s
        while 0 <= i + step < t.size and (t[i + step] - limit) * step <= 0:
            nxt = v[i + step]
            # Moving means moving the ramp's way at a real fraction of the ramp's own speed; slower
            # creep is the plateau's micro-motion.
            min_step = speed_fraction * ramp_speed * abs(t[i + step] - t[i])
            still_moving = nxt > v[i] + min_step if rising_towards_level else nxt < v[i] - min_step
            # A sway that carries the signal past the plateau's level is the plateau, not the ramp.
            short_of_level = (
                v[i] < level[i] + SWAY_SHARE * band if rising_towards_level else v[i] > level[i] - SWAY_SHARE * band
            )
            outside = v[i] < level[i] - band if rising_towards_level else v[i] > level[i] + band
            if not ((still_moving and short_of_level) or outside):
                break
            i += step
        return float(t[i])

    # A long hold may drift and a top may creep, so each end of the hold is judged against the hold's own
    # trend next to it, read clear of both knots (a slow start or an eased arrival may already show there).
    w = TREND_WINDOW_S
    m = 0.3
    hold_start_level = _local_trend(t, v, k1 + m, min(k1 + w, k2 - m), shape.top, MAX_TREND_SLOPE * up_speed)
    hold_end_level = _local_trend(t, v, max(k2 - w, k1 + m), k2 - m, shape.top, MAX_TREND_SLOPE * down_speed)
    new = (
        min(k0, walk(k0, shape.rest_before, -1, False, up_speed)),
        max(k1, walk(k1, hold_start_level, +1, True, up_speed)),
        min(k2, walk(k2, hold_end_level, -1, True, down_speed)),
        max(k3, walk(k3, shape.rest_after, +1, False, down_speed)),
    )
    if new[2] < new[1]:  # no hold: the two walks crossed at the top
        mid = 0.5 * (new[1] + new[2])
        new = (new[0], mid, mid, new[3])
    return RepShape(new, shape.rest_before, shape.top, shape.rest_after, shape.rms_residual)


def _local_trend(
    t: np.ndarray, v: np.ndarray, start: float, end: float, fallback: float, max_slope: float
) -> np.ndarray | float:
    """The plateau's level next to an edge, from the samples in [start, end]: a line through them (slope at
    most ``max_slope``) evaluated at every sample when they span half a second, else their median."""
    inside = (t >= start) & (t <= end)
    tt, vv = t[inside], v[inside]
    if tt.size < 3:
        return fallback
    if tt[-1] - tt[0] < 0.5 or tt.size < 8:
        return float(np.median(vv))
    t0 = float(tt.mean())
    slope = float(np.clip(np.polyfit(tt - t0, vv, 1)[0], -max_slope, max_slope))
    spread = float(np.std(vv - slope * (tt - t0)))
    if abs(slope) * (tt[-1] - tt[0]) < TREND_SIGNIFICANCE * spread:
        return float(np.median(vv))  # a wobble, not a creep: a line through part of a swing would tilt
    # The trend is trusted only where it was seen: beyond the window it stays at its last value, so a
    # line through part of a sway is never extrapolated into the movement.
    return float(np.median(vv - slope * (tt - t0))) + slope * (np.clip(t, tt[0], tt[-1]) - t0)


def step_noise(v: np.ndarray) -> float:
    """Sample-to-sample noise (robust SD of first differences / sqrt 2): blind to slow drift and steps."""
    v = v[np.isfinite(v)]
    if v.size < 4:
        return 0.0
    d = np.diff(v)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0))
