"""Decoding: true timestamps, rotation, streaming, and clear errors for files that are not videos."""

import shutil
import subprocess

import numpy as np
import pytest

from tests.videos import write_video
from vision.errors import VideoReadError
from vision.video import DecodeStats, iter_frames, probe


def test_variable_frame_rate_timestamps_come_from_the_container(tmp_path):
    rng = np.random.default_rng(4)
    times = np.round(np.cumsum(rng.uniform(0.02, 0.09, 40)), 3)
    path = write_video(tmp_path / "vfr.mp4", times)
    got = [f.t_s for f in iter_frames(path)]
    np.testing.assert_allclose(got, times - times[0] + times[0], atol=1e-3)


def test_frames_are_streamed_one_at_a_time(tmp_path):
    path = write_video(tmp_path / "c.mp4", np.arange(30) / 30)
    frames = iter_frames(path)
    first = next(frames)  # a generator: nothing forces the whole clip into memory
    assert first.index == 0 and first.image.dtype == np.uint8
    assert sum(1 for _ in frames) == 29


@pytest.mark.parametrize("rotation_ccw,expect_block_at", [
    (None, "top-left"),
    (90, "bottom-left"),   # display matrix: turn 90° counter-clockwise
    (-90, "top-right"),
    (180, "bottom-right"),
])  # fmt: skip
def test_rotation_metadata_makes_frames_upright(tmp_path, rotation_ccw, expect_block_at):
    path = write_video(tmp_path / "rot.mp4", [0.0, 0.04], width=64, height=32, rotation_ccw=rotation_ccw)
    img = next(iter(iter_frames(path))).image
    portrait = rotation_ccw in (90, -90)
    assert img.shape[:2] == ((64, 32) if portrait else (32, 64))
    info = probe(path)
    assert (info.width, info.height) == (img.shape[1], img.shape[0])
    h, w = img.shape[:2]
    corners = {
        "top-left": img[: h // 8, : w // 8],
        "top-right": img[: h // 8, -w // 8 :],
        "bottom-left": img[-h // 8 :, : w // 8],
        "bottom-right": img[-h // 8 :, -w // 8 :],
    }
    brightest = max(corners, key=lambda k: corners[k].mean())
    assert brightest == expect_block_at


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg CLI not installed (reference only)")
def test_rotation_matches_ffmpeg_autorotate(tmp_path):
    import av

    path = write_video(tmp_path / "rot.mp4", [0.0, 0.04], width=64, height=32, rotation_ccw=90)
    ref = tmp_path / "ref.png"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(path), "-frames:v", "1", str(ref)], check=True)
    expected = next(av.open(str(ref)).decode(video=0)).to_ndarray(format="rgb24")
    np.testing.assert_array_equal(next(iter(iter_frames(path))).image, expected)


def test_large_frames_are_scaled_down_for_speed(tmp_path):
    path = write_video(tmp_path / "big.mp4", [0.0, 0.04], width=1920, height=1080)
    img = next(iter(iter_frames(path, max_side=1280))).image
    assert img.shape == (720, 1280, 3)


def _bad_inputs(tmp_path, real_clip):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("these are my physio notes, not a video\n" * 20)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(real_clip.read_bytes()[:4000])
    return {"empty": empty, "text": text, "truncated": truncated, "missing": tmp_path / "nope.mp4", "folder": tmp_path}


@pytest.mark.parametrize("kind,words", [
    ("empty", "empty"), ("text", "not a readable video"), ("truncated", "damaged"),
    ("missing", "not found"), ("folder", "folder"),
])  # fmt: skip
def test_unreadable_input_gives_a_one_line_message(tmp_path, sample_video, kind, words):
    bad = _bad_inputs(tmp_path, sample_video)[kind]
    with pytest.raises(VideoReadError) as err:
        list(iter_frames(bad))
    message = str(err.value)
    assert words in message and "\n" not in message
    with pytest.raises(VideoReadError):
        probe(bad)


def test_file_cut_short_keeps_the_frames_before_the_cut(tmp_path):
    times = np.arange(90) / 30
    path = tmp_path / "whole.mp4"
    write_video(path, times, width=160, height=120, faststart=True)  # header first, as phones write
    whole = DecodeStats()
    assert len(list(iter_frames(path, stats=whole))) == 90 and not whole.damaged
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size * 4 // 5])  # past the big first keyframe
    stats = DecodeStats()
    frames = list(iter_frames(cut, stats=stats))
    assert stats.damaged
    assert 10 < len(frames) < 80
    np.testing.assert_allclose([f.t_s for f in frames], times[: len(frames)], atol=1e-3)


def test_a_file_missing_most_of_its_data_is_refused(tmp_path):
    times = np.arange(90) / 30
    path = write_video(tmp_path / "whole.mp4", times, width=160, height=120, faststart=True, noise=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 3])  # header intact, two thirds missing
    with pytest.raises(VideoReadError, match="cut short"):
        probe(cut)
    assert probe(path).frame_count == 90
