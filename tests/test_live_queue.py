"""The live page's frame queue: every frame of a burst is analysed and drawn, in order, unless the backlog
is so old that analysing it would make the cues lag (``vision.pipeline.MAX_LIVE_LAG_S``)."""

from __future__ import annotations

import numpy as np
import pytest

from vision.pipeline import MAX_LIVE_LAG_S, LiveCoach
from vision.pose import empty_landmarks
from vision.protocols import load_protocol
from vision.types import Frame, PoseFrame


class RecordingPose:
    """Stands in for the pose model here: this test is about which frames reach it, not landmarks."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    def __call__(self, frame: Frame) -> PoseFrame:
        self.seen.append(frame.t_s)
        return PoseFrame(frame.t_s, empty_landmarks())

    def close(self) -> None:
        pass


def frames_at(times: list[float]) -> list[Frame]:
    return [Frame(np.zeros((48, 64, 3), np.uint8), t, i) for i, t in enumerate(times)]


def test_a_burst_is_analysed_and_drawn_frame_by_frame_in_order():
    pose = RecordingPose()
    coach = LiveCoach(load_protocol("band-tempo"), estimator=pose)
    burst = frames_at([1 / 30 * i for i in range(6)])  # 0.17 s of a 30 fps camera arriving at once
    images, state = coach.process_queued(burst)
    assert pose.seen == [f.t_s for f in burst]
    assert len(images) == len(burst) and all(img.shape == (48, 64, 3) for img in images)
    assert state.t_s == pytest.approx(burst[-1].t_s)


def test_a_backlog_older_than_the_lag_limit_is_skipped_so_cues_stay_current():
    pose = RecordingPose()
    coach = LiveCoach(load_protocol("band-tempo"), estimator=pose)
    times = [1 / 30 * i for i in range(30)]  # a second of frames queued behind a stall
    images, _ = coach.process_queued(frames_at(times))
    expected = [t for t in times if times[-1] - t <= MAX_LIVE_LAG_S]
    assert pose.seen == expected
    assert 0 < len(expected) < len(times) and len(images) == len(expected)


def test_an_empty_queue_is_refused():
    coach = LiveCoach(load_protocol("band-tempo"), estimator=RecordingPose())
    with pytest.raises(ValueError):
        coach.process_queued([])


def test_the_app_does_not_force_a_full_garbage_collection_after_every_rerun():
    """Streamlit's post-script gc.collect(2) held the GIL ~0.1 s twice a second (the live status panel's
    reruns) and starved the video thread; benchmarks/bench_live.py measures the rate this keeps."""
    import tomllib

    from tests.conftest import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
