"""The quality gate's labelled set: footage a person can count (with its count) and footage a person cannot.

Contract: ``build_gate_set(folder)`` writes each clip of ``GATE_SET`` into ``folder`` (H.264, 30 frames/s)
and returns ``{name: path}``; ``verdict(analysed)`` reads a scored set the way its user does: a count, or a
refusal. The footage is remixed at test time from the shared real clip behind ``tempo_123_x4.mp4`` (a real
athlete's standing heel raise, first rep only), so nothing from ../shared is ever committed.

Every clip is built from the same real rep in two steps:
- a **timeline** re-times it: each output frame shows the source frame at a chosen point of that rep (at rest,
  a share of the way up, at the top), so each rep's count and height are known by construction, as in the
  shared remix clips;
- a **view** changes what the camera sees, frame by frame: smaller in the frame, lower resolution, an
  oblique camera (the picture squeezed sideways, as a camera turned away from the side does), a tilted or
  hand-held phone, the other side (mirrored), and, for footage a person cannot count either, only the feet,
  only below the knees, or two athletes side by side out of step.

What "a person can count it" means here: each rep lifts the heel visibly off the floor and returns it, with
the whole body in view. What a person cannot count: the reps of one athlete where the knee and hip are out of
the picture (a person sees a foot tilt, not whose movement it is nor whether a rep ended) or where two athletes
move out of step in one picture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

FPS = 30
# The real rep inside tempo_123_x4.mp4 (its label): at rest before 2.0 s, rising 2.0-3.0 s at a steady pace,
# at the top 3.0-5.0 s. The way up is read from the rise; a lowering shows the rise backwards.
REST_S = (0.2, 1.8)
RISE_S = (2.0, 3.0)
TOP_S = (3.2, 4.8)


# --- timelines: output time -> the source rep's time -------------------------------------------------------


def _ping_pong(span: tuple[float, float], n: int, phase: float = 0.0) -> np.ndarray:
    """``n`` source times going back and forth through ``span`` at real speed: a still stretch of real footage
    (the athlete's own small movements) as long as needed, with no jump."""
    length = span[1] - span[0]
    t = phase + np.arange(n) / FPS
    folded = np.abs(((t / length) % 2.0) - 1.0)  # 1 -> 0 -> 1 ...
    return span[0] + (1.0 - folded) * length


def _rise_at(share: np.ndarray) -> np.ndarray:
    """The source time at which the heel is ``share`` of the way up."""
    return RISE_S[0] + np.clip(share, 0.0, 1.0) * (RISE_S[1] - RISE_S[0])


@dataclass(frozen=True)
class Rep:
    """One re-timed rep: push, hold at the top, return (seconds), and how far up it goes (share of the real
    rep's height)."""

    push_s: float = 1.0
    hold_s: float = 1.0
    return_s: float = 2.0
    height: float = 1.0


def timeline(reps: list[Rep], rest_s: float = 1.5, lead_s: float = 2.0, start_up: float = 0.0) -> np.ndarray:
    """Source times for a set: ``lead_s`` at rest (or, with ``start_up`` > 0, that share of the way up: the
    clip starts with the athlete already on their toes and lowering), then each rep followed by ``rest_s`` at
    rest."""
    parts: list[np.ndarray] = []
    n = lambda s: max(1, round(s * FPS))  # noqa: E731 - frames in s seconds
    if start_up:
        parts.append(np.full(n(lead_s / 2), _rise_at(np.array(start_up))))
        parts.append(_rise_at(np.linspace(start_up, 0.0, n(0.6))))
        parts.append(_ping_pong(REST_S, n(lead_s / 2)))
    else:
        parts.append(_ping_pong(REST_S, n(lead_s)))
    for i, rep in enumerate(reps):
        parts.append(_rise_at(np.linspace(0.0, rep.height, n(rep.push_s))))
        if rep.height >= 1.0:
            parts.append(_ping_pong(TOP_S, n(rep.hold_s), phase=0.3 * i))
        else:  # a partial rep holds where it got to, with the small sway of the real top around it
            sway = 0.04 * np.sin(np.arange(n(rep.hold_s)) / FPS * 2 * np.pi * 0.7)
            parts.append(_rise_at(rep.height + sway))
        parts.append(_rise_at(np.linspace(rep.height, 0.0, n(rep.return_s))))
        parts.append(_ping_pong(REST_S, n(rest_s), phase=0.7 * i))
    return np.concatenate(parts)


# --- views: what the camera makes of each frame ------------------------------------------------------------

View = Callable[[np.ndarray, int], np.ndarray]  # (RGB frame, output index) -> RGB frame


def as_filmed(frame: np.ndarray, _: int) -> np.ndarray:
    return frame


def chain(*views: View) -> View:
    """One view after another (a small athlete on a low-resolution phone...)."""

    def view(frame: np.ndarray, i: int) -> np.ndarray:
        for each in views:
            frame = each(frame, i)
        return frame

    return view


def small_in_frame(scale: float) -> View:
    """The athlete farther from the camera: the picture shrunk into a frame of the same size (floor colour)."""

    def view(frame: np.ndarray, _: int) -> np.ndarray:
        h, w = frame.shape[:2]
        small = cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        out = np.empty_like(frame)
        out[:] = frame[-4:, :].reshape(-1, 3).mean(axis=0).astype(np.uint8)
        y, x = h - small.shape[0] - h // 20, (w - small.shape[1]) // 2
        out[y : y + small.shape[0], x : x + small.shape[1]] = small
        return out

    return view


def low_resolution(width: int) -> View:
    def view(frame: np.ndarray, _: int) -> np.ndarray:
        h, w = frame.shape[:2]
        return cv2.resize(frame, (width, round(h * width / w) // 2 * 2), interpolation=cv2.INTER_AREA)

    return view


def oblique(squeeze: float) -> View:
    """A camera turned away from the side: horizontal distances foreshortened by ``squeeze`` (cos of the
    turn), the picture cropped back to a phone's portrait shape."""

    def view(frame: np.ndarray, _: int) -> np.ndarray:
        h, w = frame.shape[:2]
        return cv2.resize(frame, (round(w * squeeze) // 2 * 2, h), interpolation=cv2.INTER_AREA)

    return view


def pitched(keystone: float) -> View:
    """A phone pitched down towards the feet: the top of the picture wider than the bottom by ``keystone``
    of the width (a perspective warp), as when the camera sits high and looks down."""

    def view(frame: np.ndarray, _: int) -> np.ndarray:
        h, w = frame.shape[:2]
        inset = keystone * w / 2
        corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        seen = np.float32([[0, 0], [w, 0], [w - inset, h], [inset, h]])
        return cv2.warpPerspective(
            frame, cv2.getPerspectiveTransform(corners, seen), (w, h), borderMode=cv2.BORDER_REFLECT
        )

    return view


def tilted(degrees: float) -> View:
    def view(frame: np.ndarray, _: int) -> np.ndarray:
        h, w = frame.shape[:2]
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        return cv2.warpAffine(frame, turn, (w, h), borderMode=cv2.BORDER_REFLECT)

    return view


def hand_held(shift: float, seed: int = 7) -> View:
    """A phone held in the hand: the picture drifts by up to ``shift`` of its width and turns up to 2°, slowly
    and a little unevenly."""
    rng = np.random.default_rng(seed)
    f1, f2, p1, p2 = 0.23, 0.41, *rng.uniform(0, 2 * np.pi, 2)

    def view(frame: np.ndarray, i: int) -> np.ndarray:
        h, w = frame.shape[:2]
        t = i / FPS
        dx = shift * w * np.sin(2 * np.pi * f1 * t + p1)
        dy = 0.5 * shift * w * np.sin(2 * np.pi * f2 * t + p2)
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), 2.0 * np.sin(2 * np.pi * 0.17 * t + p2), 1.0)
        turn[:, 2] += (dx, dy)
        return cv2.warpAffine(frame, turn, (w, h), borderMode=cv2.BORDER_REFLECT)

    return view


def mirrored(frame: np.ndarray, _: int) -> np.ndarray:
    return np.ascontiguousarray(frame[:, ::-1])


def band(top: float, bottom: float) -> View:
    """Only a horizontal band of the picture (shares of its height), as a camera aimed low and close."""

    def view(frame: np.ndarray, _: int) -> np.ndarray:
        h = frame.shape[0]
        return np.ascontiguousarray(frame[round(top * h) // 2 * 2 : round(bottom * h) // 2 * 2])

    return view


# --- the labelled set --------------------------------------------------------------------------------------

STEADY = [Rep(1.0, 1.0, 2.0)] * 3


@dataclass(frozen=True)
class GateClip:
    """One labelled clip: its timeline, its view, and what a person watching it can say (``count`` None:
    a person cannot count it)."""

    name: str
    what: str
    times: np.ndarray
    view: View = as_filmed
    count: int | None = 3


def _gate_set() -> list[GateClip]:
    steady = timeline(STEADY)
    return [
        GateClip("steady_x3", "3 reps of 1-1-2 s, full height, side view", steady),
        GateClip("shallow_x4", "4 reps at 40 % of the height", timeline([Rep(1.0, 1.0, 1.5, 0.4)] * 4), count=4),
        GateClip(
            "quick_from_toes_x7",
            "starts up on the toes, then 7 quick reps with no hold at 60 % of the height",
            timeline([Rep(0.45, 0.15, 0.5, 0.6)] * 7, rest_s=0.4, start_up=0.6),
            count=7,
        ),
        GateClip(
            "shifting_at_rest_x3",
            "3 reps; between them the athlete rocks onto the toes and back (a tenth of the height)",
            _rocking_rest(STEADY),
        ),
        GateClip("small_in_frame_x3", "the athlete at 55 % of the size", steady, small_in_frame(0.55)),
        GateClip("low_res_x3", "240 pixels wide", steady, low_resolution(240)),
        GateClip("oblique_x3", "camera turned about 40° from the side", steady, oblique(0.77)),
        GateClip("pitched_x3", "phone pitched down at the feet (keystone)", steady, pitched(0.25)),
        GateClip("strong_oblique_x3", "camera turned about 50° from the side", steady, oblique(0.64)),
        GateClip(
            "far_shallow_x4",
            "4 reps at 40 % of the height, the athlete at 60 % of the size, 360 pixels wide",
            timeline([Rep(1.0, 1.0, 1.5, 0.4)] * 4),
            chain(small_in_frame(0.6), low_resolution(360)),
            count=4,
        ),
        GateClip(
            "oblique_shallow_x4",
            "4 reps at 40 % of the height, camera turned about 45° from the side",
            timeline([Rep(1.0, 1.0, 1.5, 0.4)] * 4),
            oblique(0.7),
            count=4,
        ),
        GateClip("tilted_x3", "phone tilted 12°", steady, tilted(12.0)),
        GateClip("hand_held_x3", "a hand-held phone drifting and turning", steady, hand_held(0.04)),
        GateClip("mirrored_x3", "filmed from the other side", steady, mirrored),
        GateClip("feet_only", "only the feet in the picture", steady, band(0.66, 0.86), count=None),
        GateClip("knees_down", "only below the knees", steady, band(0.52, 0.92), count=None),
    ]


def _rocking_rest(reps: list[Rep]) -> np.ndarray:
    """A set whose rests are not still: the athlete rocks up a tenth of the height and back, twice, between
    reps (a person tells these from reps; they are a tenth of a rep's height)."""
    rock = Rep(0.6, 0.2, 0.6, 0.1)
    parts = [timeline([], lead_s=2.0)]
    for i, rep in enumerate(reps):
        parts.append(timeline([rep], rest_s=0.5, lead_s=0.0)[1:])
        if i < len(reps) - 1:
            parts.append(timeline([rock, rock], rest_s=0.3, lead_s=0.0)[1:])
    parts.append(timeline([], lead_s=1.0))
    return np.concatenate(parts)


GATE_SET: list[GateClip] = _gate_set()


def _source_frames(source: Path, until_s: float) -> np.ndarray:
    with av.open(str(source)) as container:
        frames = []
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time > until_s:
                break
            frames.append(frame.to_ndarray(format="rgb24"))
    return np.stack(frames)


def _frames(clip: GateClip, rep: np.ndarray) -> Iterator[np.ndarray]:
    shown = np.clip(np.round(clip.times * FPS).astype(int), 0, len(rep) - 1)
    for i, k in enumerate(shown):
        yield clip.view(rep[k], i)


def _write(path: Path, frames: Iterator[np.ndarray]) -> None:
    partial = path.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        stream = None
        for image in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=FPS)
                stream.width, stream.height = image.shape[1], image.shape[0]
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": "23", "preset": "ultrafast"}
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    partial.rename(path)


def build_gate_set(source: Path, folder: Path, clips: list[GateClip] | None = None) -> dict[str, Path]:
    """Write each clip (built from ``source``, the shared ``tempo_123_x4.mp4``) into ``folder``; a clip
    already there is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = clips or GATE_SET
    paths = {c.name: folder / f"{c.name}.mp4" for c in wanted}
    missing = [c for c in wanted if not paths[c.name].exists()]
    if missing:
        rep = _source_frames(source, until_s=TOP_S[1] + 0.1)
        for clip in missing:
            _write(paths[clip.name], _frames(clip, rep))
    return paths


@dataclass(frozen=True)
class Verdict:
    count: int | None  # None: refused (the gate's warning says why)
    warning: str


def verdict(analysed) -> Verdict:
    """What the scored set tells its user: a count, or no count and a sentence."""
    if not analysed.quality.reliable:
        return Verdict(None, " ".join(analysed.quality.warnings))
    return Verdict(analysed.summary.rep_count, "")
