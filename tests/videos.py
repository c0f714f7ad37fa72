"""Small synthetic videos written with PyAV (real H.264), for tests that need exact timestamps."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def marked_frame(width: int, height: int, value: int = 0, noise: bool = False) -> np.ndarray:
    """A grey frame with a white block in its top-left corner (to check orientation).

    ``noise`` fills the rest with random pixels, so that frames are large as in real footage.
    """
    img = np.full((height, width, 3), 60 + value % 100, dtype=np.uint8)
    if noise:
        img = np.random.default_rng(value).integers(0, 200, (height, width, 3), dtype=np.uint8)
    img[: height // 4, : width // 4] = 255
    return img


def write_video(
    path: str | Path,
    times_s: list[float] | np.ndarray,
    width: int = 64,
    height: int = 32,
    rotation_ccw: int | None = None,
    faststart: bool = False,
    noise: bool = False,
) -> Path:
    """H.264 mp4 whose frames carry exactly the given presentation times (variable frame rate allowed)."""
    path = Path(path)
    time_base = Fraction(1, 1000)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if rotation_ccw is not None:
            stream.set_display_rotation(rotation_ccw)
        for i, t in enumerate(times_s):
            frame = av.VideoFrame.from_ndarray(marked_frame(width, height, i, noise), format="rgb24")
            frame.pts = int(round(t * 1000))
            frame.time_base = time_base
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def phone_copy(src: str | Path, dst: str | Path, keep, rotation_ccw: int = 90) -> Path:
    """``src`` as a phone would have recorded it: stored sideways with a display rotation that turns it
    upright, and only the frames ``keep(t)`` accepts, each at its original time (variable frame rate,
    dropped frames, holes), so the clip's labels still hold."""
    dst = Path(dst)
    time_base = Fraction(1, 90_000)
    turns = {90: -1, -90: 1, 180: 2}[rotation_ccw]  # stored so that the display rotation undoes it
    with av.open(str(src)) as inp, av.open(str(dst), mode="w") as out:
        vin = inp.streams.video[0].codec_context
        stream = out.add_stream("libx264", rate=30)
        portrait = rotation_ccw in (90, -90)
        stream.width, stream.height = (vin.height, vin.width) if portrait else (vin.width, vin.height)
        stream.pix_fmt, stream.time_base = "yuv420p", time_base
        stream.codec_context.time_base = time_base
        stream.set_display_rotation(rotation_ccw)
        for frame in inp.decode(video=0):
            if not keep(frame.time):
                continue
            stored = np.ascontiguousarray(np.rot90(frame.to_ndarray(format="rgb24"), k=turns))
            copy = av.VideoFrame.from_ndarray(stored, format="rgb24")
            copy.pts, copy.time_base = int(round(frame.time * 90_000)), time_base
            out.mux(stream.encode(copy))
        out.mux(stream.encode(None))
    return dst


def trimmed_copy(src: str | Path, dst: str | Path, end_s: float, scale: float = 1.0) -> Path:
    """The first ``end_s`` seconds of ``src``, optionally scaled down, re-encoded as H.264 with each frame at
    its original time: a short real clip for tests that score it several times."""
    dst = Path(dst)
    time_base = Fraction(1, 90_000)
    with av.open(str(src)) as inp, av.open(str(dst), mode="w") as out:
        vin = inp.streams.video[0].codec_context
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height = (round(vin.width * scale) // 2 * 2, round(vin.height * scale) // 2 * 2)
        stream.pix_fmt, stream.time_base = "yuv420p", time_base
        stream.codec_context.time_base = time_base
        for frame in inp.decode(video=0):
            if frame.time > end_s:
                break
            image = frame.to_ndarray(format="rgb24", width=stream.width, height=stream.height)
            copy = av.VideoFrame.from_ndarray(image, format="rgb24")
            copy.pts, copy.time_base = int(round(frame.time * 90_000)), time_base
            out.mux(stream.encode(copy))
        out.mux(stream.encode(None))
    return dst
