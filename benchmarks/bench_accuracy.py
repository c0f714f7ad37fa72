"""Timing accuracy on the remix clips (every rep's phases known to the frame), per signal and per pose model.

Reports, for each pose model given (default: every ``models/*.task``):
- for the tempo clips, whether the rep count is exact, and the mean and the largest absolute error of the
  push, hold and return durations against the labels, per clip, read from the ankle angle (``band-tempo``)
  and from heel lift (``heel-raise``): the steady clips, then the slow ones (a 6 s lowering, a lowering
  that stalls, a 3 s push) and the eased one (moves that ease in and out, as people move);
- for the clips with stalls, each stall found against the labelled one;
- for the isometric clips, the hold-time error;
- a diagnostic for the next step of the heel-lift signal (``--heel-diagnostic``): the followed heel against the
  picture itself (what a still camera's floor is) beside heel lift (the heel against the toes), on the raw labels
  and, for the steady clips, on their labels moved to where the shared README says the movement starts (their
  edges sit about 5 % of each movement inside it; the slow clips were clocked by the heel's own pixels).
Both extraction paths are measured side by side: every frame posed (``--every-frame``) and the default fast
path (ten poses a second, the heel and toes followed on every frame: ``vision.sampling``).
``--jitter N`` scores the tempo clips again N times with a fifth of a pixel of random jitter added to every
landmark and followed point (fast path): how far the figures move when the pose model's output differs by less
than another machine's or another run's would, and how many draws still meet the issue's limits.
``--scale S`` (repeatable) measures the tempo clips again as a smaller camera would film them: each clip scaled by
S and re-encoded as H.264 into ``benchmarks/out/scaled/``, on the fast path only (the shared footage is 600 x
1058; 0.5 is a 300 x 529 picture, the foot about 40 px long).
Pose and the followed points run once per clip, model and path; the track is cached in ``benchmarks/out/tracks/``
(keyed by the clip's, the model's and the point follower's content hashes), so re-running after a change to
the analysis takes seconds.
Run: ``make benchmark`` or ``python benchmarks/bench_accuracy.py [--model PATH ...]`` (needs ../shared).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
REMIX = ROOT.parent / "shared" / "clips" / "remix"
STEADY_CLIPS = ["tempo_123_x4", "fast_return_121_x4", "no_hold_103_x4", "mixed_x5", "tempo_123_x13"]
SLOW_CLIPS = ["slow_return_126_x3", "stalled_return_x3", "slow_push_313_x3", "eased_mixed_x4"]
TEMPO_CLIPS = STEADY_CLIPS + SLOW_CLIPS
ISO_CLIPS = ["iso_hold_22s", "iso_hold_34s"]
SIGNALS = {"angle": "band-tempo", "heel lift": "heel-raise"}
PHASES = ("concentric", "hold", "eccentric")


def cached_track(clip: Path, model: Path, every_frame: bool = True):
    """The clip's track as ``calfcheck score`` extracts it: every frame posed, or (``every_frame`` False)
    the default fast path (``vision.sampling``)."""
    from vision.outputs import file_sha256
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol
    from vision.records.landmarks import pack, unpack
    from vision.sampling import FAST_POSE_INTERVAL_S

    followed = ("keypoint_flow.py", "picture_motion.py")
    used = followed if every_frame else (*followed, "sampling.py", "video.py")
    code = "".join(file_sha256(ROOT / "vision" / f)[:6] for f in used)
    sampling = "every" if every_frame else f"fast{FAST_POSE_INTERVAL_S:g}"
    key = f"{clip.stem}-{file_sha256(clip)[:12]}-{file_sha256(model)[:12]}-{code}-{sampling}.npz"
    path = OUT / "tracks" / key
    if path.exists():
        return unpack(path.read_bytes())
    interval = 0.0 if every_frame else FAST_POSE_INTERVAL_S
    track = FormChecker(load_protocol("band-tempo"), model_path=model, pose_interval_s=interval).extract(clip).track
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pack(track))
    return track


def tempo_errors(track, labels: dict, protocol: str) -> tuple[bool, list[float], list[str]]:
    """Whether the count is exact, each phase's duration error, and each labelled stall against the found ones."""
    from vision.analysis import analyse_track
    from vision.protocols import load_protocol

    session = analyse_track(track, load_protocol(protocol))
    exact = len(session.scores) == len(labels["reps"])
    errors = [
        abs(getattr(s.rep, phase).duration_s - (lab[phase][1] - lab[phase][0]))
        for s, lab in zip(session.scores, labels["reps"])
        for phase in PHASES
    ]
    stalls = []
    for s, lab in zip(session.scores, labels["reps"]):
        for want in lab.get("eccentric_stalls", []):
            (a, b), share = want["interval"], want["share_of_the_way_down"]
            found = [st for st in s.rep.stalls if st.interval.start_s < b and st.interval.end_s > a]
            first = found[0] if found else None
            got = (
                f"{first.share_of_the_way_down:.2f} at {first.interval.start_s:.2f}-{first.interval.end_s:.2f} s"
                if first
                else "not found"
            )
            stalls.append(f"rep {s.rep.index}: {share:.2f} at {a:.2f}-{b:.2f} s -> {got}")
    return exact, errors, stalls


def hold_error(track, labels: dict) -> float:
    from vision.analysis import analyse_track
    from vision.protocols import load_protocol

    session = analyse_track(track, load_protocol("band-isometric"))
    expected = labels["reps"][0]["hold"][1] - labels["reps"][0]["hold"][0]
    if len(session.scores) != 1:
        return float("inf")
    return abs(session.scores[0].rep.hold.duration_s - expected)


def movement_edges(labels: dict) -> dict:
    """The steady clips' labels with each push and return widened by 5 % of its duration at both ends (at the top
    only as far as the hold allows): where the shared README says their movement starts and stops (the labels
    sit about 5 % of the rise inside it)."""
    reps = []
    for lab in labels["reps"]:
        (c0, c1), (e0, e1) = lab["concentric"], lab["eccentric"]
        dc, de = 0.05 * (c1 - c0), 0.05 * (e1 - e0)
        top_c, top_e = min(dc, (e0 - c1) / 2), min(de, (e0 - c1) / 2)  # a turnaround with no hold stays one instant
        reps.append(
            {"concentric": [c0 - dc, c1 + top_c], "hold": [c1 + top_c, e0 - top_e], "eccentric": [e0 - top_e, e1 + de]}
        )
    return {**labels, "reps": reps}


def heel_diagnostic(model: Path) -> None:
    """Phase MAE of three clocks of the heel, every frame posed: heel lift as scored (above the followed floor), the
    followed heel against the picture (a still camera's floor; no camera-motion compensation, so a diagnostic
    only), and the angle; on the raw labels and on the steady clips' movement edges."""
    from vision.analysis import FOLLOWED_CUTOFF_HZ, analyse_track, track_reps
    from vision.filters import zero_phase_lowpass
    from vision.protocols import load_protocol
    from vision.signals import followed_landmarks, shank_length_px
    from vision.skeleton import LEG_POINTS

    heel_raise = load_protocol("heel-raise")
    print("\n| clip | labels | heel lift (above the followed floor) | heel against the picture | angle |")
    print("|---|---|---|---|---|")
    for name in TEMPO_CLIPS:
        labels = json.loads((REMIX / f"{name}.json").read_text())
        track = cached_track(REMIX / f"{name}.mp4", model, True)
        session = analyse_track(track, heel_raise)
        points = followed_landmarks(track.landmarks, track.followed)[:, list(LEG_POINTS[session.leg]), :2]
        shank = shank_length_px(track.landmarks, session.leg, track.width, track.height)
        heel_up = -points[:, 2, 1] * track.height / shank
        ok = np.isfinite(heel_up)
        t = track.t_s[ok]
        against_picture = track_reps(t, zero_phase_lowpass(t, heel_up[ok], FOLLOWED_CUTOFF_HZ), heel_raise).reps
        readings = {
            "heel lift": [s.rep for s in session.scores],
            "picture": against_picture,
            "angle": [s.rep for s in analyse_track(track, load_protocol("band-tempo")).scores],
        }
        variants = {"raw": labels} | ({"movement edges": movement_edges(labels)} if name in STEADY_CLIPS else {})
        for which, labs in variants.items():
            cells = []
            for reps in readings.values():
                errors = [
                    abs(getattr(r, ph).duration_s - (lab[ph][1] - lab[ph][0]))
                    for r, lab in zip(reps, labs["reps"])
                    for ph in PHASES
                ]
                count = "" if len(reps) == len(labs["reps"]) else f" ({len(reps)} reps)"
                cells.append(f"{np.mean(errors):.3f}{count}")
            print(f"| {name} | {which} | " + " | ".join(cells) + " |")


PATHS = {"every frame": True, "fast": False}  # --every-frame, and the default (vision.sampling)


def measure(model: Path, every_frame: bool) -> dict:
    result: dict = {"model": model.name, "path": "every frame" if every_frame else "fast", "clips": {}}
    for signal, protocol in SIGNALS.items():
        all_errors: list[float] = []
        all_exact = True
        for name in TEMPO_CLIPS:
            labels = json.loads((REMIX / f"{name}.json").read_text())
            track = cached_track(REMIX / f"{name}.mp4", model, every_frame)
            exact, errors, stalls = tempo_errors(track, labels, protocol)
            result["clips"].setdefault(name, {})[signal] = {
                "count_exact": exact,
                "mae_s": float(np.mean(errors)),
                "max_s": float(np.max(errors)),
                "stalls": stalls,
            }
            if name in STEADY_CLIPS:
                all_errors += errors
            all_exact &= exact
        result[signal] = {"counts_exact": all_exact, "mae_s": float(np.mean(all_errors))}
    result["isometric_hold_error_s"] = {
        name: hold_error(
            cached_track(REMIX / f"{name}.mp4", model, every_frame),
            json.loads((REMIX / f"{name}.json").read_text()),
        )
        for name in ISO_CLIPS
    }
    return result


JITTER_PX = 0.2  # a fifth of a pixel: far below what the pose model's landmarks move between frames of a still foot
LIMITS = {"steady MAE": 0.105, "slow clip MAE": 0.15, "largest slow phase": 0.35}  # the issue's


def jittered(track, rng: np.random.Generator, px: float = JITTER_PX):
    """``track`` with ``px`` pixels of random jitter (SD, per axis) on every landmark and followed point."""
    from dataclasses import replace

    scale = px / np.array([track.width, track.height])
    landmarks = track.landmarks.copy()
    landmarks[..., :2] += rng.normal(0.0, 1.0, landmarks[..., :2].shape) * scale
    followed = track.followed
    if followed is not None:
        followed = followed + rng.normal(0.0, 1.0, followed.shape) * scale
    return replace(track, landmarks=landmarks, followed=followed)


def measure_jittered(model: Path, draws: int) -> None:
    """Each signal's figures against the issue's limits, unchanged and on ``draws`` jittered copies of each track."""
    tracks = {name: cached_track(REMIX / f"{name}.mp4", model, every_frame=False) for name in TEMPO_CLIPS}
    labels = {name: json.loads((REMIX / f"{name}.json").read_text()) for name in TEMPO_CLIPS}
    print("\n| draw | signal | " + " | ".join(LIMITS) + " | meets the limits |\n|---|---|---|---|---|---|")
    for draw in range(-1, draws):
        rng = np.random.default_rng(max(draw, 0))
        copies = {name: track if draw < 0 else jittered(track, rng) for name, track in tracks.items()}
        for signal, protocol in SIGNALS.items():
            steady, slow, largest, exact = [], [], 0.0, True
            for name in TEMPO_CLIPS:
                ok, errors, _ = tempo_errors(copies[name], labels[name], protocol)
                exact &= ok
                if name in STEADY_CLIPS:
                    steady += errors
                else:
                    slow.append(float(np.mean(errors)))
                    largest = max(largest, float(np.max(errors)))
            figures = (float(np.mean(steady)), max(slow), largest)
            meets = exact and all(f <= limit for f, limit in zip(figures, LIMITS.values()))
            cells = " | ".join(f"{f:.3f} s" for f in figures)
            print(f"| {'none' if draw < 0 else draw} | {signal} | {cells} | {'yes' if meets else 'NO'} |")


def measure_scaled(model: Path, scale: float) -> None:
    """The tempo clips scaled by ``scale`` (a smaller picture of the same movement), on the fast path: per clip and
    signal the count, the phase MAE and largest error, and how many labelled stalls were found."""
    from tests.videos import trimmed_copy

    print(f"\n| scale {scale:g} | " + " | ".join(f"{s}: MAE / largest" for s in SIGNALS) + " |")
    print("|---|" + "---|" * len(SIGNALS))
    for name in TEMPO_CLIPS:
        scaled = OUT / "scaled" / f"{name}-x{scale:g}.mp4"
        if not scaled.exists():
            scaled.parent.mkdir(parents=True, exist_ok=True)
            trimmed_copy(REMIX / f"{name}.mp4", scaled, float("inf"), scale)
        labels = json.loads((REMIX / f"{name}.json").read_text())
        track = cached_track(scaled, model, every_frame=False)
        cells = []
        for protocol in SIGNALS.values():
            exact, errors, stalls = tempo_errors(track, labels, protocol)
            found = sum("not found" not in line for line in stalls)
            cells.append(
                f"{np.mean(errors):.3f} / {np.max(errors):.2f} s{'' if exact else ' (count wrong)'}"
                + (f", stalls {found}/{len(stalls)}" if stalls else "")
            )
        print(f"| {name} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", type=Path, help="a pose model bundle (repeatable)")
    parser.add_argument("--heel-diagnostic", action="store_true", help="only the heel clocks side by side")
    parser.add_argument("--scale", action="append", type=float, help="only the clips scaled by this (repeatable)")
    parser.add_argument("--jitter", type=int, metavar="N", help="only N draws of sub-pixel jitter on the tracks")
    args = parser.parse_args(argv)
    if not REMIX.is_dir():
        print(f"needs the remix clips in {REMIX}", file=sys.stderr)
        return 2
    models = args.model or sorted((ROOT / "models").glob("*.task"))
    if args.heel_diagnostic:
        heel_diagnostic(models[0])
        return 0
    if args.jitter:
        measure_jittered(models[0], args.jitter)
        return 0
    if args.scale:
        for scale in args.scale:
            measure_scaled(models[0], scale)
        return 0
    results = [measure(m, every) for m in models for every in PATHS.values()]
    print("| model | path | signal | counts exact | phase MAE, steady clips |\n|---|---|---|---|---|")
    for r in results:
        for signal in SIGNALS:
            exact = "yes" if r[signal]["counts_exact"] else "NO"
            print(f"| {r['model']} | {r['path']} | {signal} | {exact} | {r[signal]['mae_s']:.3f} s |")
    print("\n| model | path | clip | " + " | ".join(f"{s}: MAE / largest" for s in SIGNALS) + " |")
    print("|---|---|---|" + "---|" * len(SIGNALS))
    for r in results:
        for name in TEMPO_CLIPS:
            cells = [r["clips"][name][s] for s in SIGNALS]
            text = " | ".join(
                f"{c['mae_s']:.3f} / {c['max_s']:.2f} s{'' if c['count_exact'] else ' (count wrong)'}" for c in cells
            )
            print(f"| {r['model']} | {r['path']} | {name} | {text} |")
    for r in results:
        for name in TEMPO_CLIPS:
            for signal in SIGNALS:
                for line in r["clips"][name][signal]["stalls"]:
                    print(f"{r['model']} {r['path']} {name} {signal}: stall {line}")
    for r in results:
        holds = ", ".join(f"{k} {v:.2f} s" for k, v in r["isometric_hold_error_s"].items())
        print(f"{r['model']} {r['path']}: isometric hold error {holds}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "accuracy.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
