"""Pure drawing: ``annotate(image, landmarks, leg, overlay) -> new image``.

Contract: never mutates its input; knows nothing of video files or UI. Draws the working leg's
skeleton (hip-knee-ankle-heel-toe), the angle at the ankle, a phase banner with a timer for the current
phase (countdown to its target, or elapsed against the isometric limit), and the rep counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from vision.skeleton import LEG_CHAIN
from vision.types import Leg, Phase

PHASE_COLOURS = {  # RGB
    Phase.REST: (120, 130, 140),
    Phase.CONCENTRIC: (46, 160, 67),
    Phase.HOLD: (230, 170, 20),
    Phase.ECCENTRIC: (170, 70, 200),
}
PHASE_LABEL = {Phase.REST: "REST", Phase.CONCENTRIC: "PUSH", Phase.HOLD: "HOLD", Phase.ECCENTRIC: "RETURN"}


@dataclass(frozen=True)
class Overlay:
    phase: Phase
    reps: int
    angle_from_rest_deg: float | None  # movement from the athlete's own rest: meaningful in any view
    phase_elapsed_s: float = 0.0
    phase_target_s: float | None = None
    cue: str = ""
    isometric: bool = False


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, colour, thickness: int) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)


def phase_timer_text(o: Overlay) -> str:
    if o.phase == Phase.REST:
        return ""
    if o.isometric and o.phase == Phase.HOLD and o.phase_target_s:
        return f"{o.phase_elapsed_s:.0f} / {o.phase_target_s:.0f} s"
    if o.phase_target_s:
        return f"{max(0.0, o.phase_target_s - o.phase_elapsed_s):.1f} s"
    return f"{o.phase_elapsed_s:.1f} s"


def annotate(image: np.ndarray, landmarks: np.ndarray | None, leg: Leg | None, overlay: Overlay) -> np.ndarray:
    img = image.copy()
    h, w = img.shape[:2]
    scale = max(0.5, min(w, h) / 720)
    colour = PHASE_COLOURS[overlay.phase]
    if landmarks is not None and leg is not None and np.isfinite(landmarks[:, 0]).any():
        pts = []
        for idx in LEG_CHAIN[leg]:
            x, y, _, vis = landmarks[idx]
            ok = np.isfinite(x) and np.isfinite(y) and (not np.isfinite(vis) or vis >= 0.3)
            pts.append((int(x * w), int(y * h)) if ok else None)
        for a, b in zip(pts[:-1], pts[1:]):
            if a and b:
                cv2.line(img, a, b, (255, 255, 255), max(2, int(6 * scale)), cv2.LINE_AA)
                cv2.line(img, a, b, colour, max(1, int(3 * scale)), cv2.LINE_AA)
        for p in pts[:5]:
            if p:
                cv2.circle(img, p, max(3, int(6 * scale)), colour, -1, cv2.LINE_AA)
        ankle = pts[2]
        moved = overlay.angle_from_rest_deg
        if ankle and moved is not None and math.isfinite(moved):
            label, size, thick = f"{moved:+.0f} deg from rest", 0.8 * scale, max(1, int(2 * scale))
            (text_w, text_h), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, size, thick + 3)
            # Right of the ankle when it fits, else left of it: the label never runs off the picture.
            x = ankle[0] + int(12 * scale)
            if x + text_w > w:
                x = max(0, ankle[0] - int(12 * scale) - text_w)
            y = min(max(ankle[1] - int(12 * scale), text_h + 2), h - 2)
            _text(img, label, (x, y), size, (255, 255, 255), thick)
    banner_h = int(56 * scale)
    cv2.rectangle(img, (0, 0), (w, banner_h), colour, -1)
    _text(
        img,
        PHASE_LABEL[overlay.phase],
        (int(12 * scale), int(40 * scale)),
        1.2 * scale,
        (255, 255, 255),
        max(2, int(3 * scale)),
    )
    timer = phase_timer_text(overlay)
    if timer:
        _text(img, timer, (int(w * 0.38), int(40 * scale)), 1.1 * scale, (255, 255, 255), max(2, int(3 * scale)))
    reps = f"reps {overlay.reps}"
    (tw, _), _ = cv2.getTextSize(reps, cv2.FONT_HERSHEY_SIMPLEX, 1.1 * scale, max(2, int(3 * scale)))
    _text(img, reps, (w - tw - int(12 * scale), int(40 * scale)), 1.1 * scale, (255, 255, 255), max(2, int(3 * scale)))
    if overlay.cue:
        _text(
            img,
            overlay.cue,
            (int(12 * scale), h - int(16 * scale)),
            0.8 * scale,
            (255, 255, 255),
            max(1, int(2 * scale)),
        )
    return img
