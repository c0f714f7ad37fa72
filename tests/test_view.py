"""Angles a clinician can use (issue 12, item 6): movement from the athlete's own rest everywhere, absolute
angles only when the view is side-on, and a quality report that says which."""

from __future__ import annotations

import numpy as np
import pytest

from app_pages.rep_view import angles_caption, rep_table
from tests.conftest import REMIX, needs_shared
from tests.synthetic import landmarks_for_angle, tempo_set, trace, track_from_angles, uniform_times
from vision.analysis import analyse_track
from vision.live import LiveTracker
from vision.protocols import load_protocol
from vision.report import session_to_dict
from vision.types import Phase, PoseFrame

SIDE_VIEW_FOOT_PX = 120.0  # 0.6 of the 200-px shank: a foot in the image plane
TURNED_FOOT_PX = 70.0  # 0.35 of the shank: the foot turned ~55° out of the plane


def session_with(rest_deg: float, foot_px: float):
    reps = tempo_set(4)
    t = uniform_times(reps[-1].edges[3] + 2.0)
    angle = trace(t, reps, rest=rest_deg, full_range=32.0) + np.random.default_rng(0).normal(0, 0.3, t.size)
    return analyse_track(track_from_angles(t, angle, foot_px=foot_px), load_protocol("band-tempo"))


def test_a_true_side_view_is_side_on_and_shows_its_absolute_peak():
    session = session_with(rest_deg=5.0, foot_px=SIDE_VIEW_FOOT_PX)
    assert session.quality.side_on is True and session_to_dict(session)["quality"]["side_on"] is True
    table = rep_table(session)
    assert list(table["° from rest"]) == pytest.approx([32.0] * 4, abs=1.5)
    assert list(table["peak ° (side view)"]) == pytest.approx([37.0] * 4, abs=1.5)
    assert "side-on" in angles_caption(session)


@pytest.mark.parametrize(
    "rest_deg,foot_px",
    [(5.0, TURNED_FOOT_PX), (-48.0, SIDE_VIEW_FOOT_PX)],
    ids=["foot foreshortened", "impossible rest angle"],
)
def test_an_oblique_view_shows_movement_from_rest_only(rest_deg, foot_px):
    session = session_with(rest_deg, foot_px)
    assert session.summary.rep_count == 4  # timing does not depend on the view
    assert session.quality.side_on is False
    table = rep_table(session)
    assert "peak ° (side view)" not in table.columns
    assert list(table["° from rest"]) == pytest.approx([32.0] * 4, abs=1.5)
    assert "not side-on" in angles_caption(session)


def test_the_live_overlay_shows_degrees_from_rest():
    tracker = LiveTracker(load_protocol("band-tempo"))
    reps = tempo_set(2, first_start=4.0)  # the athlete settles before the first push
    t = uniform_times(reps[-1].edges[3] + 1.0)
    angle = trace(t, reps, rest=-48.0, full_range=30.0)  # an oblique view: absolute angles are meaningless
    at_top = []
    for ti, ai in zip(t, angle):
        state = tracker.update(PoseFrame(float(ti), landmarks_for_angle(float(ai))), 640, 480)
        if ti < reps[0].edges[3] + 0.5:
            continue  # the leg is chosen by its first movement; its rest is learnt from then on
        if state.phase == Phase.HOLD:
            at_top.append((state.angle_deg, state.angle_from_rest_deg))
        if ai == -48.0:  # the foot at rest
            assert state.angle_from_rest_deg == pytest.approx(0.0, abs=0.5)
    assert at_top, "the hold was never reached"
    absolute, from_rest = np.array(at_top).T
    assert np.median(absolute) == pytest.approx(-18.0, abs=1.0)  # what the camera sees
    assert np.median(from_rest) == pytest.approx(30.0, abs=1.0)  # what the athlete did


@needs_shared
def test_the_remix_clips_oblique_view_is_recognised(extractions):
    ex = extractions(REMIX / "tempo_123_x4.mp4")
    session = analyse_track(ex.track, load_protocol("band-tempo"))
    assert session.summary.rep_count == 4
    assert session.quality.side_on is False  # a three-quarter view: about -48° at rest for a neutral foot
