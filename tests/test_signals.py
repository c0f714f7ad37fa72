"""Geometry conventions of the plantarflexion angle and heel lift, on hand-built landmarks."""

import math

import numpy as np
import pytest

from vision import skeleton as lm
from vision.signals import choose_leg, heel_lift, leg_visible, plantarflexion_deg
from vision.types import Leg, PoseTrack

W, H = 400, 800  # a portrait frame: normalised x and y have different pixel scales


def landmarks_for(foot_angle_from_shank_deg: float, leg: Leg = Leg.LEFT, vis: float = 0.9) -> np.ndarray:
    """A vertical shank (knee above ankle) and a foot at the given angle to the shank, in pixels."""
    out = np.full((33, 4), np.nan)
    knee_i, ankle_i, heel_i, toe_i = {
        Leg.LEFT: (lm.LEFT_KNEE, lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX),
        Leg.RIGHT: (lm.RIGHT_KNEE, lm.RIGHT_ANKLE, lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX),
    }[leg]
    ankle = np.array([200.0, 600.0])
    knee = ankle + [0.0, -200.0]  # image y grows downwards
    heel = ankle + [-20.0, 20.0]
    # The foot vector (heel → toe) makes foot_angle_from_shank_deg with the shank vector (ankle → knee).
    a = math.radians(foot_angle_from_shank_deg)
    toe = heel + 120.0 * np.array([math.sin(a), -math.cos(a)])
    for i, p in ((knee_i, knee), (ankle_i, ankle), (heel_i, heel), (toe_i, toe)):
        out[i] = (p[0] / W, p[1] / H, 0.0, vis)
    return out


@pytest.mark.parametrize("between,expected", [
    (90, 0.0),     # neutral: foot at right angles to the shank
    (120, 30.0),   # toes pointed away from the shin: plantarflexion is positive
    (75, -15.0),   # toes pulled towards the shin: dorsiflexion is negative
])  # fmt: skip
def test_plantarflexion_convention(between, expected):
    assert plantarflexion_deg(landmarks_for(between), Leg.LEFT, W, H) == pytest.approx(expected, abs=1e-6)


def test_angle_uses_pixels_not_normalised_coordinates():
    # In normalised units a 45° foot in a 1:2 frame would read as a different angle.
    assert plantarflexion_deg(landmarks_for(135), Leg.LEFT, W, H) == pytest.approx(45.0, abs=1e-6)


def test_low_visibility_gives_nan_never_zero():
    assert math.isnan(plantarflexion_deg(landmarks_for(120, vis=0.2), Leg.LEFT, W, H))
    assert math.isnan(heel_lift(landmarks_for(120, vis=0.2), Leg.LEFT, W, H))
    assert not leg_visible(landmarks_for(120, vis=0.2), Leg.LEFT)


def test_missing_leg_is_nan():
    assert math.isnan(plantarflexion_deg(landmarks_for(120, Leg.LEFT), Leg.RIGHT, W, H))


def test_heel_lift_is_height_above_toes_in_shank_lengths():
    flat = landmarks_for(90)
    raised = landmarks_for(90)
    raised[lm.LEFT_HEEL, 1] -= 50.0 / H  # heel 50 px higher, shank is 200 px
    base = heel_lift(flat, Leg.LEFT, W, H)
    assert heel_lift(raised, Leg.LEFT, W, H) - base == pytest.approx(0.25, abs=1e-9)


def test_vectorised_over_frames():
    frames = np.stack([landmarks_for(a) for a in (90, 100, 110)])
    np.testing.assert_allclose(plantarflexion_deg(frames, Leg.LEFT, W, H), [0, 10, 20], atol=1e-6)


def _track(left_angles, right_angles, right_vis=0.9):
    frames = []
    for a_l, a_r in zip(left_angles, right_angles):
        f = landmarks_for(a_l, Leg.LEFT)
        r = landmarks_for(a_r, Leg.RIGHT, vis=right_vis)
        for i in (lm.RIGHT_KNEE, lm.RIGHT_ANKLE, lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX):
            f[i] = r[i]
        frames.append(f)
    n = len(frames)
    return PoseTrack(np.arange(n) / 30.0, np.stack(frames), W, H)


def test_auto_leg_picks_the_foot_that_moves():
    n = 90
    moving = 90 + 30 * np.sin(np.linspace(0, 6, n)) ** 2
    still = np.full(n, 95.0)
    assert choose_leg(_track(still, moving), "angle").leg == Leg.RIGHT
    assert choose_leg(_track(moving, still), "angle").leg == Leg.LEFT


def test_auto_leg_picks_the_clean_foot_when_both_move():
    """A two-legged heel raise: both feet move; the far foot's landmarks jitter and jump, so its raw range is
    the larger. The reps are read on the near foot, whose movement stands clear of its noise."""
    n = 300
    rng = np.random.default_rng(3)
    moving = 90 + 30 * np.sin(np.linspace(0, 12, n)) ** 2
    near = moving + rng.normal(0, 0.3, n)
    far = moving + rng.normal(0, 2.5, n) + 12 * (rng.random(n) < 0.08) * rng.choice([-1, 1], n)
    assert np.ptp(np.percentile(far, [5, 95])) > np.ptp(np.percentile(near, [5, 95]))
    assert choose_leg(_track(near, far), "angle").leg == Leg.LEFT
    assert choose_leg(_track(far, near), "angle").leg == Leg.RIGHT


def test_auto_leg_keeps_the_foot_that_moves_far_more_however_it_jitters():
    """A crossed leg filmed from the front: its foot moves far more than the one on the floor (which the
    crossing only tilts), and jitters more; the working foot is still the one that moves (the quality gate
    then judges whether its jitter can be timed)."""
    n = 300
    rng = np.random.default_rng(4)
    working = 90 + 45 * np.sin(np.linspace(0, 12, n)) ** 2 + rng.normal(0, 4.0, n)
    floor_foot = 95 + 25 * (np.sin(np.linspace(0, 3, n)) > 0.5) + rng.normal(0, 0.3, n)
    assert choose_leg(_track(floor_foot, working), "angle").leg == Leg.RIGHT
    assert choose_leg(_track(working, floor_foot), "angle").leg == Leg.LEFT


def test_auto_leg_ignores_a_moving_leg_that_is_rarely_visible():
    n = 90
    moving = 90 + 30 * np.sin(np.linspace(0, 6, n)) ** 2
    still_but_seen = 95 + np.sin(np.linspace(0, 6, n))
    choice = choose_leg(_track(still_but_seen, moving, right_vis=0.3), "angle")
    assert choice.leg == Leg.LEFT


def test_forced_leg_wins():
    n = 60
    assert choose_leg(_track(np.full(n, 90.0), 90 + np.arange(n)), "angle", forced=Leg.LEFT).leg == Leg.LEFT
