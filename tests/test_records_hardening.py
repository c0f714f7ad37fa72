"""Hardening the records (the issue "nothing lost, nothing leaked, nothing that breaks a record for good").

Each test names the item it guards. Expected values are what the test itself typed (names, dates, paths),
never read back from the code under test.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import date

import pytest

from tests.conftest import REMIX, ROOT, needs_shared
from tests.synthetic import band_session
from tests.videos import trimmed_copy
from vision.records import Records, SetToSave, StoreError
from vision.report import csv_text
from vision.store.database import translate


def calfcheck(*args, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vision", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})},
    )  # fmt: skip


def one_line_error(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    return res.stderr.strip()


def sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def db(tmp_path) -> tuple[str, os.PathLike]:
    path = tmp_path / "records.db"
    url = f"sqlite:///{path}"
    assert calfcheck("athlete", "add", "Ana", "--band", "red", "--db", url).returncode == 0
    return url, path


# ---- the database is never an output --------------------------------------------------------------------
def test_an_output_that_is_the_database_or_any_sqlite_file_is_refused(db, tmp_path):
    url, path = db
    copy = tmp_path / "report.pdf"  # an SQLite file whatever its name says
    copy.write_bytes(path.read_bytes())
    before = sha(path), sha(copy)
    attempts = [
        ("report", "Ana", "--pdf", path), ("history", "Ana", "--csv", path), ("report", "Ana", "--pdf", copy),
        ("score", ROOT / "sample_videos" / "walking_and_box_jump_bsd3.mp4", "--json", path),
    ]  # fmt: skip
    for args in attempts:
        res = calfcheck(*args, "--db", url) if args[0] != "score" else calfcheck(*args)
        assert "is a database; choose another name" in one_line_error(res)
    assert (sha(path), sha(copy)) == before
    assert "Ana" in calfcheck("athlete", "list", "--db", url).stdout


# ---- dates in a window -----------------------------------------------------------------------------------
def test_training_days_and_prescription_starts_outside_2000_to_tomorrow_are_refused(db, tmp_path):
    url, _ = db
    res = calfcheck("score", "no-such-clip.mp4", "--athlete", "Ana", "--date", "9999-12-31", "--db", url)
    assert "a training day on 9999-12-31 is not between 2000-01-01 and" in one_line_error(res)
    res = calfcheck("athlete", "prescribe", "Ana", "--band", "green", "--start", "1900-01-01", "--db", url)
    assert "a prescription starting on 1900-01-01 is not between 2000-01-01" in one_line_error(res)
    item = SetToSave.from_analysis(band_session(good=4), clip_name="synthetic.mp4")
    with Records.open(url) as records:
        ana = records.athlete("Ana").id
        for day in (date(1999, 12, 31), date(2099, 1, 1), date(9999, 12, 31)):  # batch and the app save here too
            with pytest.raises(StoreError, match="is not between 2000-01-01"):
                records.save_set(ana, item, source="batch", day=day)
        assert records.sessions(ana) == []
        records.save_set(ana, item, source="batch", day=date(2000, 1, 1))  # the window's first day is in it
    shown = calfcheck("athlete", "show", "Ana", "--db", url)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr


def test_a_record_already_holding_out_of_window_days_still_reads(db):
    """Databases from before the window: a 9999 or 1900 day breaks nothing and skews no adherence."""
    url, _ = db
    item = SetToSave.from_analysis(band_session(good=4), clip_name="synthetic.mp4")
    with Records.open(url) as records:
        ana = records.athlete("Ana").id
        for n, day in enumerate((date(9999, 12, 31), date(1900, 1, 1))):  # as an older calfcheck let them in
            records.store.save_set(ana, dataclasses.replace(item, content_hash=f"old{n}").new_set("cli"), day=day)
        course = records.course(ana, today=date(2026, 11, 30))
        weeks = course.legs[item.leg].adherence.weeks
        assert 0 < len(weeks) <= 2 and course.legs[item.leg].adherence.longest_gap_weeks <= 1
    for command in (("athlete", "show", "Ana"), ("history", "Ana")):
        res = calfcheck(*command, "--db", url)
        assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr


# ---- names are plain text in the terminal ----------------------------------------------------------------
def test_names_with_rich_markup_are_printed_as_typed(tmp_path):
    url = f"sqlite:///{tmp_path / 'records.db'}"
    for name in ("Ann [/]", "[red]Bob[/red]", "Bob"):
        res = calfcheck("athlete", "add", name, "--band", "red", "--db", url)
        assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
        assert f"added athlete {name}" in res.stdout
    listed = calfcheck("athlete", "list", "--db", url)
    assert listed.returncode == 0, listed.stderr
    assert "Ann [/]" in listed.stdout and "[red]Bob[/red]" in listed.stdout
    for name in ("Ann [/]", "[red]Bob[/red]"):
        shown = calfcheck("athlete", "show", name, "--db", url)
        assert shown.returncode == 0 and name in shown.stdout, shown.stderr
        history = calfcheck("history", name, "--db", url)
        assert history.returncode == 0 and name in history.stdout, history.stderr


# ---- a failed save keeps the set ---------------------------------------------------------------------------
@needs_shared
def test_a_save_the_database_refuses_keeps_the_scored_set_and_calfcheck_save_files_it(db, tmp_path):
    url, path = db
    clip = trimmed_copy(REMIX / "tempo_123_x4.mp4", tmp_path / "ana set.mp4", 10.0, 0.6)
    private = {"XDG_DATA_HOME": str(tmp_path / "data")}
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"  # refuses every write, even for root
    res = calfcheck("score", clip, "--athlete", "Ana", "--date", "2026-11-02", "--db", read_only, env=private)
    message = one_line_error(res)
    assert "read-only" in message and "the scored set is kept in" in message
    kept = next((tmp_path / "data" / "calfcheck" / "unsaved").glob("unsaved-2026-11-02-*.json"))
    assert f"calfcheck save {kept}" in message
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    with Records.open(url) as records:
        assert records.sessions(records.athlete("Ana").id) == []  # nothing was saved...

    saved = calfcheck("save", kept, "--db", url, env=private)  # ...until the kept set is filed
    assert saved.returncode == 0, saved.stderr
    assert "Saved for Ana: 02 Nov 2026, session 1, set 1." in saved.stdout
    assert not kept.exists()
    with Records.open(url) as records:
        sessions = records.sessions(records.athlete("Ana").id)
        assert [s.day for s in sessions] == [date(2026, 11, 2)] and sessions[0].sets[0].clip_name == "ana set.mp4"
    bad = tmp_path / "not-kept.json"
    bad.write_text("{}")
    assert "is not a scored set kept by calfcheck" in one_line_error(calfcheck("save", bad, "--db", url))


# ---- passwords never shown; the server's answer said as it is -----------------------------------------------
def test_a_password_in_the_query_string_is_never_printed(postgres_server):
    url = postgres_server.new_database() + "?password=s3cret-in-query"
    added = calfcheck("athlete", "add", "Ana", "--db", url)
    assert added.returncode == 0, added.stderr
    assert "s3cret" not in added.stdout + added.stderr and "password=***" in added.stdout
    down = calfcheck("athlete", "list", "--db", "postgresql+psycopg://ana@127.0.0.1:9/calfcheck?password=s3cret")
    assert "cannot reach the database server" in one_line_error(down) and "s3cret" not in down.stderr


def test_a_missing_database_and_a_wrong_password_are_told_apart(postgres_server):
    missing = postgres_server.url("no_such_database_here")
    assert "does not exist on that server" in one_line_error(calfcheck("athlete", "list", "--db", missing))
    # psycopg's wording when the server refuses a password (the test server trusts every local user)
    refused = Exception(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password '
        'authentication failed for user "ana"'
    )
    assert "refused the user name or password" in str(translate(refused, "postgresql+psycopg://ana:pw@h/db"))


# ---- CSV cells a spreadsheet would run ------------------------------------------------------------------------
def test_csv_cells_that_start_a_formula_are_neutralised_numbers_are_not():
    rows = [{"athlete": "=HYPERLINK(\"http://evil\",\"x\")", "file": "+1.mp4", "note": "@SUM(A1)", "n": -3.5},
            {"athlete": "Ana", "file": "-", "note": "\t=1", "n": 2}]  # fmt: skip
    lines = csv_text(rows, ["athlete", "file", "note", "n"]).splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://evil"",""x"")",\'+1.mp4,\'@SUM(A1),-3.5'
    assert lines[2] == "Ana,-,'\t=1,2"


# ---- where the database is, and what it is --------------------------------------------------------------------
def test_database_urls_that_would_keep_nothing_or_make_folders_by_typo_are_refused(tmp_path):
    memory = calfcheck("athlete", "add", "Ana", "--db", "sqlite://")
    assert "an in-memory database keeps nothing" in one_line_error(memory)
    typo = tmp_path / "recrods" / "records.db"
    res = calfcheck("athlete", "add", "Ana", "--db", f"sqlite:///{typo}")
    assert f"there is no folder {typo.parent}" in one_line_error(res)
    assert not typo.parent.exists()
    # a command that only reads never starts a database: a typo'd name, or one deleted or moved away
    gone = tmp_path / "records.db"
    for command in (("athlete", "list"), ("history", "Ana"), ("athlete", "show", "Ana")):
        res = calfcheck(*command, "--db", f"sqlite:///{gone}")
        assert f"there is no calfcheck database at {gone} yet" in one_line_error(res)
    assert not gone.exists()


def test_a_new_database_file_is_the_owners_alone_and_a_damaged_version_table_is_one_sentence(tmp_path):
    path = tmp_path / "records.db"
    assert calfcheck("athlete", "add", "Ana", "--db", f"sqlite:///{path}").returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO alembic_version VALUES ('0001_course')")
    res = calfcheck("athlete", "list", "--db", f"sqlite:///{path}")
    assert "damaged version table" in one_line_error(res)


def can_mount_read_only() -> bool:
    return (
        shutil.which("unshare") is not None
        and subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount --bind -o ro / / 2>/dev/null || mount --bind -o ro /tmp /tmp"],
            capture_output=True,
        ).returncode
        == 0
    )


@pytest.mark.skipif(not can_mount_read_only(), reason="needs unshare -m and mount (root or user namespaces)")
def test_a_database_in_a_read_only_folder_is_read_and_a_save_says_read_only(db, tmp_path):
    """Root ignores file modes, so the folder is made read-only the way a read-only disk is: a bind mount."""
    url, path = db
    folder = path.parent
    script = (
        f'mount --bind -o ro "{folder}" "{folder}" && '
        f'"{sys.executable}" -m vision athlete list --db "{url}" && '
        f'"{sys.executable}" -m vision athlete show Ana --db "{url}" && '
        f'"{sys.executable}" -m vision athlete add Bo --db "{url}"'
    )
    res = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert "Ana" in res.stdout and "Traceback" not in res.stderr, res.stderr  # listed and shown
    assert res.returncode == 1 and res.stderr.strip().endswith("is read-only; calfcheck cannot save to it")
