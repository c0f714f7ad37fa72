"""Offline zero-phase and live causal filters, NaN gaps and uneven timestamps."""

import math

import numpy as np
import pytest

from vision.filters import OneEuroFilter, bridge_gaps, causal_filter, zero_phase_lowpass


def test_zero_phase_filter_does_not_shift_a_peak():
    t = np.arange(0, 10, 1 / 30)
    x = np.exp(-((t - 5.0) ** 2) / 0.5)
    y = zero_phase_lowpass(t, x, 3.0)
    assert t[np.argmax(y)] == pytest.approx(5.0, abs=1 / 30)


def test_zero_phase_filter_removes_jitter():
    rng = np.random.default_rng(0)
    t = np.arange(0, 10, 1 / 30)
    clean = 20 * np.sin(2 * np.pi * 0.2 * t)
    y = zero_phase_lowpass(t, clean + rng.normal(0, 2, t.size), 3.0)
    assert np.std(y - clean) < 1.0


def test_short_gaps_are_bridged_long_gaps_stay_nan():
    t = np.arange(0, 6, 0.1)
    x = t.copy()
    x[10:13] = np.nan  # 0.3 s
    x[30:50] = np.nan  # 2 s
    y = bridge_gaps(t, x, max_gap_s=0.5)
    np.testing.assert_allclose(y[10:13], t[10:13])
    assert np.isnan(y[30:50]).all()
    z = zero_phase_lowpass(t, x, 2.0, max_gap_s=0.5)
    assert np.isnan(z[30:50]).all() and np.isfinite(z[:30]).all() and np.isfinite(z[50:]).all()


def test_uneven_sampling_keeps_a_ramp_straight():
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.uniform(0.02, 0.07, 200))
    x = 3.0 * t
    y = zero_phase_lowpass(t, x, 2.0)
    inner = slice(20, -20)
    np.testing.assert_allclose(y[inner], x[inner], atol=0.05)


def test_one_euro_is_causal():
    rng = np.random.default_rng(2)
    t = np.arange(0, 5, 1 / 30)
    x = np.sin(t) + rng.normal(0, 0.1, t.size)
    full = causal_filter(t, x)
    prefix = causal_filter(t[:50], x[:50])
    np.testing.assert_allclose(full[:50], prefix)  # the future cannot change the past


def test_one_euro_passes_nan_and_resets_after_a_long_gap():
    f = OneEuroFilter(reset_after_s=0.5)
    assert f(0.0, 1.0) == 1.0
    assert math.isnan(f(0.1, math.nan))
    f(0.2, 1.0)
    assert f(2.0, 10.0) == 10.0  # a fresh start after the gap, not a slow slide from 1


def test_one_euro_tracks_a_step_with_small_lag():
    t = np.arange(0, 2, 1 / 30)
    x = np.where(t < 1, 0.0, 10.0)
    y = causal_filter(t, x, min_cutoff_hz=1.0, beta=0.5)
    assert y[t < 1].max() == 0.0
    assert y[np.searchsorted(t, 1.3)] > 8.0
