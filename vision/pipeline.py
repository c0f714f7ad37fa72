"""The one place that knows every stage: video → pose → analysis, offline (``FormChecker``) and live
(``LiveCoach``).

Contract:
- ``FormChecker(protocol, leg=..., band=...).run_video(path, progress)`` decodes, runs pose, and scores.
- ``extract(path)`` (video → ``Extraction`` with the ``PoseTrack``) and ``analyse(extraction)`` (landmarks
  → ``AnalysedSet``) are separate, so the app re-scores a clip under another protocol, leg or band without
  running pose again.
- Every frame goes through ``vision.keypoint_flow``, which follows the feet's heel and toe by their own
  pixels; the pose model sees ten frames a second (``vision.sampling``; ``pose_interval_s=0``: every frame,
  the CLI's ``--every-frame``), and the landmarks of the frames between are interpolated in time. Both land
  in the ``PoseTrack`` (landmarks and followed points), so the signals can follow the heel however the clip
  is later re-scored. The live page poses every frame.
- ``LiveCoach(protocol, ...).process(frame) -> (annotated image, LiveState)`` runs pose on one camera
  frame, updates the live state (``vision.live``) and draws the overlay (``vision.annotate``);
  ``process_queued(frames)`` does that for a burst of frames, in order.
- The pose backend is injectable: ``estimator_factory`` (offline, one estimator per clip) and
  ``estimator`` (live) default to MediaPipe with the bundled model.
- Unreadable input raises ``VideoReadError``; a readable clip always gives an ``AnalysedSet`` (maybe 0 reps).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from vision.analysis import analyse_track
from vision.annotate import Overlay, annotate
from vision.keypoint_flow import KeypointFlow
from vision.live import LiveState, LiveTracker
from vision.pose import MediaPipePose, PoseEstimator
from vision.protocols import ExerciseProtocol
from vision.sampling import FAST_POSE_INTERVAL_S, PoseSchedule, fill_between
from vision.types import AnalysedSet, Frame, Leg, PoseTrack, RepScore, TrackBuilder, VideoInfo
from vision.video import DecodeStats, iter_frames, probe

Progress = Callable[[float], None]
EstimatorFactory = Callable[[], PoseEstimator]


@dataclass(frozen=True)
class Extraction:
    """A clip's landmarks and what the decoder said about it: everything scoring needs, no pixels."""

    info: VideoInfo
    track: PoseTrack
    decode: DecodeStats


class FormChecker:
    """Scores recorded clips under one prescription (protocol, leg, band).

    ``estimator_factory`` makes a fresh pose estimator per clip (MediaPipe's VIDEO mode needs one per
    stream); by default MediaPipe with ``model_path`` or the bundled model.
    """

    def __init__(
        self,
        protocol: ExerciseProtocol,
        leg: Leg | None = None,
        band: str | None = None,
        model_path: str | os.PathLike | None = None,
        *,
        estimator_factory: EstimatorFactory | None = None,
        pose_interval_s: float = FAST_POSE_INTERVAL_S,
    ) -> None:
        self.protocol = protocol
        self.pose_interval_s = pose_interval_s
        self.leg = leg
        self.band = band
        self.model_path = model_path
        self._factory = estimator_factory or (lambda: MediaPipePose(self.model_path))

    def make_estimator(self) -> PoseEstimator:
        return self._factory()

    def extract(self, path: str | os.PathLike, progress: Progress | None = None) -> Extraction:
        info = probe(path)
        expected = info.frame_count or (info.duration_s or 0) * (info.fps if np.isfinite(info.fps) else 30)
        stats = DecodeStats()
        builder = TrackBuilder()
        estimator = self.make_estimator()
        follow = KeypointFlow()
        schedule = PoseSchedule(self.pose_interval_s)
        posed: list[bool] = []
        landmarks = None
        try:
            for frame in iter_frames(path, stats=stats, colour_when=schedule.due):
                due = frame.image.ndim == 3  # the schedule asked for colour: the pose model sees this one
                if due:
                    landmarks = estimator(frame).landmarks
                posed.append(due)
                # Between poses the follower is placed by the last pose (its pull is far slower than that), and
                # the room's motion is read with the pose: the floor between is filled in afterwards.
                pixels = frame.luma if frame.luma is not None else frame.image
                builder.append(frame.t_s, landmarks, follow(pixels, frame.t_s, landmarks, read_motion=due))
                if progress and expected and frame.index % 10 == 0:
                    progress(min(0.99, (frame.index + 1) / expected))
        finally:
            estimator.close()
        track = fill_between(builder.build(info.width, info.height), np.array(posed, dtype=bool))
        if progress:
            progress(1.0)
        return Extraction(info, track, stats)

    def analyse(self, extraction: Extraction, source: str | None = None) -> AnalysedSet:
        return analyse_track(
            extraction.track,
            self.protocol,
            leg=self.leg,
            band=self.band,
            info=extraction.info,
            source=source or Path(extraction.info.path).name,
            damaged=extraction.decode.damaged,
        )

    def run_video(self, path: str | os.PathLike, progress: Progress | None = None) -> AnalysedSet:
        return self.analyse(self.extract(path, progress), Path(path).name)


# Live: queued frames older than this (behind the newest) are skipped, so on a machine that cannot keep up
# the cues lag the athlete by no more than about this. WebRTC delivers bursts of up to ~6 frames (0.2 s at
# 30 fps) after network jitter on a loopback connection; those are all analysed.
MAX_LIVE_LAG_S = 0.25


def recent_in_queue(times: Sequence[float]) -> list[int]:
    """Indices of the queued frames (by their times, oldest first) that are worth analysing: those no more
    than ``MAX_LIVE_LAG_S`` older than the newest. A caller may use it to skip decoding the others."""
    return [i for i, t in enumerate(times) if times[-1] - t <= MAX_LIVE_LAG_S]


class LiveCoach:
    """Live coaching for one camera stream: pose, then the live state, then the overlay.

    Built once per stream (one pose landmarker per stream) and called from the video thread; it touches
    no UI. ``state`` is the latest ``LiveState``; ``to_session`` the set so far.
    """

    def __init__(
        self,
        protocol: ExerciseProtocol,
        leg: Leg | None = None,
        band: str | None = None,
        estimator: PoseEstimator | None = None,
    ) -> None:
        self.protocol = protocol
        self.tracker = LiveTracker(protocol, leg, band)
        self.estimator = estimator or MediaPipePose()
        self._follow = KeypointFlow()

    @property
    def state(self) -> LiveState:
        return self.tracker.state

    @property
    def scores(self) -> list[RepScore]:
        return self.tracker.scores

    def process_queued(
        self, frames: Sequence[Frame], on_state: Callable[[LiveState], None] | None = None
    ) -> tuple[list[np.ndarray], LiveState]:
        """Every frame that queued up while the last ones were analysed, analysed and drawn in order.

        Frames arrive in bursts (network jitter), so analysing only the newest of a burst loses frames
        the machine had time for. Frames more than ``MAX_LIVE_LAG_S`` older than the newest mean the
        machine cannot keep up: they are skipped so cues stay current (the timestamps keep the tempo right).
        ``on_state`` sees every analysed frame's state (the spoken cues must not miss a phase inside a burst).
        """
        if not frames:
            raise ValueError("process_queued needs at least one frame")
        images = []
        for i in recent_in_queue([f.t_s for f in frames]):
            image, state = self.process(frames[i])
            images.append(image)
            if on_state is not None:
                on_state(state)
        return images, state

    def process(self, frame: Frame) -> tuple[np.ndarray, LiveState]:
        started = time.perf_counter()
        pose = self.estimator(frame)
        pose = replace(pose, followed=self._follow(frame.image, frame.t_s, pose.landmarks))
        h, w = frame.image.shape[:2]
        state = self.tracker.update(pose, w, h, started)
        overlay = Overlay(
            phase=state.phase,
            reps=state.reps,
            angle_from_rest_deg=state.angle_from_rest_deg,
            phase_elapsed_s=state.phase_elapsed_s,
            phase_target_s=state.phase_target_s,
            cue=state.cue,
            isometric=state.isometric,
        )
        return annotate(frame.image, pose.landmarks, state.leg, overlay), state

    def to_session(self, source: str = "webcam") -> AnalysedSet:
        return self.tracker.to_session(source)

    def close(self) -> None:
        self.estimator.close()
