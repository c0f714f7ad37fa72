"""The athletes' database (vision.store), on SQLite and on a real PostgreSQL server the tests start.

Every test here runs twice, once per backend (``db_url`` in conftest). Expected values come from the
sessions the test itself scored, never from the database.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from tests.synthetic import band_session
from vision.report import session_to_dict
from vision.store import Store, StoreError
from vision.store import landmarks as codec
from vision.store.saving import save_session, stored_session
from vision.types import Leg

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 2)


def test_athletes_are_added_listed_and_found_by_name_whatever_the_case(db_url):
    with Store(db_url) as store:
        store.add_athlete("Ana  Silva")  # spaces folded
        store.add_athlete("Bo")
        assert [a.name for a in store.athletes()] == ["Ana Silva", "Bo"]
        assert store.athlete("ana silva").name == "Ana Silva"
        with pytest.raises(StoreError, match="already an athlete called 'Ana Silva'"):
            store.add_athlete("ANA SILVA")
        with pytest.raises(StoreError, match="no athlete called 'Cy'") as err:
            store.sessions("Cy")
        assert "Bo" not in str(err.value)  # other patients' names never appear in a message
        with pytest.raises(StoreError, match="needs a name"):
            store.add_athlete("   ")


def test_a_saved_set_keeps_its_report_reps_and_landmarks_and_rescores_identically(db_url):
    session = band_session(8, fast_returns=2)
    with Store(db_url) as store:
        store.add_athlete("Ana")
        saved = save_session(store, "Ana", session, source="cli", settings="band-tempo|auto|red|", day=DAY)
        assert not saved.duplicate and saved.number == 1
        stored = store.session(saved.session_id)
        assert (stored.day, stored.leg, stored.band, stored.protocol) == (DAY, session.leg, "red", "band-tempo")
        assert stored.sets[0].report == json.loads(json.dumps(session_to_dict(session)))
        # reps are rows SQL can query: the fast returns are the faulted ones
        engine = create_engine(db_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT faults FROM reps WHERE set_id = :s ORDER BY number"), {"s": saved.set_id})
            faults = [r[0] for r in rows]
        engine.dispose()
        assert faults == [";".join(s.faults) for s in session.scores]
        assert sum(1 for f in faults if "return_too_fast" in f) == 2
        # landmarks round-trip, so the set can be re-scored without any video
        track = codec.unpack(store.landmarks(saved.set_id))
        np.testing.assert_array_equal(track.t_s, session.track.t_s)
        np.testing.assert_allclose(track.landmarks, session.track.landmarks, atol=1e-6)
        again = stored_session(store, saved.session_id)
        assert [(s.score, s.faults) for s in again.scores] == [(s.score, s.faults) for s in session.scores]


def test_sets_of_one_day_leg_and_band_make_one_session_and_a_clip_saved_twice_is_one_set(db_url):
    with Store(db_url) as store:
        store.add_athlete("Ana")
        first = save_session(store, "Ana", band_session(6), source="upload", settings="s", content_hash="a", day=DAY)
        second = save_session(store, "Ana", band_session(7), source="upload", settings="s", content_hash="b", day=DAY)
        again = save_session(store, "Ana", band_session(6), source="batch", settings="s", content_hash="a", day=DAY)
        other_day = save_session(store, "Ana", band_session(6), source="cli", settings="s", content_hash="c")
        assert second.session_id == first.session_id and (first.number, second.number) == (1, 2)
        assert again.duplicate and (again.session_id, again.set_id) == (first.session_id, first.set_id)
        assert other_day.session_id != first.session_id
        assert [len(s.sets) for s in store.sessions("Ana")] == [2, 1]
        # another setting (here the band) of the same clip is a different result
        green = save_session(store, "Ana", band_session(6, band="green"), source="cli", settings="g", content_hash="a")
        assert not green.duplicate


def test_notes_and_the_review_queue(db_url):
    with Store(db_url) as store:
        store.add_athlete("Ana")
        a = save_session(store, "Ana", band_session(6), source="cli", settings="s", content_hash="a", day=DAY)
        b = save_session(store, "Ana", band_session(6), source="cli", settings="s", content_hash="b")
        assert [s.id for s in store.review_queue()] == [b.session_id, a.session_id]  # newest first
        store.add_note(a.session_id, "Knee drifts in on the return.", author="J. Physio")
        store.mark_reviewed(a.session_id)
        assert [s.id for s in store.review_queue()] == [b.session_id]
        reviewed = store.session(a.session_id)
        assert reviewed.reviewed and reviewed.notes[0].text == "Knee drifts in on the return."
        # a new set in a reviewed session puts it back in the queue
        save_session(store, "Ana", band_session(7), source="cli", settings="s", content_hash="c", day=DAY)
        assert a.session_id in [s.id for s in store.review_queue()]
        with pytest.raises(StoreError, match="no session 999"):
            store.add_note(999, "x")


def test_prescription_changes_are_kept_as_history(db_url):
    with Store(db_url) as store:
        store.add_athlete("Ana")
        store.prescribe("Ana", Leg.LEFT, "band-isometric", "red", start=DAY, reason="first")
        store.prescribe("Ana", Leg.LEFT, "band-eccentric", "green", reason="strength gains seen")
        store.prescribe("Ana", Leg.RIGHT, "band-tempo", "yellow")
        history = store.prescription_history("Ana", Leg.LEFT)
        assert [(p.protocol, p.band) for p in history] == [("band-isometric", "red"), ("band-eccentric", "green")]
        assert store.prescription("Ana", Leg.LEFT).reason == "strength gains seen"
        assert store.prescription("Ana", Leg.RIGHT).band == "yellow"


def _save_many(url: str, worker: int, count: int) -> None:
    from tests.synthetic import band_session as make
    from vision.store import Store as S
    from vision.store.saving import save_session as save

    session = make(6)
    with S(url) as store:
        for i in range(count):
            save(store, "Ana", session, source="batch", settings="s", content_hash=f"{worker}-{i}", day=DAY)


def test_two_processes_saving_at_once_lose_nothing_and_split_no_session(db_url):
    with Store(db_url) as store:
        store.add_athlete("Ana")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_save_many, args=(db_url, w, 8)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Store(db_url) as store:
        sessions = store.sessions("Ana")
    assert len(sessions) == 1  # same day, leg, protocol and band: one session
    assert sorted(s.number for s in sessions[0].sets) == list(range(1, 17))
    assert len({s.content_hash for s in sessions[0].sets}) == 16


CRASH_SCRIPT = """
import sys, time
from sqlalchemy import event
from sqlalchemy.orm import Session
sys.path.insert(0, {root!r})
from tests.synthetic import band_session
from vision.store import Store
from vision.store.saving import save_session

store = Store({url!r})
@event.listens_for(Session, "after_flush")
def stall(session, ctx):
    print("flushed", flush=True)
    time.sleep(60)  # killed here, inside the transaction, after rows were sent
save_session(store, "Ana", band_session(6), source="cli", settings="s", content_hash="crash")
"""


def test_a_crash_in_the_middle_of_a_save_leaves_nothing_half_written(db_url):
    with Store(db_url) as store:
        store.add_athlete("Ana")
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_SCRIPT.format(root=str(ROOT), url=db_url)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "flushed"
    proc.kill()
    proc.wait(30)
    with Store(db_url, busy_timeout_s=10) as store:
        assert store.sessions("Ana") == []
        engine = create_engine(db_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM reps")).scalar() == 0
        engine.dispose()
        # and the database still takes a save
        saved = save_session(store, "Ana", band_session(6), source="cli", settings="s", content_hash="crash")
        assert not saved.duplicate


def test_a_database_from_a_newer_calfcheck_is_refused_untouched(db_url):
    Store(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="made by a newer calfcheck"):
        Store(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    engine.dispose()


def test_the_migrated_schema_matches_the_models(db_url):
    """Migrations are the only way the schema is made: they must build exactly what the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from vision.store.schema import Base

    Store(db_url).close()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_a_database_at_the_first_migration_upgrades_to_head_with_its_data(db_url):
    from vision.store.database import current_revision, head_revision, upgrade

    engine = create_engine(db_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO athletes (id, name, created_at) VALUES (1, 'Ana', '2026-11-01 10:00:00')"))
        conn.execute(
            text(
                "INSERT INTO sessions (id, athlete_id, day, performed_at, source, protocol, kind, leg, band) "
                "VALUES (1, 1, '2026-11-02', '2026-11-02 09:00:00', 'cli', 'band-tempo', 'tempo', 'left', 'red')"
            )
        )
    engine.dispose()
    with Store(db_url) as store:  # opening upgrades
        assert current_revision(store.engine) == head_revision() != "0001"
        [session] = store.sessions("Ana")
        assert (session.day, session.band, session.reviewed) == (date(2026, 11, 2), "red", False)
        assert [s.id for s in store.review_queue()] == [1]  # old sessions wait for review
        store.add_note(1, "first note after the upgrade")
        assert store.session(1).notes[0].text == "first note after the upgrade"


def test_an_unreachable_server_is_one_sentence():
    with pytest.raises(StoreError, match="cannot reach the database server at postgresql\\+psycopg://ana:\\*\\*\\*@"):
        Store(f"postgresql+psycopg://ana:secret@127.0.0.1:{_closed_port()}/calfcheck")


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_read_only_or_locked_sqlite_database_is_one_sentence(tmp_path, monkeypatch):
    path = tmp_path / "c.db"
    monkeypatch.chdir(tmp_path)
    with Store(f"sqlite:///{path}") as store:
        store.add_athlete("Ana")
    with Store(f"sqlite:///file:{path}?mode=ro&uri=true") as store:
        assert not (tmp_path / "file:").exists()  # a URI names a file to open, never folders to create
        assert store.athlete("Ana").name == "Ana"  # reading works
        with pytest.raises(StoreError, match="read-only"):
            store.add_athlete("Bo")
    import sqlite3

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        with Store(f"sqlite:///{path}", busy_timeout_s=0.5) as store, pytest.raises(StoreError, match="locked"):
            store.add_athlete("Bo")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store(f"sqlite:///{path}") as store:
        assert [a.name for a in store.athletes()] == ["Ana"]


def test_not_a_database_file_is_one_sentence(tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"this is a shopping list, not a database" * 100)
    with pytest.raises(StoreError, match="not a calfcheck database"):
        Store(f"sqlite:///{junk}")


def test_the_default_database_lives_in_the_users_data_folder(monkeypatch, tmp_path):
    from vision.store.database import database_url, default_sqlite_path

    monkeypatch.delenv("CALFCHECK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_sqlite_path() == tmp_path / "data" / "calfcheck" / "calfcheck.db"
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'calfcheck' / 'calfcheck.db'}"
    monkeypatch.setenv("CALFCHECK_DB", "sqlite:///elsewhere.db")
    assert database_url() == "sqlite:///elsewhere.db" and database_url("sqlite:///given.db") == "sqlite:///given.db"
    started = time.monotonic()
    Store(database_url(None if False else f"sqlite:///{default_sqlite_path()}")).close()
    assert default_sqlite_path().is_file() and time.monotonic() - started < 60


def test_a_clip_that_cannot_be_judged_is_not_saved(db_url):
    """No person or the leg out of view: saving it would read as a failed session and move the athlete down."""
    report = session_to_dict(band_session(6))
    report["quality"] = {**report["quality"], "reliable": False, "warnings": ["The foot is out of view."]}
    with Store(db_url) as store:
        store.add_athlete("Ana")
        with pytest.raises(StoreError, match="cannot be judged: The foot is out of view."):
            store.save_set("Ana", report, clip_name="c.mp4", content_hash="x", settings="s", source="cli")
        assert store.sessions("Ana") == []
