"""The annotated review video is real H.264 (what browsers play) with the overlay drawn on each frame."""

import av
import numpy as np

from vision.annotate import PHASE_COLOURS, Overlay, annotate, phase_timer_text
from vision.pipeline import FormChecker
from vision.protocols import load_protocol
from vision.render import render_annotated
from vision.types import Phase


def test_render_is_h264_with_every_frame(tmp_path, sample_video):
    checker = FormChecker(load_protocol("band-tempo"))
    session = checker.run_video(sample_video)
    out = render_annotated(sample_video, session, tmp_path / "annotated.mp4")
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = list(c.decode(video=0))
    assert len(frames) == len(session.track)
    np.testing.assert_allclose([f.time for f in frames], session.track.t_s, atol=2e-3)
    top = frames[0].to_ndarray(format="rgb24")[5:15, :, :].reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(top, PHASE_COLOURS[Phase.REST], atol=25)  # the phase banner is drawn
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_annotate_is_pure_and_draws_the_banner():
    img = np.zeros((360, 640, 3), np.uint8)
    out = annotate(img, None, None, Overlay(Phase.HOLD, 3, None, 0.5, 2.0))
    assert img.max() == 0  # input untouched
    assert np.abs(out[5:10, 300].astype(int) - PHASE_COLOURS[Phase.HOLD]).max() < 5


def test_the_angle_label_stays_in_the_picture_when_the_foot_is_at_its_edge():
    from tests.synthetic import landmarks_for_angle
    from vision.types import Leg

    lm = landmarks_for_angle(10.0)
    lm[:, 0] += (620 - 300) / 640  # the leg at the right edge of a 640-px frame
    img = np.zeros((480, 640, 3), np.uint8)
    with_label = annotate(img, lm, Leg.RIGHT, Overlay(Phase.HOLD, 1, 32.0))
    without = annotate(img, lm, Leg.RIGHT, Overlay(Phase.HOLD, 1, None))
    changed = np.flatnonzero(np.abs(with_label.astype(int) - without.astype(int)).sum(axis=(0, 2)))
    assert changed.size and changed.max() < 640 - 1  # the label was drawn, and it ends inside the frame
    assert changed.min() < 620 - 100  # it went to the left of the ankle


def test_phase_timer_counts_down_to_the_target_or_up_against_the_isometric_limit():
    assert phase_timer_text(Overlay(Phase.HOLD, 0, None, 0.5, 2.0)) == "1.5 s"
    assert phase_timer_text(Overlay(Phase.HOLD, 0, None, 12.2, 30.0, isometric=True)) == "12 / 30 s"
    assert phase_timer_text(Overlay(Phase.REST, 0, None)) == ""


def test_render_keeps_variable_frame_rate_timestamps(tmp_path):
    from tests.videos import write_video

    rng = np.random.default_rng(9)
    times = np.round(np.cumsum(rng.uniform(0.02, 0.08, 30)), 3)
    clip = write_video(tmp_path / "vfr.mp4", times, width=160, height=120)
    session = FormChecker(load_protocol("band-tempo")).run_video(clip)  # nobody in it: 0 reps, still rendered
    out = render_annotated(clip, session, tmp_path / "vfr-annotated.mp4")
    with av.open(str(out)) as c:
        got = [f.time for f in c.decode(video=0)]
    np.testing.assert_allclose(got, session.track.t_s, atol=2e-3)
    np.testing.assert_allclose(session.track.t_s, times, atol=2e-3)
