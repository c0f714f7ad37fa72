"""Which frames the pose model sees on the fast path, and the landmarks of the frames between (vision.sampling)."""

import numpy as np
import pytest

from vision.sampling import PoseSchedule, fill_between
from vision.types import FLOOR, FOLLOWED_SHAPE, HEEL, PoseTrack


def due_times(times, interval_s):
    schedule = PoseSchedule(interval_s)
    return [t for t in times if schedule.due(t)]


def test_ten_poses_a_second_at_30_frames_a_second_is_every_third_frame():
    times = np.arange(90) / 30.0
    assert due_times(times, 0.1) == list(times[::3])


def test_the_schedule_keeps_time_not_frame_counts_on_a_variable_frame_rate():
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.uniform(1 / 60, 1 / 20, 600))  # 20 to 60 frames a second, at random
    posed = np.array(due_times(times, 0.1))
    gaps = np.diff(posed)
    frame_gaps = np.diff(times)
    assert gaps.min() >= 0.1 - 0.25 * frame_gaps.max()  # never sooner than the interval (less a quarter frame)
    assert gaps.max() < 0.1 + frame_gaps.max()  # and the first frame after it is taken
    assert abs(len(posed) - (times[-1] - times[0]) / 0.1) < 0.2 * len(posed)


def test_interval_zero_poses_every_frame():
    times = np.arange(40) / 25.0
    assert due_times(times, 0.0) == list(times)


def track_of(t: np.ndarray, x: np.ndarray) -> PoseTrack:
    landmarks = np.zeros((t.size, 33, 4))
    landmarks[:, :, 0] = x[:, None]
    landmarks[:, :, 1] = 0.5
    landmarks[:, :, 3] = 1.0
    return PoseTrack(t, landmarks, 640, 480)


def test_landmarks_between_poses_are_the_straight_line_in_time():
    t = np.cumsum(np.r_[0.0, np.full(29, 1 / 30), np.full(30, 1 / 15)])  # the frame rate halves midway
    truth = 0.2 + 0.01 * t + 0.003 * t**2
    posed = np.zeros(t.size, bool)
    posed[::3] = True
    seen = np.where(posed, truth, 99.0)  # what a frame not posed holds before filling: nothing to trust
    filled = fill_between(track_of(t, seen), posed).landmarks[:, 0, 0]
    last = np.flatnonzero(posed)[-1]
    np.testing.assert_allclose(filled[: last + 1], truth[: last + 1], atol=2e-4)  # a curve read by chords
    np.testing.assert_array_equal(filled[last:], truth[last])  # after the last pose: held


def test_a_landmark_missing_on_either_side_stays_missing():
    t = np.arange(10) / 30.0
    x = np.linspace(0.1, 0.5, 10)
    x[6] = np.nan  # nobody found on the pose at frame 6
    posed = np.zeros(10, bool)
    posed[::3] = True
    filled = fill_between(track_of(t, x), posed).landmarks[:, 0, 0]
    assert np.isnan(filled[[4, 5, 6, 7, 8]]).all()
    np.testing.assert_allclose(filled[[1, 2]], x[[1, 2]])


@pytest.mark.parametrize("posed", [np.ones(5, bool), np.zeros(5, bool)])
def test_nothing_to_fill_leaves_the_track_as_it_was(posed):
    track = track_of(np.arange(5) / 30.0, np.linspace(0, 1, 5))
    assert fill_between(track, posed) is track


def test_the_floor_between_poses_is_the_straight_line_in_time_and_the_heel_and_toes_are_kept():
    """The room's motion is read with the pose: the floor a camera's dip moves is held between posed frames,
    in steps, and filled in like a landmark. The heel and the toes were followed on every frame: kept."""
    t = np.arange(30) / 30.0
    posed = np.zeros(t.size, bool)
    posed[::3] = True
    camera_dip = 0.1 * np.sin(2 * t)  # where the floor truly is, frame by frame
    held = camera_dip[np.flatnonzero(posed)[np.searchsorted(np.flatnonzero(posed), np.arange(t.size), "right") - 1]]
    followed = np.full((t.size, *FOLLOWED_SHAPE), np.nan)
    followed[:, :, FLOOR, 1] = held[:, None]
    followed[:, :, HEEL, 1] = 0.3 + camera_dip[:, None]  # followed every frame
    track = track_of(t, np.full(t.size, 0.5))
    track = PoseTrack(track.t_s, track.landmarks, track.width, track.height, followed)
    filled = fill_between(track, posed).followed
    last = np.flatnonzero(posed)[-1]
    np.testing.assert_allclose(filled[: last + 1, 0, FLOOR, 1], camera_dip[: last + 1], atol=1e-3)
    assert np.abs(held[: last + 1] - camera_dip[: last + 1]).max() > 5e-3  # the steps were there to fill
    np.testing.assert_array_equal(filled[:, :, HEEL], followed[:, :, HEEL])
