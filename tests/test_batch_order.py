"""Batch scheduling: workers start with the longest clips, judged by duration, not file size."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.videos import write_video
from vision.batch.jobs import ClipJob, longest_first


def job(path: Path) -> ClipJob:
    return ClipJob(str(path), path.stem + ".json", "band-tempo", "auto", None, "")


def test_longest_clip_first_whatever_the_file_sizes(tmp_path):
    short_but_big = write_video(tmp_path / "short.mp4", np.arange(0, 2, 1 / 30), 160, 120, noise=True)
    long_but_small = write_video(tmp_path / "long.mp4", np.arange(0, 6, 1 / 30), 64, 32)
    middle = write_video(tmp_path / "middle.mp4", np.arange(0, 4, 1 / 30), 64, 32)
    not_a_video = tmp_path / "notes.mp4"
    not_a_video.write_text("physio notes\n" * 5000)
    assert short_but_big.stat().st_size > long_but_small.stat().st_size  # size would get the order wrong
    jobs = [job(p) for p in (not_a_video, short_but_big, middle, long_but_small)]
    assert [Path(j.path).stem for j in longest_first(jobs)] == ["long", "middle", "short", "notes"]
