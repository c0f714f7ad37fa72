"""Pose estimation: a frame in, 33 BlazePose landmarks out.

Contract: a ``PoseEstimator`` is an object you call, ``pose_frame = estimator(frame)``, and close when
done. ``MediaPipePose`` wraps the MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode: one instance per
stream, timestamps sent to it increase strictly (equal milliseconds are nudged forward by 1 ms). The
model bundle ships in ``models/`` (a checkout) and is installed to ``<prefix>/share/calfcheck/models``
(a wheel); ``default_model_path()`` finds it, ``CALFCHECK_MODEL`` overrides it. Nothing is downloaded.
Landmark indices and leg chains are data in ``vision.skeleton``, not here.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Protocol

import numpy as np

from vision.errors import CalfcheckError
from vision.types import LANDMARK_COLUMNS, LANDMARK_COUNT, Frame, PoseFrame

MODEL_NAME = "pose_landmarker_full.task"
# Where the bundle lives: a source checkout keeps it in models/; an installed wheel puts it under the
# environment's prefix (pyproject's data-files), because package data cannot reach outside vision/.
MODEL_DIRS = (Path(__file__).resolve().parent.parent / "models", Path(sys.prefix) / "share" / "calfcheck" / "models")


def default_model_path(name: str = MODEL_NAME) -> Path:
    """``CALFCHECK_MODEL`` if set, else the first of ``MODEL_DIRS`` holding ``name`` (else the first's path)."""
    override = os.environ.get("CALFCHECK_MODEL")
    if override:
        return Path(override)
    for folder in MODEL_DIRS:
        if (folder / name).is_file():
            return folder / name
    return MODEL_DIRS[0] / name


def contiguous_rgb(image: np.ndarray) -> np.ndarray:
    """``image`` as one C-contiguous block, which is what ``mp.Image`` requires.

    ``mp.Image`` ignores the row padding of a strided array: a PyAV frame whose 600-px rows are padded
    to 1824 bytes reaches the model skewed, and it finds nobody in any frame (and runs faster for it,
    which once made a "bare inference" baseline look 40 % quicker than it is). So every frame is
    copied once unless it is contiguous already.
    """
    return np.ascontiguousarray(image)


class PoseEstimator(Protocol):
    def __call__(self, frame: Frame) -> PoseFrame: ...

    def close(self) -> None: ...


def empty_landmarks() -> np.ndarray:
    return np.full((LANDMARK_COUNT, LANDMARK_COLUMNS), np.nan)


@contextlib.contextmanager
def _native_stderr_silenced():
    """TFLite and absl write start-up chatter straight to fd 2; keep it out of the user's terminal."""
    try:
        saved = os.dup(2)
    except OSError:  # no real fd 2 (some embedded runtimes): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class MediaPipePose:
    """MediaPipe Tasks PoseLandmarker, VIDEO running mode, single person."""

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        *,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        path = Path(model_path) if model_path else default_model_path()
        if not path.is_file():
            raise CalfcheckError(f"pose model not found at {path}; pass --model PATH to a .task bundle")
        with _native_stderr_silenced():
            import mediapipe as mp
            from mediapipe.tasks.python.core.base_options import BaseOptions
            from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

            options = PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(path)),
                running_mode=RunningMode.VIDEO,
                num_poses=1,
                min_pose_detection_confidence=min_detection_confidence,
                min_pose_presence_confidence=min_presence_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            try:
                self._landmarker = PoseLandmarker.create_from_options(options)
            except (RuntimeError, ValueError) as exc:
                raise CalfcheckError(f"cannot load pose model {path.name}: {exc}") from None
        self._mp = mp
        self._last_ms = -1
        # MediaPipe logs from C++ straight to fd 2 when it builds its graph and again when it first
        # tracks a person; calls are silenced until a few frames after the first detection.
        self._quiet_calls_after_detection = 3
        self._seen_person = False

    def _timestamp_ms(self, t_s: float) -> int:
        ms = int(round(t_s * 1000.0))
        if ms <= self._last_ms:
            ms = self._last_ms + 1
        self._last_ms = ms
        return ms

    def __call__(self, frame: Frame) -> PoseFrame:
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=contiguous_rgb(frame.image))
        stamp = self._timestamp_ms(frame.t_s)
        if self._quiet_calls_after_detection <= 0:
            result = self._landmarker.detect_for_video(image, stamp)
        else:
            with _native_stderr_silenced():
                result = self._landmarker.detect_for_video(image, stamp)
            if self._seen_person:
                self._quiet_calls_after_detection -= 1
            self._seen_person = self._seen_person or bool(result.pose_landmarks)
        return PoseFrame(t_s=frame.t_s, landmarks=self._to_array(result))

    @staticmethod
    def _to_array(result) -> np.ndarray:
        if not result.pose_landmarks:
            return empty_landmarks()
        points = result.pose_landmarks[0]
        out = np.empty((LANDMARK_COUNT, LANDMARK_COLUMNS))
        for i, p in enumerate(points[:LANDMARK_COUNT]):
            vis = p.visibility if p.visibility is not None else np.nan
            out[i] = (p.x, p.y, p.z, vis)
        return out

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # closing explicitly avoids mediapipe's noisy __del__ at exit
        with contextlib.suppress(Exception):
            self.close()
