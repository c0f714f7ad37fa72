"""Render a scored session as an annotated H.264 MP4 that browsers play.

Contract: ``render_annotated(video_path, session, out_path, progress)`` decodes the clip again (frames
stream, memory stays flat), draws each frame with the session's landmarks and final phases, and
encodes H.264 (libx264, yuv420p, ``+faststart`` so playback starts before the download ends) through
PyAV's bundled FFmpeg. OpenCV's mp4v is not used: browsers do not play it. The file is written
atomically. ``render_landmarks(session, out_path, progress)`` draws the same overlay on a plain
background from the landmarks alone, for a stored session whose video was not kept.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vision import view
from vision.annotate import Overlay, annotate
from vision.types import AnalysedSet, Phase
from vision.video import iter_frames

RENDER_MAX_SIDE = 960  # review videos stay small enough to stream to a browser quickly


def _phase_timeline(session: AnalysedSet):
    """For each frame time: (phase, seconds into the phase, target, reps finished so far)."""
    t = session.track.t_s
    phases = session.phase_at(t)
    ends = np.array([s.rep.end_s for s in session.finished_scores])  # the counter counts finished reps
    for ti, ph in zip(t, phases):
        elapsed, goal = 0.0, None
        if ph != Phase.REST:
            rep = next(s.rep for s in session.scores if s.rep.start_s <= ti <= s.rep.end_s)
            elapsed = ti - rep.interval(ph).start_s
            goal = session.protocol.target_for(ph)
        yield ph, elapsed, goal, int((ends <= ti).sum())


PLAIN_BACKGROUND = 246  # light grey: the stored landmarks drawn where there is no video


def render_annotated(
    video_path: str | os.PathLike,
    session: AnalysedSet,
    out_path: str | os.PathLike,
    progress: Callable[[float], None] | None = None,
) -> Path:
    """The clip's own frames with the overlay drawn on them."""
    frames = ((f.index, f.image, f.t_s) for f in iter_frames(video_path, max_side=RENDER_MAX_SIDE))
    return _render(frames, session, out_path, progress)


def _plain_frames(session: AnalysedSet) -> Iterator[tuple[int, np.ndarray, float]]:
    track = session.track
    scale = min(1.0, RENDER_MAX_SIDE / max(track.width, track.height, 1))
    w, h = max(2, round(track.width * scale)), max(2, round(track.height * scale))
    blank = np.full((h, w, 3), PLAIN_BACKGROUND, np.uint8)
    for i, t in enumerate(track.t_s):
        yield i, blank.copy(), float(t)


def render_landmarks(
    session: AnalysedSet, out_path: str | os.PathLike, progress: Callable[[float], None] | None = None
) -> Path:
    """The overlay on a plain background, from the stored landmarks alone (no video was kept)."""
    return _render(_plain_frames(session), session, out_path, progress)


def _render(
    frames: Iterator[tuple[int, np.ndarray, float]],
    session: AnalysedSet,
    out_path: str | os.PathLike,
    progress: Callable[[float], None] | None,
) -> Path:
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".mp4")
    os.close(fd)
    n = len(session.track)
    timeline = list(_phase_timeline(session))
    # The overlay shows movement from the athlete's own rest: an absolute angle is distorted in an
    # oblique view (vision.view), movement from rest is not.
    rest_angle = view.rest_angle(session.track.t_s, session.angle, [s.rep for s in session.scores])
    rest = rest_angle if rest_angle is not None else math.nan
    time_base = Fraction(1, 1000)
    try:
        with av.open(tmp, mode="w", options={"movflags": "+faststart"}) as container:
            stream = None
            for index, image, t_s in frames:
                if index >= n:
                    break
                if stream is None:
                    h, w = image.shape[:2]
                    fps = session.info.fps if math.isfinite(session.info.fps) and session.info.fps > 0 else 30.0
                    # The nominal rate only sizes the encoder; each frame keeps its own timestamp (VFR-safe).
                    stream = container.add_stream("libx264", rate=round(fps))
                    stream.width, stream.height, stream.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
                    stream.time_base = time_base
                    stream.codec_context.time_base = time_base  # millisecond ticks: VFR frames never collide
                    stream.options = {"crf": "23", "preset": "veryfast"}
                phase, elapsed, goal, reps = timeline[index]
                moved = session.angle[index] - rest
                overlay = Overlay(
                    phase,
                    reps,
                    float(moved) if np.isfinite(moved) else None,
                    elapsed,
                    goal,
                    isometric=session.protocol.exercise_kind.hold_limit_s(session.protocol) is not None,
                )
                img = annotate(image, session.track.landmarks[index], session.leg, overlay)
                out = av.VideoFrame.from_ndarray(
                    np.ascontiguousarray(img[: stream.height, : stream.width]), format="rgb24"
                )
                out.pts = int(round(t_s * 1000))
                out.time_base = time_base
                container.mux(stream.encode(out))
                if progress and index % 15 == 0:
                    progress(min(0.99, (index + 1) / max(n, 1)))
            if stream is not None:
                container.mux(stream.encode(None))
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if progress:
        progress(1.0)
    return out_path
