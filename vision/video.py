"""Open a video file and stream upright RGB frames with their real timestamps.

Contract:
- ``probe(path)`` returns ``VideoInfo`` or raises ``VideoReadError`` with a one-line, user-facing message.
- ``iter_frames(path)`` yields ``Frame``s one at a time (memory does not grow with clip length); each
  ``t_s`` comes from the container's presentation timestamp, so variable-frame-rate phone video keeps its
  true timing. Timestamps are made strictly increasing (a repeated timestamp is dropped), because
  durations are differences of timestamps and MediaPipe's VIDEO mode demands it.
- Rotation metadata (phone clips) is applied, so frames are upright.
- A file that breaks part-way yields what could be decoded; ``DecodeStats`` tells how it ended.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from vision.errors import VideoReadError
from vision.outputs import shown
from vision.types import Frame, VideoInfo

# MediaPipe resizes to 256 px internally; decoding 4K phones at full size only costs time.
DEFAULT_MAX_SIDE = 1280


STILL_ADVICE = "Record the set as a video (MP4, MOV, AVI or WebM) and try again."
ANIMATED_IMAGE_FORMATS = ("gif", "apng", "webp_pipe")  # a still if it holds a single frame


def _is_still_image_format(container: av.container.InputContainer) -> bool:
    """FFmpeg opens pictures through its image demuxers (``image2``, ``png_pipe``, ``jpeg_pipe``…)."""
    name = container.format.name
    return (name == "image2" or name.endswith("_pipe")) and name not in ANIMATED_IMAGE_FORMATS


def _still(name: str, container: av.container.InputContainer) -> VideoReadError:
    codec = container.streams.video[0].codec_context.name if container.streams.video else "picture"
    kind = {"mjpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP", "bmp": "BMP"}.get(codec, codec.upper())
    return VideoReadError(f"{name}: this is a still image ({kind}), not a video. {STILL_ADVICE}")


def _check_file(p: Path, name: str) -> None:
    """The file's own problems, before FFmpeg sees it: missing, a folder, unreadable, empty."""
    if p.is_symlink() and not p.exists():
        raise VideoReadError(f"{name}: is a link to a file that no longer exists. Check where the clip went.")
    if not p.exists():
        raise VideoReadError(f"{name}: file not found. Check the path and try again.")
    if p.is_dir():
        raise VideoReadError(f"{name}: is a folder, not a video file.")
    with open(p, "rb"):  # permission, as the OS sees it for this user
        pass
    if p.stat().st_size == 0:
        raise VideoReadError(f"{name}: the file is empty. Record or export the video again.")


def _open(path: str | os.PathLike) -> av.container.InputContainer:
    p = Path(path)
    name = shown(p.name)
    try:
        _check_file(p, name)
    except PermissionError:
        raise VideoReadError(
            f"{name}: permission denied; calfcheck may not read this file. "
            "Check its permissions, or copy it to a folder of yours."
        ) from None
    except OSError as exc:
        raise VideoReadError(f"{name}: the file cannot be read ({(exc.strerror or str(exc)).lower()}).") from None
    try:
        container = av.open(_source(p), mode="r")
    except av.error.PermissionError:
        raise VideoReadError(f"{name}: permission denied; calfcheck may not read this file.") from None
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise VideoReadError(
            f"{name}: not a readable video ({_reason(exc)}). Export it as MP4, MOV, AVI or WebM."
        ) from None
    if _is_still_image_format(container):
        error = _still(name, container)
        container.close()
        raise error
    if not container.streams.video:
        has_other_streams = bool(container.streams.audio or container.streams.subtitles or container.streams.data)
        container.close()
        if has_other_streams:
            raise VideoReadError(f"{name}: the file holds sound but no video. Export the clip with its picture.")
        # An MP4/MOV whose index (the 'moov' box) is cut off opens with no streams at all.
        raise VideoReadError(
            f"{name}: the video is damaged or cut short (its index is incomplete). Copy, upload or export it again."
        )
    return container


def _source(p: Path) -> str | object:
    """The path for FFmpeg, or the open file when the name is not valid UTF-8 (FFmpeg cannot take it)."""
    text = str(p)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return open(p, "rb")  # noqa: SIM115 - PyAV closes it with the container


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.split(":")[-1].strip().rstrip(".").lower()


def _rotation_ccw(frame: av.VideoFrame) -> int:
    """Counter-clockwise degrees that turn decoded pixels upright (from the display matrix).

    PyAV reports the display matrix's angle; turning the pixels counter-clockwise by it reproduces
    FFmpeg's own autorotation exactly (checked pixel for pixel in tests/test_video.py).
    """
    return int(round(float(getattr(frame, "rotation", 0) or 0) / 90.0)) * 90 % 360


def _upright(image: np.ndarray, rotation_ccw: int) -> np.ndarray:
    if rotation_ccw == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=rotation_ccw // 90))


# Studio-range luma (16-235, what most video stores) stretched to the full 0-255 that an RGB picture turned
# grey has: pixel following keeps the same contrast, whichever way a frame was decoded.
_STUDIO_TO_FULL = np.clip(np.round((np.arange(256) - 16) * 255 / 219), 0, 255).astype(np.uint8)
_FULL_RANGE = 2  # FFmpeg's AVCOL_RANGE_JPEG


def _luma(av_frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """The frame's brightness at ``size``, full range: its Y plane as decoded where it has one (any YUV
    format: no colour conversion, a fraction of the cost of RGB), else converted to grey."""
    name = av_frame.format.name
    if name.startswith(("yuv", "nv")):
        plane = av_frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        if (plane.width, plane.height) == (av_frame.width, av_frame.height):
            if size != (av_frame.width, av_frame.height):
                rows = cv2.resize(rows, size, interpolation=cv2.INTER_AREA)
            full = name.startswith("yuvj") or av_frame.color_range == _FULL_RANGE
            return rows.copy() if full else cv2.LUT(rows, _STUDIO_TO_FULL)  # a copy: the decoder reuses buffers
    return av_frame.to_ndarray(format="gray", width=size[0], height=size[1])


def _scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    # Even sizes keep swscale and the H.264 encoder happy.
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


# A file holding less than this share of the frames its index lists is refused, not half-analysed.
MIN_PRESENT_FRACTION = 0.5


def _present_fraction(stream: av.video.stream.VideoStream, file_size: int) -> float:
    """Share of the indexed packets that lie inside the file (an interrupted copy or upload loses the tail)."""
    try:
        entries = stream.index_entries
    except (AttributeError, av.error.FFmpegError):
        return 1.0
    if not entries:
        return 1.0  # formats without an index: decoding will tell
    inside = sum(1 for e in entries if e.pos + e.size <= file_size)
    return inside / len(entries)


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read the header and the first frame; raise ``VideoReadError`` when the clip cannot be used."""
    with _open(path) as container:
        stream = container.streams.video[0]
        present = _present_fraction(stream, Path(path).stat().st_size)
        if present < MIN_PRESENT_FRACTION:
            raise VideoReadError(
                f"{shown(Path(path).name)}: the video is damaged or cut short (only {present:.0%} of it is in the "
                "file). Copy, upload or export it again."
            )
        first = _first_frame(container, path)
        if container.format.name in ANIMATED_IMAGE_FORMATS and _single_frame(container):
            raise _still(shown(Path(path).name), container)
        rotation = _rotation_ccw(first)
        w, h = first.width, first.height
        if rotation in (90, 270):
            w, h = h, w
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else float("nan")
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        return VideoInfo(
            path=str(path),
            width=w,
            height=h,
            fps=fps,
            duration_s=duration,
            frame_count=stream.frames or None,
            rotation_deg=rotation,
            codec=stream.codec_context.name,
        )


def _single_frame(container: av.container.InputContainer) -> bool:
    """After the first frame: is there no second one? (An animated GIF of one frame is a picture.)"""
    try:
        return next(container.decode(video=0), None) is None
    except av.error.FFmpegError:
        return True


def _first_frame(container: av.container.InputContainer, path: str | os.PathLike) -> av.VideoFrame:
    try:
        for frame in container.decode(video=0):
            return frame
    except av.error.FFmpegError:
        pass
    raise VideoReadError(
        f"{shown(Path(path).name)}: the video is damaged or has no frames that can be decoded. "
        "Record or export it again."
    )


@dataclass
class DecodeStats:
    """Filled in while ``iter_frames`` runs; read it after the loop."""

    frames: int = 0
    dropped_duplicate_timestamps: int = 0
    damaged: bool = False  # decoding stopped early on an error
    timestamps_from_rate: bool = False  # container had no timestamps; nominal rate was used


def iter_frames(
    path: str | os.PathLike,
    *,
    max_side: int | None = DEFAULT_MAX_SIDE,
    stats: DecodeStats | None = None,
    colour_when: Callable[[float], bool] | None = None,
) -> Iterator[Frame]:
    """Yield upright RGB frames with container timestamps, one at a time.

    ``colour_when``, if given, is asked once per frame, in order, with its timestamp: where it says False
    the frame's image is only its grey (luma) plane, (H, W), which is what following pixels needs and
    costs a fraction of the conversion to RGB (``vision.sampling``: frames the pose model does not see),
    and every frame carries its ``luma`` (``Frame``)."""
    stats = stats if stats is not None else DecodeStats()
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # frame threading: decoding keeps up with inference on 2 cores
        rate = stream.average_rate or stream.guessed_rate or Fraction(30, 1)
        last_t = -math.inf
        rotation: int | None = None
        size: tuple[int, int] | None = None
        decoded = 0
        try:
            for av_frame in container.decode(video=0):
                decoded += 1
                if rotation is None:
                    rotation = _rotation_ccw(av_frame)
                    size = _scaled_size(av_frame.width, av_frame.height, max_side)
                t = av_frame.time
                if t is None:
                    # Some AVI/raw streams carry no timestamps; the nominal rate is all there is.
                    stats.timestamps_from_rate = True
                    t = (decoded - 1) / float(rate)
                if t <= last_t:
                    stats.dropped_duplicate_timestamps += 1
                    continue
                last_t = t
                if colour_when is None:
                    image = _upright(av_frame.to_ndarray(format="rgb24", width=size[0], height=size[1]), rotation)
                    yield Frame(image=image, t_s=float(t), index=stats.frames)
                else:
                    luma = _upright(_luma(av_frame, size), rotation)
                    image = (
                        _upright(av_frame.to_ndarray(format="rgb24", width=size[0], height=size[1]), rotation)
                        if colour_when(float(t))
                        else luma
                    )
                    yield Frame(image=image, t_s=float(t), index=stats.frames, luma=luma)
                stats.frames += 1
        except av.error.FFmpegError:
            stats.damaged = True
        # A file cut short (an interrupted upload or copy) decodes cleanly up to the cut, so compare
        # with the frame count its header promised.
        promised = stream.frames or 0
        if promised and decoded < 0.9 * promised:
            stats.damaged = True
        if stats.frames == 0:
            raise VideoReadError(
                f"{shown(Path(path).name)}: the video is damaged or has no frames that can be decoded. "
                "Record or export it again."
            )
