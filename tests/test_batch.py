"""Batch scoring of a folder: error rows, resume, interruption, manifests and the Ray path."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REMIX, ROOT, ctrl_c_as_in_a_terminal, needs_shared

pytestmark = [needs_shared]
GOOD = {"tempo_123_x4.mp4": 4, "fast_return_121_x4.mp4": 4, "no_hold_103_x4.mp4": 4}


def make_folder(root: Path) -> Path:
    folder = root / "clips"
    (folder / "week2").mkdir(parents=True)
    for i, name in enumerate(GOOD):
        shutil.copy(REMIX / name, (folder / "week2" if i == 2 else folder) / name)  # one in a subfolder
    (folder / "truncated.mp4").write_bytes((REMIX / "mixed_x5.mp4").read_bytes()[:60_000])
    (folder / "notes.mp4").write_text("physio notes, not a video\n" * 40)
    (folder / "empty.mp4").write_bytes(b"")
    return folder


def batch(*args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "vision", "batch", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        **kw,
    )


def read_csv(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def comparable(rows: list[dict]) -> list[tuple]:
    return sorted(
        (
            Path(r["file"]).name,
            r["status"],
            r["reps"],
            r["mean_score"],
            r["band_advice"],
            r["longest_hold_s"],
            bool(r["error"]),
        )
        for r in rows
    )


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    folder = make_folder(root)
    out = root / "out"
    res = batch(folder, "--out", out, "--workers", "2", "--quiet")
    return folder, out, res


def test_mixed_folder_gives_a_row_per_clip(first_run):
    folder, out, res = first_run
    assert res.returncode == 1, res.stderr  # some clips failed
    assert "Traceback" not in res.stderr
    rows = read_csv(out / "summary.csv")
    assert len(rows) == 6
    by_name = {Path(r["file"]).name: r for r in rows}
    for name, reps in GOOD.items():
        assert by_name[name]["status"] == "ok" and int(by_name[name]["reps"]) == reps
        report = json.loads((out / name.replace(".mp4", ".json")).read_text())
        assert report["schema"] == "calfcheck.score/1" and report["summary"]["rep_count"] == reps
    assert "empty" in by_name["empty.mp4"]["error"]
    assert "not a readable video" in by_name["notes.mp4"]["error"]
    assert "damaged" in by_name["truncated.mp4"]["error"]
    assert all(r["status"] == "error" for n, r in by_name.items() if n not in GOOD)
    reps = read_csv(out / "reps.csv")
    assert len(reps) == sum(GOOD.values())
    assert not list(out.glob(".*.part"))


def test_resume_scores_nothing_again(first_run):
    folder, out, _ = first_run
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    before = comparable(read_csv(out / "summary.csv"))
    started = time.time()
    res = batch(folder, "--out", out, "--resume", "--quiet")
    assert res.returncode == 1
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == stamps  # nothing rewritten
    assert comparable(read_csv(out / "summary.csv")) == before
    assert time.time() - started < 30  # hashing, no pose


def test_changed_clip_is_scored_again_on_resume(first_run, tmp_path):
    folder, out, _ = first_run
    work = tmp_path / "out"
    shutil.copytree(out, work)
    empty = folder / "empty.mp4"  # changed in place (a result belongs to its clip's path), restored after
    try:
        empty.write_bytes(b"still not a video")  # its content changed: its hash no longer matches
        stamp = (work / "empty.json").stat().st_mtime_ns
        untouched = (work / "tempo_123_x4.json").stat().st_mtime_ns
        batch(folder, "--out", work, "--resume", "--quiet")
    finally:
        empty.write_bytes(b"")
    assert (work / "empty.json").stat().st_mtime_ns != stamp
    assert json.loads((work / "empty.json").read_text())["status"] == "error"
    assert (work / "tempo_123_x4.json").stat().st_mtime_ns == untouched


def test_interrupt_then_resume_gives_the_same_results(first_run, tmp_path):
    folder, out, _ = first_run
    work = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "vision", "batch", str(folder), "--out", str(work), "--workers", "2", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    deadline = time.time() + 300
    while time.time() < deadline and not any(
        p.name in ("tempo_123_x4.json", "fast_return_121_x4.json", "no_hold_103_x4.json") for p in work.glob("*.json")
    ):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "--resume" in err
    assert not [p for p in work.iterdir() if p.name.startswith(".")]  # no partial files
    done_before = {p.name for p in work.glob("*.json")}
    assert 0 < len(done_before) < 6
    res = batch(folder, "--out", work, "--resume", "--quiet")
    assert res.returncode == 1
    assert comparable(read_csv(work / "summary.csv")) == comparable(read_csv(out / "summary.csv"))
    assert not [p for p in work.iterdir() if p.name.startswith(".")]


def test_manifest_gives_each_clip_its_own_prescription_and_saves_it_to_the_athletes_record(tmp_path):
    from vision.records import Records

    db = f"sqlite:///{tmp_path / 'records.db'}"
    with Records.open(db) as records:
        records.add_athlete("ana")
        records.add_athlete("ben")
    manifest = tmp_path / "sessions.csv"
    manifest.write_text(
        "path,athlete,leg,protocol,band,load_kg,date\n"
        f"{REMIX / 'tempo_123_x4.mp4'},ana,left,heel-raise,,7.5,2026-11-02\n"
        f"{REMIX / 'iso_hold_34s.mp4'},ben,,band-isometric,blue,,\n"
    )
    out = tmp_path / "out"
    res = batch(manifest, "--out", out, "--quiet", "--workers", "2", "--db", db)
    assert res.returncode == 0, res.stderr
    rows = {r["athlete"]: r for r in read_csv(out / "summary.csv")}
    assert rows["ana"]["protocol"] == "heel-raise" and rows["ana"]["leg"] == "left" and rows["ana"]["reps"] == "4"
    assert rows["ben"]["protocol"] == "band-isometric" and rows["ben"]["band_advice"] == "harder"
    assert json.loads((out / "iso_hold_34s.json").read_text())["summary"]["next_band"] == "black"
    assert "_record" not in json.loads((out / "iso_hold_34s.json").read_text())  # landmarks go to the database

    # each clip is in its athlete's record, with landmarks, on the manifest's day (or today)
    with Records.open(db) as records:
        [ana] = records.sessions(records.athlete("ana").id)
        [ben] = records.sessions(records.athlete("ben").id)
        assert (ana.day.isoformat(), ana.source, ana.protocol, ana.band) == ("2026-11-02", "batch", "heel-raise", None)
        assert (ana.load_kg, ben.load_kg) == (7.5, None)  # the heel raise's load, from the manifest
        assert ana.sets[0].rep_count == 4 and ana.sets[0].has_landmarks
        assert json.loads(ben.sets[0].report_json)["summary"]["longest_hold_s"] > 30
    # re-running, with --resume or without, never saves twice
    for again in (["--resume"], []):
        res = batch(manifest, "--out", out, "--quiet", "--workers", "2", "--db", db, *again)
        assert res.returncode == 0, res.stderr
    with Records.open(db) as records:
        sessions = [s for name in ("ana", "ben") for s in records.sessions(records.athlete(name).id)]
        assert [len(s.sets) for s in sessions] == [1, 1]


def test_a_manifest_load_that_is_not_a_number_stops_before_any_work(tmp_path):
    manifest = tmp_path / "sessions.csv"
    manifest.write_text(f"path,protocol,load_kg\n{REMIX / 'tempo_123_x4.mp4'},heel-raise,ten\n")
    res = batch(manifest, "--out", tmp_path / "out", "--quiet")
    assert res.returncode == 2 and "line 2: load_kg 'ten' is not a number of kilograms" in res.stderr
    assert "Traceback" not in res.stderr and not list((tmp_path / "out").glob("*.json"))  # nothing scored


def test_a_manifest_naming_an_unknown_athlete_stops_before_any_work(tmp_path):
    manifest = tmp_path / "sessions.csv"
    manifest.write_text(f"path,athlete\n{REMIX / 'tempo_123_x4.mp4'},nobody\n")
    out = tmp_path / "out"
    db = f"sqlite:///{tmp_path / 'records.db'}"
    from vision.records import Records

    with Records.open(db) as records:
        records.add_athlete("Ana")
    res = batch(manifest, "--out", out, "--quiet", "--db", db)
    assert res.returncode == 1
    assert "no athlete called 'nobody'" in res.stderr and "Traceback" not in res.stderr
    assert not list(out.glob("*.json"))  # nothing was scored


@pytest.mark.parametrize("args", [["nowhere/*.mp4"], ["--protocol", "band-purple", str(REMIX)]])
def test_usage_errors_exit_2(tmp_path, args):
    res = batch(*args, "--out", tmp_path / "o")
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_ray_path_gives_the_same_summary(first_run, tmp_path):
    pytest.importorskip("ray")
    folder, out, _ = first_run
    res = batch(folder, "--out", tmp_path / "ray", "--ray", "local", "--workers", "2", "--quiet")
    assert res.returncode == 1, res.stderr
    assert comparable(read_csv(tmp_path / "ray" / "summary.csv")) == comparable(read_csv(out / "summary.csv"))


def test_bad_manifest_values_become_clear_error_rows(tmp_path, sample_video):
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        f"path,athlete,leg,protocol,band\n{sample_video},cy,left,band-tempo,purple\n"
        f"{sample_video},dee,middle,band-tempo,\n"
    )
    from vision.records import Records

    db = f"sqlite:///{tmp_path / 'records.db'}"
    with Records.open(db) as records:
        records.add_athlete("cy")
        records.add_athlete("dee")
    out = tmp_path / "out"
    res = batch(manifest, "--out", out, "--quiet", "--workers", "1", "--db", db)
    assert res.returncode == 1
    rows = {r["athlete"]: r for r in read_csv(out / "summary.csv")}
    assert "unknown band colour 'purple'" in rows["cy"]["error"]
    assert "unknown leg 'middle'" in rows["dee"]["error"]


def test_every_frame_is_a_different_scoring_so_resume_scores_again(tmp_path):
    """``--every-frame`` poses every frame instead of ten a second: a result scored the other way does
    not count as done."""
    from vision.batch.jobs import collect_jobs

    clip = str(REMIX / "tempo_123_x4.mp4")
    fast = collect_jobs([clip], tmp_path, protocol="band-tempo")
    every = collect_jobs([clip], tmp_path, protocol="band-tempo", every_frame=True)
    assert [j.every_frame for j in fast + every] == [False, True]
    assert fast[0].options_key() != every[0].options_key()
