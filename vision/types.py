"""Typed values that flow through the pipeline.

Contract: every stage passes these frozen dataclasses, never dicts. Times are seconds taken from
container timestamps (``t_s``), never derived from frame counts. Landmark arrays follow BlazePose's
33-point order with columns (x, y, z, visibility); x and y are normalised to the displayed
(rotation-corrected) image, and a missing landmark is NaN, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

LANDMARK_COUNT = 33
LANDMARK_COLUMNS = 4  # x, y, z, visibility


class Phase(str, Enum):
    """Where the athlete is inside a rep. The tempo tracker moves REST → CONCENTRIC → HOLD → ECCENTRIC."""

    REST = "rest"
    CONCENTRIC = "concentric"
    HOLD = "hold"
    ECCENTRIC = "eccentric"


class Leg(str, Enum):
    LEFT = "left"
    RIGHT = "right"


LEG_OPTIONS = ("auto", Leg.LEFT.value, Leg.RIGHT.value)  # what a user may ask for; "auto" lets the pipeline choose


def leg_from_option(option: str) -> Leg | None:
    """``auto`` → None (the pipeline picks the working leg); ``left``/``right`` → that leg.

    Anything else raises ValueError naming the valid options.
    """
    if option == "auto":
        return None
    try:
        return Leg(option)
    except ValueError:
        raise ValueError(f"unknown leg '{option}'; use {', '.join(LEG_OPTIONS)}") from None


@dataclass(frozen=True)
class Frame:
    """One decoded, upright RGB image and the moment it was shown."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    t_s: float
    index: int


@dataclass(frozen=True)
class VideoInfo:
    """What a container says about its video stream. ``fps`` is a float (29.97 stays 29.97)."""

    path: str
    width: int  # displayed width, after rotation
    height: int
    fps: float
    duration_s: float | None
    frame_count: int | None
    rotation_deg: int  # counter-clockwise turn applied to decoded frames to make them upright
    codec: str


@dataclass(frozen=True)
class PoseFrame:
    """Landmarks of the most prominent person in one frame; all NaN when nobody was found."""

    t_s: float
    landmarks: np.ndarray  # (33, 4): x, y (normalised), z, visibility

    def __post_init__(self) -> None:
        if self.landmarks.shape != (LANDMARK_COUNT, LANDMARK_COLUMNS):
            raise ValueError(f"landmarks must be (33, 4), got {self.landmarks.shape}")

    @property
    def has_person(self) -> bool:
        return bool(np.isfinite(self.landmarks[:, 0]).any())


@dataclass(frozen=True)
class PoseTrack:
    """Landmarks for a whole clip: the cache that lets a clip be re-scored without running pose again."""

    t_s: np.ndarray  # (N,) strictly increasing seconds
    landmarks: np.ndarray  # (N, 33, 4)
    width: int
    height: int

    def __post_init__(self) -> None:
        n = self.t_s.shape[0]
        if self.landmarks.shape != (n, LANDMARK_COUNT, LANDMARK_COLUMNS):
            raise ValueError(f"landmarks must be ({n}, 33, 4), got {self.landmarks.shape}")
        if n > 1 and not np.all(np.diff(self.t_s) > 0):
            raise ValueError("timestamps must increase strictly")

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @classmethod
    def from_frames(cls, frames: list[PoseFrame], width: int, height: int) -> "PoseTrack":
        if not frames:
            return cls(np.zeros(0), np.zeros((0, LANDMARK_COUNT, LANDMARK_COLUMNS)), width, height)
        return cls(
            np.array([f.t_s for f in frames], dtype=float),
            np.stack([f.landmarks for f in frames]).astype(float),
            width,
            height,
        )


class TrackBuilder:
    """Collects per-frame landmarks into a few large blocks.

    One small array per frame, interleaved with the decoder's megabyte-sized frame buffers, fragments the
    heap: the benchmark saw a 120 s clip (4 MB of landmarks) hold about 130 MB more than a 30 s one.
    Blocks of ``BLOCK`` frames keep memory flat however long the clip is.
    """

    BLOCK = 1024

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []
        self._times: list[np.ndarray] = []
        self._n = 0

    def append(self, t_s: float, landmarks: np.ndarray) -> None:
        i = self._n % self.BLOCK
        if i == 0:
            self._blocks.append(np.empty((self.BLOCK, LANDMARK_COUNT, LANDMARK_COLUMNS)))
            self._times.append(np.empty(self.BLOCK))
        self._blocks[-1][i] = landmarks
        self._times[-1][i] = t_s
        self._n += 1

    def __len__(self) -> int:
        return self._n

    @property
    def last_t(self) -> float | None:
        """The newest timestamp collected, or None before the first frame."""
        return float(self._times[-1][(self._n - 1) % self.BLOCK]) if self._n else None

    def build(self, width: int, height: int) -> "PoseTrack":
        if self._n == 0:
            return PoseTrack(np.zeros(0), np.zeros((0, LANDMARK_COUNT, LANDMARK_COLUMNS)), width, height)
        return PoseTrack(np.concatenate(self._times)[: self._n], np.concatenate(self._blocks)[: self._n],
                         width, height)


@dataclass(frozen=True)
class Interval:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


@dataclass(frozen=True)
class Rep:
    """One finished rep (or one isometric hold), with the edges of each phase.

    ``rest_level`` and ``peak_level`` are in the protocol's signal units (degrees or lift ratio).
    """

    index: int
    concentric: Interval
    hold: Interval
    eccentric: Interval
    rest_level: float
    peak_level: float

    @property
    def start_s(self) -> float:
        return self.concentric.start_s

    @property
    def end_s(self) -> float:
        return self.eccentric.end_s

    @property
    def range_of_motion(self) -> float:
        return self.peak_level - self.rest_level


@dataclass(frozen=True)
class RepScore:
    rep: Rep
    score: int  # 0-100
    faults: tuple[str, ...]


@dataclass(frozen=True)
class QualityReport:
    """Whether the working leg was reliably in view; warnings are sentences a patient understands."""

    pose_coverage: float  # fraction of frames with a person
    leg_coverage: float  # fraction of frames where the working leg's knee, ankle, heel and toe were visible
    reliable: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Summary:
    rep_count: int
    good_rep_count: int
    longest_hold_s: float
    mean_score: float | None
    band_advice: str  # "harder" | "easier" | "stay"
    next_band: str | None
    fatigue: bool
