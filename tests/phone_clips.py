"""Clips as phones record them, cut from a shared clip at test time with PyAV (nothing of ../shared is committed).

``phone_clip(src, dst, end_s, codec=...)``: the first ``end_s`` seconds of ``src``, scaled down, stored sideways
with a display rotation that turns it upright (as an iPhone or Android phone held upright stores it), encoded as
HEVC (``libx265``, tagged ``hvc1`` as an iPhone's ``.mov``) or H.264, each frame at its original time; ``keep(t)``
drops frames to make the frame rate variable (as Android's camera does). ``variant(src, dst, n)`` is the same
clip with its container's title set to ``n`` (stream copy): other bytes, so another upload, scored the same.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def phone_clip(src, dst, end_s: float, *, codec: str = "libx265", scale: float = 0.5, rotation_ccw: int = 90,
               keep=lambda t: True) -> Path:  # fmt: skip
    dst = Path(dst)
    time_base = Fraction(1, 90_000)
    turns = {90: -1, -90: 1, 180: 2, 0: 0}[rotation_ccw]  # stored so that the display rotation undoes it
    with av.open(str(src)) as inp, av.open(str(dst), mode="w", format="mov") as out:
        vin = inp.streams.video[0].codec_context
        w, h = round(vin.width * scale) // 2 * 2, round(vin.height * scale) // 2 * 2
        options = {"preset": "ultrafast", "x265-params": "log-level=error"} if codec == "libx265" else {}
        stream = out.add_stream(codec, rate=30, options=options)
        stream.width, stream.height = (h, w) if rotation_ccw in (90, -90) else (w, h)
        stream.pix_fmt, stream.time_base = "yuv420p", time_base
        stream.codec_context.time_base = time_base
        if codec == "libx265":
            stream.codec_tag = "hvc1"  # how an iPhone's .mov names HEVC
        if rotation_ccw:
            stream.set_display_rotation(rotation_ccw)
        for frame in inp.decode(video=0):
            if frame.time > end_s:
                break
            if not keep(frame.time):
                continue
            image = frame.to_ndarray(format="rgb24", width=w, height=h)
            stored = np.ascontiguousarray(np.rot90(image, k=turns))
            copy = av.VideoFrame.from_ndarray(stored, format="rgb24")
            copy.pts, copy.time_base = int(round(frame.time * 90_000)), time_base
            out.mux(stream.encode(copy))
        out.mux(stream.encode(None))
    return dst


def variant(src, dst, n: int) -> Path:
    dst = Path(dst)
    with av.open(str(src)) as inp, av.open(str(dst), mode="w", format="mov") as out:
        out.metadata["title"] = f"take {n}"
        vin = inp.streams.video[0]
        stream = out.add_stream_from_template(vin)
        for packet in inp.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = stream
            out.mux(packet)
    return dst
