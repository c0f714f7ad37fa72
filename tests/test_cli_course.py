"""The course commands of the CLI: athletes, score --athlete, history, report; errors in one sentence."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import REMIX, needs_shared
from tests.test_cli import calfcheck


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'records.db'}"


def test_athletes_are_added_with_a_prescription_listed_and_shown(db):
    res = calfcheck("athlete", "add", "Ana Silva", "--band", "red", "--protocol", "band-isometric", "--db", db)
    assert res.returncode == 0, res.stderr
    assert "added athlete Ana Silva" in res.stdout and "band-isometric on red" in res.stdout
    listed = calfcheck("athlete", "list", "--db", db)
    assert "Ana Silva" in listed.stdout
    shown = calfcheck("athlete", "show", "ana silva", "--db", db)
    assert shown.returncode == 0, shown.stderr
    assert "left leg" in shown.stdout and "right leg" in shown.stdout
    assert "no session on red yet" in shown.stdout
    changed = calfcheck("athlete", "prescribe", "Ana Silva", "--leg", "left", "--band", "green", "--protocol",
                        "band-isometric", "--reason", "hold past 30 s", "--db", db)  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert "no session on green yet" in calfcheck("athlete", "show", "Ana Silva", "--db", db).stdout


def test_heel_raises_are_prescribed_with_a_load(db):
    res = calfcheck("athlete", "add", "Ana", "--protocol", "heel-raise", "--load-kg", "7.5", "--db", db)
    assert res.returncode == 0, res.stderr
    assert "prescribed heel-raise with 7.5 kg" in res.stdout
    assert "heel-raise with 7.5 kg" in calfcheck("athlete", "show", "Ana", "--db", db).stdout
    body = calfcheck("athlete", "prescribe", "Ana", "--protocol", "heel-raise", "--load-kg", "0", "--db", db)
    assert body.returncode == 0 and "now heel-raise at body weight" in body.stdout, body.stderr
    for typo in ("-5", "nan", "2500", "ten"):
        bad = calfcheck("athlete", "prescribe", "Ana", "--protocol", "heel-raise", "--load-kg", typo, "--db", db)
        assert bad.returncode == 2 and "--load-kg" in bad.stderr and "Traceback" not in bad.stderr, typo
    both = calfcheck("athlete", "prescribe", "Ana", "--band", "red", "--load-kg", "5", "--db", db)
    assert both.returncode == 1 and "with a band or with a load in kg, not both" in both.stderr


def test_user_errors_are_one_sentence_and_exit_1(db, tmp_path):
    calfcheck("athlete", "add", "Ana", "--db", db)
    again = calfcheck("athlete", "add", "ana", "--db", db)
    assert again.returncode == 1 and again.stderr.strip() == "calfcheck: there is already an athlete called 'Ana'"
    unknown = calfcheck("history", "Bob", "--db", db)
    assert unknown.returncode == 1 and "no athlete called 'Bob'" in unknown.stderr
    not_a_url = calfcheck("athlete", "list", "--db", "my database")
    assert not_a_url.returncode == 1 and "is not a database URL" in not_a_url.stderr
    down = calfcheck("athlete", "list", "--db", "postgresql+psycopg://ana:s3cret@127.0.0.1:9/calfcheck")
    assert down.returncode == 1 and "cannot reach the database server" in down.stderr
    assert "s3cret" not in down.stderr  # never a password in a message
    engine = create_engine(db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    engine.dispose()
    newer = calfcheck("athlete", "list", "--db", db)
    assert newer.returncode == 1 and "made by a newer calfcheck" in newer.stderr
    for res in (again, unknown, not_a_url, down, newer):
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


@needs_shared
def test_score_saves_to_the_athlete_prints_advice_and_history_and_report_follow(db, tmp_path):
    clip = REMIX / "tempo_123_x4.mp4"
    calfcheck("athlete", "add", "Ana", "--band", "red", "--db", db)
    unknown = calfcheck("score", clip, "--athlete", "Nobody", "--db", db)
    assert unknown.returncode == 1 and "no athlete called 'Nobody'" in unknown.stderr
    assert "reps" not in unknown.stdout  # refused before scoring, not after

    # no --protocol or --band: the athlete's prescription (band-tempo on red) fills them in
    res = calfcheck("score", clip, "--athlete", "Ana", "--date", "2026-11-02", "--db", db)
    assert res.returncode == 0, res.stderr
    assert "Saved for Ana: 02 Nov 2026, session 1, set 1." in res.stdout
    # 4 reps, every one still on tempo when the set stopped: not taken to fatigue, so no evidence either way
    assert "Next session for Ana" in res.stdout and "this session is no evidence either way" in res.stdout
    again = calfcheck("score", clip, "--athlete", "Ana", "--band", "red", "--date", "2026-11-02", "--db", db)
    assert again.returncode == 0
    assert "Already on Ana's record (02 Nov 2026, session 1, set 1): not saved again." in again.stdout

    history = calfcheck("history", "Ana", "--csv", "-", "--db", db)
    assert history.returncode == 0, history.stderr
    [row] = list(csv.DictReader(io.StringIO(history.stdout)))
    assert (row["date"], row["band"], row["reps"], row["reps_on_tempo"], row["source"]) == (
        "2026-11-02", "red", "4", "4", "cli",
    )  # fmt: skip
    pdf = tmp_path / "ana.pdf"
    rep = calfcheck("report", "Ana", "--pdf", pdf, "--db", db)
    assert rep.returncode == 0, rep.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split(":")[1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 1 <= pages <= 2
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Progress report — Ana" in words and "no evidence either way" in words
