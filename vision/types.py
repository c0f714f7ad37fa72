"""Typed values that flow through the pipeline, and the product's vocabulary as enums.

Contract: every stage passes these frozen dataclasses, never dicts; one scored set is an ``AnalysedSet`` (a day's
sets are a training session in the records, ``TrainingSessionInfo``; SQLAlchemy's session is ``OrmSession``).
Phases, legs, signals, protocol kinds, band advice and fault codes are ``StrEnum``s, so they compare
equal to (and serialise as) their stable string values in reports. Times are seconds taken from
container timestamps (``t_s``), never derived from frame counts. Landmark arrays follow BlazePose's
33-point order with columns (x, y, z, visibility); x and y are normalised to the displayed
(rotation-corrected) image, and a missing landmark is NaN, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: protocols imports this module
    from vision.protocols import ExerciseProtocol

LANDMARK_COUNT = 33
LANDMARK_COLUMNS = 4  # x, y, z, visibility
FOLLOWED_SHAPE = (2, 3, 2)  # legs (Leg order) x heel, toe, floor x (x, y), normalised like landmarks
HEEL, TOE, FLOOR = range(3)  # the followed points of each leg, in FOLLOWED_SHAPE's order
HEEL_TOE_SHAPE = (2, 2, 2)  # what tracks stored before the floor was followed hold (read as no floor)


class Phase(StrEnum):
    """Where the athlete is inside a rep. The tempo tracker moves REST → CONCENTRIC → HOLD → ECCENTRIC."""

    REST = "rest"
    CONCENTRIC = "concentric"
    HOLD = "hold"
    ECCENTRIC = "eccentric"


class Leg(StrEnum):
    LEFT = "left"
    RIGHT = "right"


class SignalKind(StrEnum):
    """Which signal an exercise is timed from (see ``vision.signals`` for the conventions)."""

    ANGLE = "angle"  # plantarflexion angle, degrees
    HEEL_LIFT = "heel_lift"  # heel height above the floor under the toes, shank lengths


class ProtocolKind(StrEnum):
    """The built-in exercise kinds' names: by the tempo of each rep, by hold time, or by the return alone.
    A protocol's ``kind`` is any registered kind's name (``vision.kinds``); these are the ones that ship."""

    TEMPO = "tempo"
    ISOMETRIC = "isometric"
    ECCENTRIC = "eccentric"


class Outcome(StrEnum):
    """How one training session went against its band's target (the programme's word for it)."""

    PASSED = "passed"  # above the band's limit (more than 12 reps, a hold past 30 s): a tougher band is due
    WORKING = "working"  # at or under the limit, taken to fatigue: the band is right
    NOT_TO_FATIGUE = "not_to_fatigue"  # no set was taken to fatigue (or a hold was cut off): no evidence
    COLLAPSED = "collapsed"  # scores collapsed inside a set before the limit
    FAILED = "failed"  # under the band's floor (6 reps, a 10 s hold), taken to fatigue: too tough
    IN_PROGRESS = "in_progress"  # the day's sets are not all done yet: judged once the session is complete
    SHORT = "short"  # above the limit, but fewer sets than prescribed and the day is over: cannot move up
    REASSESS = "reassess"  # the first session after a layoff: a reassessment, not a step of the ladder
    VERSION_DOUBT = "version_doubt"  # every set looks like the eccentric-only version, saved as the full one


class BandAdvice(StrEnum):
    HARDER = "harder"
    EASIER = "easier"
    STAY = "stay"


class Fault(StrEnum):
    """Stable fault codes: reports and other tools read them."""

    PUSH_TOO_FAST = "push_too_fast"
    PUSH_TOO_SLOW = "push_too_slow"
    HOLD_TOO_SHORT = "hold_too_short"
    HOLD_TOO_LONG = "hold_too_long"
    RETURN_TOO_FAST = "return_too_fast"
    RETURN_TOO_SLOW = "return_too_slow"
    PARTIAL_RANGE = "partial_range"
    HOLD_CUT_OFF = "hold_cut_off"
    RETURN_STALLED = "return_stalled"  # only under a protocol that asks for a continuous lowering


# Faults that say the band is too tough (the athlete cannot move it through the range at the prescribed pace);
# the others are technique to coach (a return slower than prescribed is control, not weakness). The programme
# counts a rep towards the band's limit unless it has one of these.
TOO_TOUGH_FAULTS = frozenset(
    {Fault.PARTIAL_RANGE, Fault.PUSH_TOO_SLOW, Fault.HOLD_TOO_SHORT, Fault.RETURN_TOO_FAST, Fault.RETURN_STALLED}
)

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
    """One decoded, upright image and the moment it was shown.

    ``image`` is RGB, except where the decoder was told only brightness is needed (``vision.video``'s
    ``colour_when``): then it is the grey (luma) plane. ``luma``, when the decoder gave it, is that plane on
    every frame: one consistent brightness for following pixels from frame to frame (an RGB image turned
    grey differs from the decoder's luma by a level or so, which pixel following reads as motion).
    """

    image: np.ndarray  # (H, W, 3) uint8 RGB, or (H, W) uint8 grey
    t_s: float
    index: int
    luma: np.ndarray | None = None  # (H, W) uint8


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
    """Landmarks of the most prominent person in one frame; all NaN when nobody was found.

    ``followed``: each foot's heel and toe as their own pixels carried them, and the floor under its toes
    (``vision.keypoint_flow``), ``FOLLOWED_SHAPE``; None when no image was followed (stored landmarks).
    """

    t_s: float
    landmarks: np.ndarray  # (33, 4): x, y (normalised), z, visibility
    followed: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.landmarks.shape != (LANDMARK_COUNT, LANDMARK_COLUMNS):
            raise ValueError(f"landmarks must be (33, 4), got {self.landmarks.shape}")
        if self.followed is not None and self.followed.shape != FOLLOWED_SHAPE:
            raise ValueError(f"followed points must be {FOLLOWED_SHAPE}, got {self.followed.shape}")

    @property
    def has_person(self) -> bool:
        return bool(np.isfinite(self.landmarks[:, 0]).any())


@dataclass(frozen=True)
class PoseTrack:
    """Landmarks for a whole clip: the cache that lets a clip be re-scored without running pose again.

    ``followed`` (N, 2, 3, 2): each foot's heel and toe as their pixels carried them, and the floor under its toes
    as the picture around the feet carried it (``vision.keypoint_flow``), NaN where not followed; None for a
    track recorded before calfcheck followed pixels (its signals come from the landmarks).
    """

    t_s: np.ndarray  # (N,) strictly increasing seconds
    landmarks: np.ndarray  # (N, 33, 4)
    width: int
    height: int
    followed: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = self.t_s.shape[0]
        if self.landmarks.shape != (n, LANDMARK_COUNT, LANDMARK_COLUMNS):
            raise ValueError(f"landmarks must be ({n}, 33, 4), got {self.landmarks.shape}")
        if self.followed is not None and self.followed.shape != (n, *FOLLOWED_SHAPE):
            raise ValueError(f"followed points must be ({n}, {FOLLOWED_SHAPE}), got {self.followed.shape}")
        if n > 1 and not np.all(np.diff(self.t_s) > 0):
            raise ValueError("timestamps must increase strictly")

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    def select(self, keep: np.ndarray) -> PoseTrack:
        """The frames where ``keep`` (a boolean mask or indices) says so, followed points included."""
        followed = None if self.followed is None else self.followed[keep]
        return PoseTrack(self.t_s[keep], self.landmarks[keep], self.width, self.height, followed)


class TrackBuilder:
    """Collects per-frame landmarks into a few large blocks.

    One small array per frame, interleaved with the decoder's megabyte-sized frame buffers, fragments the
    heap: the benchmark saw a 120 s clip (4 MB of landmarks) hold about 130 MB more than a 30 s one.
    Blocks of ``BLOCK`` frames keep memory flat however long the clip is.
    """

    BLOCK = 1024

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []
        self._followed: list[np.ndarray] = []
        self._times: list[np.ndarray] = []
        self._n = 0
        self._any_followed = False

    def append(self, t_s: float, landmarks: np.ndarray, followed: np.ndarray | None = None) -> None:
        i = self._n % self.BLOCK
        if i == 0:
            self._blocks.append(np.empty((self.BLOCK, LANDMARK_COUNT, LANDMARK_COLUMNS)))
            self._followed.append(np.full((self.BLOCK, *FOLLOWED_SHAPE), np.nan, dtype=np.float32))
            self._times.append(np.empty(self.BLOCK))
        self._blocks[-1][i] = landmarks
        if followed is not None:
            self._followed[-1][i] = followed
            self._any_followed = True
        self._times[-1][i] = t_s
        self._n += 1

    def __len__(self) -> int:
        return self._n

    @property
    def last_t(self) -> float | None:
        """The newest timestamp collected, or None before the first frame."""
        return float(self._times[-1][(self._n - 1) % self.BLOCK]) if self._n else None

    def build(self, width: int, height: int) -> PoseTrack:
        if self._n == 0:
            return PoseTrack(np.zeros(0), np.zeros((0, LANDMARK_COUNT, LANDMARK_COLUMNS)), width, height)
        followed = np.concatenate(self._followed)[: self._n].astype(float) if self._any_followed else None
        n = self._n
        return PoseTrack(np.concatenate(self._times)[:n], np.concatenate(self._blocks)[:n], width, height, followed)


@dataclass(frozen=True)
class Interval:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


@dataclass(frozen=True)
class Stall:
    """A pause inside a return: where on the way down (0 at the top, 1 at the floor) and when.

    Where an athlete stalls is clinical information (weakness or pain in that part of the range); the
    return's interval runs from the top to the floor with its stalls inside it."""

    share_of_the_way_down: float
    interval: Interval


@dataclass(frozen=True)
class Rep:
    """One rep (or one isometric hold), with the edges of each phase.

    ``rest_level`` and ``peak_level`` are in the protocol's signal units (degrees or lift ratio).
    ``incomplete``: the clip ended before the rep did (at the top, or before the return settled); its
    phases are the part that happened, and it is reported but never counted. ``stalls``: where the
    return paused on the way down (inside ``eccentric``).
    """

    index: int
    concentric: Interval
    hold: Interval
    eccentric: Interval
    rest_level: float
    peak_level: float
    incomplete: bool = False
    stalls: tuple[Stall, ...] = ()

    @property
    def start_s(self) -> float:
        return self.concentric.start_s

    @property
    def end_s(self) -> float:
        return self.eccentric.end_s

    @property
    def range_of_motion(self) -> float:
        return self.peak_level - self.rest_level

    def interval(self, phase: Phase) -> Interval:
        """The span of one of the rep's three moving phases (REST has no span inside a rep)."""
        return {Phase.CONCENTRIC: self.concentric, Phase.HOLD: self.hold, Phase.ECCENTRIC: self.eccentric}[phase]


@dataclass(frozen=True)
class RepScore:
    rep: Rep
    score: int  # 0-100
    faults: tuple[Fault, ...]
    # Measures the exercise kind adds to each rep (``ExerciseKind.rep_data``): they travel as data through
    # the report, storage and the programme, never as new columns.
    data: dict[str, float] = field(default_factory=dict)

    @property
    def incomplete(self) -> bool:
        return self.rep.incomplete


@dataclass(frozen=True)
class QualityReport:
    """Whether the working leg was reliably in view; warnings are sentences a patient understands."""

    pose_coverage: float  # fraction of frames with a person
    leg_coverage: float  # fraction of frames where the working leg's knee, ankle, heel and toe were visible
    reliable: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)
    # Side-on enough for absolute angles (``vision.view``); None when not judged (no reps, no leg).
    side_on: bool | None = None


@dataclass(frozen=True)
class Summary:
    rep_count: int
    good_rep_count: int
    longest_hold_s: float
    mean_score: float | None
    band_advice: BandAdvice
    next_band: str | None
    fatigue: bool
    # Every push fast with no hold while the returns are controlled: the eccentric-only version, most likely,
    # scored as the full one (``ExerciseKind.looks_eccentric_only``); the set then says nothing about the band.
    looks_eccentric_only: bool = False


@dataclass(frozen=True)
class LegChoice:
    """The working leg and the evidence it was chosen on."""

    leg: Leg
    movement: dict[Leg, float]  # robust range of the signal for each leg
    coverage: dict[Leg, float]  # fraction of frames with the leg visible


@dataclass(frozen=True)
class AnalysedSet:
    """One scored set: the landmarks, the signals the tracker saw, the scored reps and their summary."""

    source: str
    info: VideoInfo
    protocol: ExerciseProtocol
    leg_choice: LegChoice
    band: str | None
    track: PoseTrack
    angle_raw: np.ndarray  # working leg, degrees, per frame
    angle: np.ndarray  # working leg, smoothed (zero-phase) for display
    signal: np.ndarray  # the protocol's signal as the tracker saw it (filtered)
    scores: list[RepScore]
    summary: Summary
    quality: QualityReport
    abandoned_reps: int

    @property
    def leg(self) -> Leg:
        return self.leg_choice.leg

    @property
    def finished_scores(self) -> list[RepScore]:
        """The reps that count (``scores`` may end with one the clip cut off, marked incomplete)."""
        return [s for s in self.scores if not s.incomplete]

    @property
    def duration_s(self) -> float:
        """From the frames' own timestamps (container durations are unreliable for variable frame rate)."""
        t = self.track.t_s
        if len(t) >= 2:
            return float(t[-1] - t[0] + np.median(np.diff(t)))
        return float(self.info.duration_s or 0.0)

    def phase_at(self, t_s: np.ndarray) -> list[Phase]:
        """The phase at each time, read from the scored reps (REST outside them)."""
        out = [Phase.REST] * len(t_s)
        for s in self.scores:
            for phase in (Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC):
                span = s.rep.interval(phase)
                for i in np.flatnonzero((t_s >= span.start_s) & (t_s < span.end_s)):
                    out[i] = phase
        return out
