"""Pipeline speed and memory: the whole ``calfcheck score`` process against bare inference.

Reports, for one clip:
- wall time of a whole ``calfcheck score CLIP --every-frame --json OUT`` process (the pose model on every
  frame, as bare inference does), against a separate "bare" process that
  does nothing but decode the clip with PyAV (``to_ndarray(format="rgb24")``, made contiguous, as
  ``mp.Image`` needs) and call MediaPipe's ``detect_for_video`` with the same model, imports included. It
  imports nothing from ``vision``: the baseline is not our code. The two run alternately, several
  rounds; the best time of each counts. Both must find the athlete in the same share of frames (a bare
  loop that hands MediaPipe PyAV's padded rows finds nobody, and is fast for the wrong reason).
- the real-time factor per core (the clip's duration over the wall time of a whole process held to one
  core): ``calfcheck score`` as it runs by default (the fast path: ten poses a second, the heel and toes
  followed on every frame, ``vision.sampling``) and with ``--every-frame``, alternately, best of each; the
  fast path also on the clip looped to 120 s (start-up spread over more video), and in a warm process, as an
  upload or batch worker scores its second clip (imports and the model's files loaded once, a fresh pose
  model per clip as always; also held to one core). The accuracy of both paths is ``bench_accuracy.py``'s.
- peak memory (max RSS of a fresh ``calfcheck score`` process) for a 30 s and a 120 s clip.
Targets: the whole process within 5 % of bare inference; at least 3x real time per core on the fast path;
memory does not grow with clip length.
Run: ``make benchmark`` (needs ../shared for the clip; falls back to the shipped sample).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
CLIP = ROOT.parent / "shared" / "clips" / "remix" / "tempo_123_x4.mp4"
if not CLIP.exists():
    CLIP = ROOT / "sample_videos" / "walking_and_box_jump_bsd3.mp4"


ROUNDS = 4
BARE = """
import sys, av, numpy as np, mediapipe as mp
from mediapipe.tasks.python.core.base_options import BaseOptions
from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode
options = PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=sys.argv[2]),
                                running_mode=RunningMode.VIDEO, num_poses=1)
landmarker = PoseLandmarker.create_from_options(options)
frames = found = 0
with av.open(sys.argv[1]) as container:
    for frame in container.decode(video=0):
        pixels = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
        result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=pixels),
                                             int(round(frame.time * 1000)))
        frames, found = frames + 1, found + bool(result.pose_landmarks)
landmarker.close()
print(found / frames)
"""
# A worker's process: the clip scored once to warm it, then timed (best of two), one estimator per clip.
WARM = """
import sys, time
from vision.pipeline import FormChecker
from vision.protocols import DEFAULT_PROTOCOL, load_protocol
checker = FormChecker(load_protocol(DEFAULT_PROTOCOL))
checker.run_video(sys.argv[1])
times = []
for _ in range(2):
    started = time.perf_counter()
    checker.run_video(sys.argv[1])
    times.append(time.perf_counter() - started)
print(min(times))
"""


def timed(cmd: list[str], one_core: bool = False) -> tuple[float, str]:
    """Wall time and stdout of ``cmd``; ``one_core``: the process (and its threads) held to one core."""
    core = min(os.sched_getaffinity(0))
    pin = (lambda: os.sched_setaffinity(0, {core})) if one_core else None
    started = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, preexec_fn=pin)
    return time.perf_counter() - started, res.stdout


def score_cmd(path: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "vision", "score", str(path), "--json", str(OUT / "score.json"), *options]


def per_core_times(path: Path, rounds: int = ROUNDS) -> tuple[float, float]:
    """Best wall time on one core of ``calfcheck score`` (fast path) and of ``--every-frame``, alternately."""
    fast, every = [], []
    for _ in range(rounds):
        fast.append(timed(score_cmd(path), one_core=True)[0])
        every.append(timed(score_cmd(path, "--every-frame"), one_core=True)[0])
    return min(fast), min(every)


def duration_s(path: Path) -> float:
    with av.open(str(path)) as c:
        times = [f.time for f in c.decode(video=0)]
    return times[-1] - times[0] + (times[-1] - times[-2])


def whole_process_times(path: Path) -> tuple[float, float]:
    """Best wall time of the bare process and of ``calfcheck score``, run alternately; both must see
    the athlete in the same share of frames."""
    model = ROOT / "models" / "pose_landmarker_full.task"
    report = OUT / "score.json"
    bare, score = [], []
    for _ in range(ROUNDS):
        seconds, out = timed([sys.executable, "-c", BARE, str(path), str(model)])
        bare.append(seconds)
        score.append(timed(score_cmd(path, "--every-frame"))[0])
        bare_coverage = float(out.strip().splitlines()[-1])
        score_coverage = json.loads(report.read_text())["quality"]["pose_coverage"]
        if abs(bare_coverage - score_coverage) > 0.01:
            raise SystemExit(
                f"the two processes saw different things: person in {bare_coverage:.1%} of frames "
                f"(bare) against {score_coverage:.1%} (calfcheck)"
            )
    return min(bare), min(score)


def frame_count(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def looped_clip(src: Path, seconds: float, dst: Path) -> Path:
    """Re-encode ``src`` looped to ``seconds`` (H.264), frames numbered continuously."""
    if dst.exists():
        return dst
    with av.open(str(src)) as probe_in:
        rate = probe_in.streams.video[0].average_rate
        width, height = probe_in.streams.video[0].codec_context.width, probe_in.streams.video[0].codec_context.height
    tb = Fraction(rate.denominator, rate.numerator)
    total = int(seconds * float(rate))
    partial = dst.with_name(f".{dst.name}.part.mp4")  # renamed when complete: a crash never leaves a bad clip
    with av.open(str(partial), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = stream.codec_context.time_base = tb
        stream.options = {"preset": "veryfast", "crf": "23"}
        n = 0
        while n < total:
            with av.open(str(src)) as inp:
                for frame in inp.decode(video=0):
                    if n >= total:
                        break
                    f = frame.reformat(format="yuv420p")
                    f.pts, f.time_base = n, tb
                    out.mux(stream.encode(f))
                    n += 1
        out.mux(stream.encode(None))
    partial.replace(dst)
    return dst


def peak_rss_mb(path: Path) -> float:
    """Peak RSS of a fresh process that scores ``path`` (each clip measured in its own process)."""
    code = (
        "import resource, sys; from vision.cli import main; main(['score', sys.argv[1]]); "
        "sys.stderr.write('RSS_KIB %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    res = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, check=True, capture_output=True, text=True)
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("RSS_KIB"))
    return int(line.split()[1]) / 1024


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    bare_s, score_s = whole_process_times(CLIP)
    frames = frame_count(CLIP)
    overhead = (score_s / bare_s - 1) * 100
    seconds_of_video = duration_s(CLIP)
    fast_s, every_s = per_core_times(CLIP)
    memory, loops = {}, {}
    for seconds in (30, 120):
        loops[seconds] = looped_clip(CLIP, seconds, OUT / f"loop_{seconds}s.mp4")
        memory[seconds] = peak_rss_mb(loops[seconds])  # separate processes: each measured from a fresh start
    long_fast_s = timed(score_cmd(loops[120]), one_core=True)[0]
    warm_fast_s = float(timed([sys.executable, "-c", WARM, str(CLIP)], one_core=True)[1].strip().splitlines()[-1])
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "clip": CLIP.name,
        "frames": frames,
        "bare_process_s": round(bare_s, 2),
        "score_process_s": round(score_s, 2),
        "bare_fps": round(frames / bare_s, 1),
        "score_fps": round(frames / score_s, 1),
        "overhead_pct": round(overhead, 1),
        "clip_s": round(seconds_of_video, 2),
        "one_core_fast_s": round(fast_s, 2),
        "one_core_every_frame_s": round(every_s, 2),
        "realtime_per_core_fast": round(seconds_of_video / fast_s, 2),
        "realtime_per_core_every_frame": round(seconds_of_video / every_s, 2),
        "realtime_per_core_fast_120s": round(120 / long_fast_s, 2),
        "one_core_fast_warm_worker_s": round(warm_fast_s, 2),
        "realtime_per_core_fast_warm_worker": round(seconds_of_video / warm_fast_s, 2),
        "rounds": ROUNDS,
        "peak_rss_mb_30s": round(memory[30], 1),
        "peak_rss_mb_120s": round(memory[120], 1),
    }
    (OUT / "pipeline.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    print(
        f"| clip | bare process | calfcheck score | overhead | peak RSS 30 s | peak RSS 120 s |\n"
        f"|---|---|---|---|---|---|\n| {CLIP.name} ({frames} frames) | {bare_s:.2f} s | {score_s:.2f} s | "
        f"{overhead:+.1f} % (target ≤ 5 %) | {memory[30]:.0f} MB | {memory[120]:.0f} MB |"
    )
    print(
        "\n| one core | every frame (--every-frame) | fast path (default) | fast path, 120 s clip "
        "| fast path, a warm worker's clip |\n"
        f"|---|---|---|---|---|\n| {CLIP.name} ({seconds_of_video:.1f} s) | {every_s:.2f} s = "
        f"{seconds_of_video / every_s:.2f}x real time | {fast_s:.2f} s = {seconds_of_video / fast_s:.2f}x real time "
        f"(target ≥ 3x) | {long_fast_s:.2f} s = {120 / long_fast_s:.2f}x real time | {warm_fast_s:.2f} s = "
        f"{seconds_of_video / warm_fast_s:.2f}x real time |"
    )


if __name__ == "__main__":
    main()
