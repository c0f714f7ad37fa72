"""Smoothing for the signals, offline and live.

Contract:
- ``zero_phase_lowpass(t, x, cutoff_hz)``: offline. Brief NaN gaps (at most ``max_gap_s``) are bridged
  linearly; longer gaps stay NaN and each NaN-free run is filtered on its own (Butterworth must never see
  a NaN). Samples may be unevenly spaced (variable frame rate): each run is resampled onto a uniform grid,
  filtered forward and backward (no lag), and read back at the original timestamps.
- ``OneEuroFilter``: live and causal, fed one ``(t, x)`` at a time with real timestamps; a NaN passes
  through as NaN and a long gap resets it. Its lag is small while the signal moves fast, larger at rest.
  ``OneEuroFilter.for_noise_floor(floor)`` tunes it in units of a signal's noise floor, so degrees and
  shank lengths behave alike.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import butter, sosfiltfilt


def bridge_gaps(t: np.ndarray, x: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linearly fill NaN runs lasting at most ``max_gap_s`` between two finite samples."""
    out = x.astype(float).copy()
    finite = np.isfinite(out)
    if finite.sum() < 2:
        return out
    idx = np.flatnonzero(finite)
    for a, b in zip(idx[:-1], idx[1:]):
        if b - a > 1 and t[b] - t[a] <= max_gap_s:
            out[a + 1 : b] = np.interp(t[a + 1 : b], [t[a], t[b]], [out[a], out[b]])
    return out


def finite_runs(x: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the NaN-free runs of ``x``."""
    finite = np.isfinite(x).astype(np.int8)
    edges = np.diff(np.concatenate([[0], finite, [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def zero_phase_lowpass(
    t: np.ndarray, x: np.ndarray, cutoff_hz: float, order: int = 2, max_gap_s: float = 0.5
) -> np.ndarray:
    out = bridge_gaps(t, x, max_gap_s)
    for start, stop in finite_runs(out):
        tt, xx = t[start:stop], out[start:stop]
        if stop - start < 4 or tt[-1] <= tt[0]:
            continue
        rate = 1.0 / float(np.median(np.diff(tt)))
        if cutoff_hz >= 0.5 * rate:
            continue  # nothing above Nyquist to remove
        grid = np.arange(tt[0], tt[-1] + 0.5 / rate, 1.0 / rate)
        sos = butter(order, cutoff_hz, btype="low", fs=rate, output="sos")
        padlen = min(3 * (2 * len(sos) + 1), len(grid) - 1)
        if padlen < 1:
            continue
        smooth = sosfiltfilt(sos, np.interp(grid, tt, xx), padlen=padlen)
        out[start:stop] = np.interp(tt, grid, smooth)
    return out


# One-Euro speed coefficient in noise-floor units: a 1 s push lifts the cutoff to a few hertz, while
# frame-to-frame landmark jitter does not (its smoothed derivative stays small).
LIVE_BETA = 0.25


class OneEuroFilter:
    """Casiez, Roussel & Vogel (CHI 2012): a low-pass whose cutoff rises with speed."""

    @classmethod
    def for_noise_floor(cls, noise_floor: float) -> OneEuroFilter:
        """The live filter for a signal whose smallest meaningful movement is ``noise_floor``."""
        return cls(min_cutoff_hz=1.0, beta=LIVE_BETA / noise_floor, d_cutoff_hz=1.0)

    def __init__(
        self, min_cutoff_hz: float = 1.0, beta: float = 0.05, d_cutoff_hz: float = 1.0, reset_after_s: float = 0.5
    ) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.reset_after_s = reset_after_s
        self._t: float | None = None
        self._x = 0.0
        self._dx = 0.0

    @staticmethod
    def _alpha(cutoff_hz: float, dt: float) -> float:
        tau = 1.0 / (2.0 * math.pi * cutoff_hz)
        return 1.0 / (1.0 + tau / dt)

    def reset(self) -> None:
        self._t = None

    def __call__(self, t: float, x: float) -> float:
        if not math.isfinite(x):
            if self._t is not None and t - self._t > self.reset_after_s:
                self.reset()
            return math.nan
        if self._t is None or t - self._t > self.reset_after_s:
            self._t, self._x, self._dx = t, x, 0.0
            return x
        dt = t - self._t
        if dt <= 0:
            return self._x
        dx = (x - self._x) / dt
        self._dx += self._alpha(self.d_cutoff_hz, dt) * (dx - self._dx)
        cutoff = self.min_cutoff_hz + self.beta * abs(self._dx)
        self._x += self._alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x


def causal_filter(t: np.ndarray, x: np.ndarray, one_euro: OneEuroFilter | None = None, **kwargs) -> np.ndarray:
    """Run a fresh ``OneEuroFilter`` (``one_euro``, or one built from ``kwargs``) over a whole array: what
    the live page would have seen."""
    f = one_euro if one_euro is not None else OneEuroFilter(**kwargs)
    return np.array([f(float(ti), float(xi)) for ti, xi in zip(t, x)])
