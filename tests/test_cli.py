"""The CLI contract: exit codes, one-line errors, the JSON schema and the trace CSV."""

import csv
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLE_VIDEO


def calfcheck(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "vision", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_score_sample_writes_the_versioned_schema(tmp_path):
    out, reps_csv = tmp_path / "r.json", tmp_path / "r.csv"
    res = calfcheck("score", SAMPLE_VIDEO, "--json", out, "--csv", reps_csv, "--band", "green")
    assert res.returncode == 0, res.stderr
    report = json.loads(out.read_text())
    assert report["schema"] == "calfcheck.score/1"
    assert report["source"] == SAMPLE_VIDEO.name and report["protocol"] == "band-tempo"
    assert report["leg"] in ("left", "right")
    assert set(report["summary"]) >= {
        "rep_count",
        "longest_hold_s",
        "mean_score",
        "band_advice",
        "next_band",
        "fatigue",
    }
    assert set(report["quality"]) >= {"pose_coverage", "warnings"}
    assert report["duration_s"] == pytest.approx(7.67, abs=0.1)  # 230 frames at 30 fps
    # A walking and jumping clip is not the exercise: the quality gate says why instead of counting.
    assert report["summary"]["rep_count"] == 0 and report["quality"]["warnings"]
    assert "No reps found" in res.stdout
    assert reps_csv.read_text().splitlines()[0].startswith("source,index,start_s")
    assert "Traceback" not in res.stderr


def test_trace_writes_one_row_per_frame(tmp_path):
    out = tmp_path / "trace.csv"
    res = calfcheck("trace", SAMPLE_VIDEO, "--csv", out)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 230
    assert {"t_s", "ankle_x", "heel_vis", "angle_deg", "heel_lift", "phase"} <= set(rows[0])
    times = [float(r["t_s"]) for r in rows]
    assert all(b > a for a, b in zip(times, times[1:]))


@pytest.mark.parametrize("kind", ["empty", "text", "truncated", "missing"])
def test_unreadable_video_gives_one_line_and_nonzero_exit(tmp_path, kind):
    path = tmp_path / f"{kind}.mp4"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("not a video at all\n")
    elif kind == "truncated":
        path.write_bytes(SAMPLE_VIDEO.read_bytes()[:50_000])
    out = tmp_path / "out.json"
    res = calfcheck("score", path, "--json", out)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("calfcheck: ") and path.name in lines[0]
    assert "Traceback" not in res.stderr
    assert not out.exists()  # nothing half-written


def test_unknown_protocol_is_one_line():
    res = calfcheck("score", SAMPLE_VIDEO, "--protocol", "band-purple")
    assert res.returncode == 1 and "unknown protocol" in res.stderr and "Traceback" not in res.stderr


def test_usage_error_exits_2():
    assert calfcheck("score").returncode == 2
    assert calfcheck("score", SAMPLE_VIDEO, "--leg", "middle").returncode == 2


def test_console_script_is_installed():
    import shutil

    exe = shutil.which("calfcheck") or str(ROOT / ".venv" / "bin" / "calfcheck")
    res = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "score" in res.stdout
