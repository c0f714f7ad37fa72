"""Batch throughput: clips per minute with 1 and 2 workers on this machine, and the speed-up.

Scores the same set of remix clips (../shared) twice into fresh folders. Run: ``make benchmark``.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
REMIX = ROOT.parent / "shared" / "clips" / "remix"
CLIPS = ["tempo_123_x4.mp4", "fast_return_121_x4.mp4", "no_hold_103_x4.mp4", "iso_hold_22s.mp4"]


def main() -> None:
    from vision.batch import run_batch

    if not REMIX.is_dir():
        sys.exit("needs ../shared/clips/remix")
    inputs = [str(REMIX / c) for c in CLIPS]
    result = {"clips": len(inputs)}
    for workers in (1, 2):
        out = Path(tempfile.mkdtemp(prefix=f"bench{workers}-"))
        started = time.perf_counter()
        rows = run_batch(inputs, out, workers=workers, quiet=True).rows
        elapsed = time.perf_counter() - started
        assert all(r["status"] == "ok" for r in rows)
        result[f"clips_per_min_{workers}w"] = round(len(inputs) / elapsed * 60, 2)
        result[f"seconds_{workers}w"] = round(elapsed, 1)
        shutil.rmtree(out)
    result["speedup"] = round(result["clips_per_min_2w"] / result["clips_per_min_1w"], 2)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "batch.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    print(
        f"| workers | clips/min | time for {len(inputs)} clips |\n|---|---|---|\n"
        f"| 1 | {result['clips_per_min_1w']} | {result['seconds_1w']} s |\n"
        f"| 2 | {result['clips_per_min_2w']} | {result['seconds_2w']} s |\n\nspeed-up: {result['speedup']}x"
    )


if __name__ == "__main__":
    main()
