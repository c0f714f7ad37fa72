"""Synthetic signal traces with phase edges known exactly, for unit tests of the tempo logic."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RepSpec:
    start_s: float
    concentric_s: float
    hold_s: float
    eccentric_s: float
    rom: float = 1.0  # fraction of the full range reached

    @property
    def edges(self) -> tuple[float, float, float, float]:
        c1 = self.start_s + self.concentric_s
        e0 = c1 + self.hold_s
        return self.start_s, c1, e0, e0 + self.eccentric_s


def _eased(u: np.ndarray, ease_fraction: float) -> np.ndarray:
    """0→1 over u in [0, 1] at a steady pace with a smooth (constant-acceleration) start and stop."""
    e = np.clip(ease_fraction, 1e-6, 0.49)
    v = 1.0 / (1.0 - e)  # top speed so that the area is 1
    u = np.clip(u, 0.0, 1.0)
    out = np.where(u < e, 0.5 * v / e * u**2, 0.0)
    mid = (u >= e) & (u <= 1 - e)
    out = np.where(mid, 0.5 * v * e + v * (u - e), out)
    tail = u > 1 - e
    out = np.where(tail, 1.0 - 0.5 * v / e * (1.0 - u) ** 2, out)
    return out


def _slow_start(u: np.ndarray, accelerating: float, stopping: float) -> np.ndarray:
    """0→1 over u in [0, 1]: speeding up steadily for the first ``accelerating`` share of the time (a slow
    start), then a steady pace, then slowing to a stop over the last ``stopping`` share."""
    top = 1.0 / (1.0 - 0.5 * accelerating - 0.5 * stopping)
    u = np.clip(u, 0.0, 1.0)
    out = np.where(
        u < accelerating, 0.5 * top / accelerating * u**2, 0.5 * top * accelerating + top * (u - accelerating)
    )
    return np.where(u > 1 - stopping, 1.0 - 0.5 * top / stopping * (1.0 - u) ** 2, out)


def trace(
    t: np.ndarray,
    reps: list[RepSpec],
    rest: float = -10.0,
    full_range: float = 40.0,
    ease_s: float = 0.15,
    top_creep: float = 0.0,
    top_wobble: float = 0.0,
    return_speeding_up: float = 0.0,
) -> np.ndarray:
    """The signal of ``reps``; the optional shapes are what real tops and returns do:
    ``top_creep`` (share of the range) the top drifts over the hold, ``top_wobble`` (share of the range)
    the amplitude of a 1.7 Hz sway about it, ``return_speeding_up`` the share of the return spent
    accelerating from a standstill (a slow start)."""
    x = np.full_like(t, rest, dtype=float)
    for r in reps:
        c0, c1, e0, e1 = r.edges
        amp = full_range * r.rom
        up = (t >= c0) & (t < c1)
        x[up] = rest + amp * _eased((t[up] - c0) / r.concentric_s, ease_s / max(r.concentric_s, 1e-6))
        hold = (t >= c1) & (t < e0)
        drift = top_creep * amp * (t[hold] - c1) / max(r.hold_s, 1e-6)
        x[hold] = rest + amp + drift + top_wobble * amp * np.sin(2 * np.pi * 1.7 * (t[hold] - c1))
        top_at_return = amp + top_creep * amp
        down = (t >= e0) & (t < e1)
        u = (t[down] - e0) / r.eccentric_s
        shape = (
            _slow_start(u, return_speeding_up, ease_s / r.eccentric_s)
            if return_speeding_up
            else _eased(u, ease_s / r.eccentric_s)
        )
        x[down] = rest + top_at_return * (1 - shape)
    return x


def uniform_times(duration_s: float, fps: float = 30.0) -> np.ndarray:
    return np.arange(0.0, duration_s, 1.0 / fps)


def uneven_times(duration_s: float, rng: np.random.Generator, min_dt: float = 0.02, max_dt: float = 0.06) -> np.ndarray:
    steps = rng.uniform(min_dt, max_dt, size=int(duration_s / min_dt) + 10)
    t = np.cumsum(steps)
    return t[t < duration_s]


def tempo_set(
    n: int, c: float = 1.0, h: float = 2.0, e: float = 3.0, first_start: float = 2.0, rest_s: float = 2.0
) -> list[RepSpec]:
    reps, start = [], first_start
    for _ in range(n):
        reps.append(RepSpec(start, c, h, e))
        start += c + h + e + rest_s
    return reps


def landmarks_for_angle(angle_deg: float, width: int = 640, height: int = 480, foot_px: float = 80.0) -> np.ndarray:
    """(33, 4) BlazePose landmarks of a seated side view: the right foot at ``angle_deg`` of
    plantarflexion (0 = foot at 90° to the shank), the left foot still at neutral, all visible. The shank
    is 200 px; ``foot_px`` is the foot's apparent heel-to-toe length (about 120 px in a true side view,
    shorter when the foot turns out of the image plane)."""
    from vision.skeleton import LEG_POINTS
    from vision.types import Leg

    lm = np.full((33, 4), 0.5)
    lm[:, 3] = 0.9
    knee, ankle = np.array([300.0, 100.0]), np.array([300.0, 300.0])
    for leg, angle in ((Leg.RIGHT, angle_deg), (Leg.LEFT, 0.0)):
        theta = np.radians(angle)
        toe = ankle + foot_px * np.array([np.cos(theta), np.sin(theta)])
        k, a, heel, foot = LEG_POINTS[leg]
        for idx, (x, y) in {k: knee, a: ankle, heel: ankle, foot: toe}.items():
            lm[idx, 0], lm[idx, 1] = x / width, y / height
    return lm


def track_from_angles(t: np.ndarray, angle_deg: np.ndarray, width: int = 640, height: int = 480, foot_px: float = 80.0):
    """A ``PoseTrack`` whose right-foot plantarflexion follows ``angle_deg`` at times ``t``."""
    from vision.types import PoseTrack

    frames = [landmarks_for_angle(a, width, height, foot_px) for a in angle_deg]
    return PoseTrack(np.asarray(t, float), np.stack(frames), width, height)


def band_session(good: int, fast_returns: int = 0, protocol: str = "band-tempo", band: str | None = "red", gap_s=2.0):
    """A scored ``AnalysedSet`` from a synthetic side view: ``good`` reps on the 1-2-3 tempo, then
    ``fast_returns`` reps whose return takes 1 s (the athlete tiring)."""
    from vision.analysis import analyse_track
    from vision.protocols import load_protocol

    reps = tempo_set(good, rest_s=gap_s)
    start = reps[-1].edges[3] + gap_s if reps else 2.0
    for _ in range(fast_returns):
        reps.append(RepSpec(start, 1.0, 2.0, 1.0))
        start += 4.0 + gap_s
    t = uniform_times(start + 3.0)
    return analyse_track(track_from_angles(t, trace(t, reps)), load_protocol(protocol), band=band)


def body_sway(t: np.ndarray, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """Slow, irregular sway of a signal at rest (the body moving, an oblique view): six 0.3-2 Hz sines
    with random phases, scaled so that 95 % of samples lie within ±``amplitude``."""
    x = np.zeros_like(t, dtype=float)
    for f in rng.uniform(0.3, 2.0, 6):
        x += np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    return amplitude * x / np.percentile(np.abs(x), 95)
