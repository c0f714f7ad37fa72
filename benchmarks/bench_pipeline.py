"""Pipeline speed and memory (issue: score a clip end to end).

Reports, for one clip:
- frames/s of bare decode + MediaPipe inference on the same frames, and of the whole ``score`` pipeline;
- peak memory (max RSS of a fresh ``calfcheck score`` process) for a 30 s and a 120 s clip.
Targets: the pipeline adds at most 15 % over decode + inference; memory does not grow with clip length.
Run: ``make benchmark`` (needs ../shared for the clip; falls back to the shipped sample).
"""

from __future__ import annotations

import json
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


def bare_fps(path: Path) -> float:
    from vision.pose import MediaPipePose
    from vision.video import iter_frames

    with MediaPipePose() as pose:
        started, n = time.perf_counter(), 0
        for frame in iter_frames(path):
            pose(frame)
            n += 1
    return n / (time.perf_counter() - started)


def pipeline_fps(path: Path) -> float:
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol

    started = time.perf_counter()
    session = FormChecker(load_protocol("band-tempo")).run_video(path)
    from vision.report import to_json

    to_json(session)
    return len(session.track) / (time.perf_counter() - started)


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
    bare = max(bare_fps(CLIP) for _ in range(2))
    full = max(pipeline_fps(CLIP) for _ in range(2))
    overhead = (bare / full - 1) * 100
    memory = {}
    for seconds in (30, 120):
        clip = looped_clip(CLIP, seconds, OUT / f"loop_{seconds}s.mp4")
        memory[seconds] = peak_rss_mb(clip)  # separate processes: each measured from a fresh start
    result = {
        "clip": CLIP.name,
        "decode_plus_inference_fps": round(bare, 1),
        "pipeline_fps": round(full, 1),
        "pipeline_overhead_pct": round(overhead, 1),
        "peak_rss_mb_30s": round(memory[30], 1),
        "peak_rss_mb_120s": round(memory[120], 1),
    }
    (OUT / "pipeline.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    print(
        f"| clip | decode+inference fps | pipeline fps | overhead | peak RSS 30 s | peak RSS 120 s |\n"
        f"|---|---|---|---|---|---|\n| {CLIP.name} | {bare:.1f} | {full:.1f} | {overhead:+.1f} % | "
        f"{memory[30]:.0f} MB | {memory[120]:.0f} MB |"
    )


if __name__ == "__main__":
    main()
