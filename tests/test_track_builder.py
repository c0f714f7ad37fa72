"""TrackBuilder keeps every frame's landmarks, in order, across its block boundaries."""

import numpy as np

from vision.types import LANDMARK_COLUMNS, LANDMARK_COUNT, TrackBuilder


def test_frames_survive_block_boundaries_in_order():
    builder = TrackBuilder()
    n = TrackBuilder.BLOCK * 2 + 7  # two full blocks and a partial third
    rng = np.random.default_rng(3)
    times = np.cumsum(rng.uniform(0.02, 0.05, n))
    frames = rng.normal(size=(n, LANDMARK_COUNT, LANDMARK_COLUMNS))
    for i, (t, lm) in enumerate(zip(times, frames)):
        builder.append(float(t), lm)
        if i in (TrackBuilder.BLOCK - 1, TrackBuilder.BLOCK, n - 1):  # either side of a block edge, and the end
            assert builder.last_t == float(t)
    track = builder.build(640, 480)
    assert len(builder) == n
    np.testing.assert_array_equal(track.t_s, times)
    np.testing.assert_array_equal(track.landmarks, frames)
    assert (track.width, track.height) == (640, 480)


def test_empty_builder_gives_an_empty_track():
    builder = TrackBuilder()
    assert builder.last_t is None
    track = builder.build(320, 240)
    assert track.t_s.shape == (0,)
    assert track.landmarks.shape == (0, LANDMARK_COUNT, LANDMARK_COLUMNS)
