"""calfcheck's phases on real footage against an independent trace of the heel (``benchmarks/heel_trace.py``).

For each real clip of heel raises in ../shared (today: ``wall_calf_raise_60fps.mp4``, two reps with holds,
a real athlete), it prints each rep's push, hold and return as calfcheck times them (heel lift and the ankle
angle, with the heel and toes followed by their pixels, and as before from the pose model's landmarks alone)
and as the same edge rules time an independent dense-optical-flow trace of the heel against the floor (and,
for comparison, against the toes).
Run: ``python benchmarks/bench_heel_trace.py`` (needs ../shared). Results: the README's accuracy section.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
REAL = ROOT.parent / "shared" / "clips" / "real"
CLIPS = ["wall_calf_raise_60fps.mp4"]
PHASES = ("concentric", "hold", "eccentric")


def durations(reps) -> np.ndarray:
    return np.array([[getattr(r, p).duration_s for p in PHASES] for r in reps])


def main() -> int:
    from bench_accuracy import cached_track
    from heel_trace import heel_trace, phase_durations

    from vision.analysis import analyse_track
    from vision.pose import default_model_path
    from vision.protocols import load_protocol

    if not REAL.is_dir():
        print(f"needs the real clips in {REAL}", file=sys.stderr)
        return 2
    print(
        "| clip | signal | reps | push, hold, return per rep (s) | largest push/hold difference from the heel trace |"
    )
    print("|---|---|---|---|---|")
    for name in CLIPS:
        track = cached_track(REAL / name, default_model_path())
        followed = analyse_track(track, load_protocol("heel-raise"))
        truth = durations(phase_durations(*heel_trace(REAL / name, track, followed.leg)))
        above_toes = durations(phase_durations(*heel_trace(REAL / name, track, followed.leg, above="toe")))
        rows = [("independent heel trace, above the floor", truth), ("independent trace, heel above toes", above_toes)]
        for label, tr in (("followed", track), ("pose model only", replace(track, followed=None))):
            for protocol, signal in (("heel-raise", "heel lift"), ("band-tempo", "angle")):
                session = analyse_track(tr, load_protocol(protocol), leg=followed.leg)
                rows.append((f"{signal}, {label}", durations([s.rep for s in session.scores])))
        for label, d in rows:
            text = "; ".join(", ".join(f"{v:.2f}" for v in rep) for rep in d)
            diff = "-" if d is truth or d.shape != truth.shape else f"{np.abs(d - truth)[:, :2].max():.2f} s"
            print(f"| {name} | {label} | {len(d)} | {text} | {diff} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
