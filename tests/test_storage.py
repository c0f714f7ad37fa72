"""The athletes' database (vision.store) through the records service (vision.records), on SQLite and on a
real PostgreSQL server the tests start.

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
from vision.records import Actor, Records, Role, SetToSave
from vision.records.landmarks import unpack as unpack_landmarks
from vision.report import session_to_dict
from vision.store import Store, StoreError
from vision.types import Leg

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 2)


def save(records: Records, name: str, session, *, source: str = "cli", content_hash: str | None = None, day=None):
    """Save an analysed set for the athlete called ``name``, as every face does (``SetToSave`` → service)."""
    item = SetToSave.from_analysis(session, content_hash=content_hash)
    return records.save_set(records.athlete(name).id, item, source=source, day=day).saved


def ana_sessions(records: Records, name: str = "Ana"):
    return records.sessions(records.athlete(name).id)


def test_athletes_are_added_listed_and_found_by_name_whatever_the_case(db_url):
    with Records.open(db_url) as records:
        records.add_athlete("Ana  Silva")  # spaces folded
        records.add_athlete("Bo")
        assert [a.name for a in records.athletes()] == ["Ana Silva", "Bo"]
        assert records.athlete("ana silva").name == "Ana Silva"
        with pytest.raises(StoreError, match="already an athlete called 'Ana Silva'"):
            records.add_athlete("ANA SILVA")
        with pytest.raises(StoreError, match="no athlete called 'Cy'") as err:
            records.athlete("Cy")
        assert "Bo" not in str(err.value)  # other patients' names never appear in a message
        with pytest.raises(StoreError, match="needs a name"):
            records.add_athlete("   ")


def test_a_name_is_one_person_whatever_its_case_or_unicode_spelling(db_url):
    """SQLite's lower() folds ASCII only and Python's lower() is not case folding: the key is made once."""
    composed, decomposed = "Jos\u00e9 Zola", "Jose\u0301 Zola"
    assert composed != decomposed
    with Records.open(db_url) as records:
        emile = records.add_athlete("\u00c9mile Zola")
        assert records.athlete("\u00c9mile Zola").id == emile.id  # a non-ASCII name is found again
        assert records.athlete("\u00e9mile zola").id == emile.id
        elodie = records.add_athlete("\u00c9lodie")
        with pytest.raises(StoreError, match="already an athlete"):
            records.add_athlete("\u00e9lodie")
        jose = records.add_athlete(composed)
        with pytest.raises(StoreError, match="already an athlete"):
            records.add_athlete(decomposed)
        assert records.athlete(decomposed).id == jose.id
        strasse = records.add_athlete("Stra\u00dfe")
        assert records.athlete("STRASSE").id == strasse.id  # case folding, not lower(): ß is ss
        # saves for one land on that one, however the name was typed
        saved = save(records, "\u00e9LODIE", band_session(6), day=DAY)
        assert records.session(saved.session_id).athlete_id == elodie.id
        assert [len(records.sessions(a.id)) for a in (emile, elodie, jose)] == [0, 1, 0]
        # The joiners names are written with (a Persian name's non-joiner, an emoji sequence) are kept; a bidi
        # override, which makes a name read backwards in a list, is refused.
        maryam = records.add_athlete("مری‌محمد 🏃‍♀️")
        assert "‌" in maryam.name and records.athlete(maryam.name).id == maryam.id
        with pytest.raises(StoreError, match="control"):
            records.add_athlete("Ann‮eivad")


def test_a_saved_set_keeps_its_report_reps_and_landmarks_and_rescores_identically(db_url):
    session = band_session(8, fast_returns=2)
    with Records.open(db_url) as records:
        records.add_athlete("Ana")
        saved = save(records, "Ana", session, day=DAY)
        assert not saved.duplicate and saved.number == 1
        stored = records.session(saved.session_id)
        assert (stored.day, stored.leg, stored.band, stored.protocol) == (DAY, session.leg, "red", "band-tempo")
        assert json.loads(stored.sets[0].report_json) == json.loads(json.dumps(session_to_dict(session)))
        # reps are rows SQL can query: the fast returns are the faulted ones
        engine = create_engine(db_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT faults FROM reps WHERE set_id = :s ORDER BY number"), {"s": saved.set_id})
            faults = [r[0] for r in rows]
        engine.dispose()
        assert faults == [";".join(s.faults) for s in session.scores]
        assert sum(1 for f in faults if "return_too_fast" in f) == 2
        # landmarks round-trip, so the set can be re-scored without any video
        track = unpack_landmarks(records.landmarks(saved.set_id))
        np.testing.assert_array_equal(track.t_s, session.track.t_s)
        np.testing.assert_allclose(track.landmarks, session.track.landmarks, atol=1e-6)
        again = records.stored_set(saved.session_id)
        assert [(s.score, s.faults) for s in again.scores] == [(s.score, s.faults) for s in session.scores]


def test_sets_of_one_day_leg_and_band_make_one_session_and_a_clip_saved_twice_is_one_set(db_url):
    with Records.open(db_url) as records:
        records.add_athlete("Ana")
        first = save(records, "Ana", band_session(6), source="upload", content_hash="a", day=DAY)
        second = save(records, "Ana", band_session(7), source="upload", content_hash="b", day=DAY)
        again = save(records, "Ana", band_session(6), source="batch", content_hash="a", day=DAY)
        other_day = save(records, "Ana", band_session(6), source="cli", content_hash="c")
        assert second.session_id == first.session_id and (first.number, second.number) == (1, 2)
        assert again.duplicate and (again.session_id, again.set_id) == (first.session_id, first.set_id)
        assert other_day.session_id != first.session_id
        # the same clip saved again on another day is still the one set, and says where it is
        later = save(records, "Ana", band_session(6), source="cli", content_hash="a", day=date(2026, 11, 9))
        assert later.duplicate and (later.set_id, later.day) == (first.set_id, DAY)
        assert [len(s.sets) for s in ana_sessions(records)] == [2, 1]
        # another setting (here the band) of the same clip is a different result
        green = save(records, "Ana", band_session(6, band="green"), source="cli", content_hash="a")
        assert not green.duplicate


def test_notes_and_the_review_queue(db_url):
    physio = Actor("issuer|j-physio", "J. Physio", Role.LOCAL)
    with Records(Store(db_url), physio) as records:
        records.add_athlete("Ana")
        a = save(records, "Ana", band_session(6), content_hash="a", day=DAY)
        b = save(records, "Ana", band_session(6), content_hash="b")
        assert [s.id for s in records.review_queue()] == [b.session_id, a.session_id]  # newest first
        records.add_note(a.session_id, "Knee drifts in on the return.")
        records.mark_reviewed(a.session_id)
        assert [s.id for s in records.review_queue()] == [b.session_id]
        reviewed = records.session(a.session_id)
        assert reviewed.reviewed and reviewed.notes[0].text == "Knee drifts in on the return."
        assert reviewed.notes[0].author == "J. Physio"  # signed by who wrote it, not by a typed name
        # a new set in a reviewed session puts it back in the queue
        save(records, "Ana", band_session(7), content_hash="c", day=DAY)
        assert a.session_id in [s.id for s in records.review_queue()]
        with pytest.raises(StoreError, match="no session 999"):
            records.add_note(999, "x")
        with pytest.raises(StoreError, match="needs some text"):
            records.add_note(a.session_id, "  ")


def test_prescription_changes_are_kept_as_history(db_url):
    with Records.open(db_url) as records:
        ana = records.add_athlete("Ana").id
        records.prescribe(ana, Leg.LEFT, "band-isometric", "red", start=DAY, reason="first")
        records.prescribe(ana, Leg.LEFT, "band-eccentric", "green", reason="strength gains seen")
        records.prescribe(ana, Leg.RIGHT, "band-tempo", "yellow")
        history = records.prescription_history(ana, Leg.LEFT)
        assert [(p.protocol, p.band) for p in history] == [("band-isometric", "red"), ("band-eccentric", "green")]
        assert records.prescription(ana, Leg.LEFT).reason == "strength gains seen"
        assert records.prescription(ana, Leg.RIGHT).band == "yellow"
        assert {p.changed_by for p in history} == {"local user"}  # the actor, not a word typed somewhere
        with pytest.raises(StoreError, match="unknown band colour 'purple'"):
            records.prescribe(ana, Leg.LEFT, "band-tempo", "purple")
        with pytest.raises(StoreError, match="unknown band colour 'black\\+'"):
            records.prescribe(ana, Leg.LEFT, "band-tempo", "black+")  # no rung above the toughest colour
        # The half step (red stretched further or twisted) is a rung of its own, kept on the prescription.
        records.prescribe(ana, Leg.RIGHT, "band-tempo", "red+", reason="green failed twice after moving up")
        assert records.prescription(ana, Leg.RIGHT).band == "red+"
        with pytest.raises(StoreError, match="sessions per week"):
            records.prescribe(ana, Leg.LEFT, "band-tempo", "red", sessions_per_week=0)
        assert len(records.prescription_history(ana, Leg.LEFT)) == 2  # nothing written by a refused change
        assert [p.band for p in records.prescription_history(ana, Leg.RIGHT)] == ["yellow", "red+"]


def test_heel_raises_carry_a_load_per_session_and_on_the_prescription(db_url):
    raised = band_session(6, protocol="heel-raise", band=None)
    leg = raised.leg

    def item(content_hash: str) -> SetToSave:
        return SetToSave.from_analysis(raised, content_hash=content_hash)

    with Records.open(db_url) as records:
        ana = records.add_athlete("Ana").id
        records.prescribe(ana, leg, "heel-raise", None, load_kg=5.0, reason="standing raises passed at body weight")
        assert records.prescription(ana, leg).load_kg == 5.0
        unsaid = records.save_set(ana, item("a"), source="cli", day=DAY).saved  # no load said: the prescription's
        same = records.save_set(ana, item("b").with_load(5.0), source="cli", day=DAY).saved
        heavier = records.save_set(ana, item("c").with_load(7.5), source="cli", day=DAY).saved
        body = records.save_set(ana, item("d").with_load(0.0), source="cli", day=DAY).saved  # said: body weight
        loads = {s.id: s.load_kg for s in records.sessions(ana)}
        assert unsaid.session_id == same.session_id and loads[unsaid.session_id] == 5.0
        assert loads[heavier.session_id] == 7.5 and heavier.session_id != unsaid.session_id
        assert loads[body.session_id] is None and body.session_id not in (unsaid.session_id, heavier.session_id)
        for bad, words in ((-1.0, "from 0 to"), (float("nan"), "from 0 to"), (900.0, "from 0 to")):
            with pytest.raises(StoreError, match=words):
                records.save_set(ana, item("e").with_load(bad), source="cli", day=DAY)
            with pytest.raises(StoreError, match=words):
                records.prescribe(ana, leg, "heel-raise", None, load_kg=bad)
        with pytest.raises(StoreError, match="with a band or with a load in kg, not both"):
            records.prescribe(ana, leg, "heel-raise", "red", load_kg=5.0)
        assert len(records.prescription_history(ana, leg)) == 1  # nothing written by a refused change
        assert len(records.sessions(ana)) == 3


def _save_many(url: str, worker: int, count: int) -> None:
    from tests.synthetic import band_session as make
    from vision.records import Records as R
    from vision.records import SetToSave as S

    session = make(6)
    with R.open(url) as records:
        ana = records.athlete("Ana").id
        for i in range(count):
            records.save_set(ana, S.from_analysis(session, content_hash=f"{worker}-{i}"), source="batch", day=DAY)


def test_two_processes_saving_at_once_lose_nothing_and_split_no_session(db_url):
    with Records.open(db_url) as records:
        records.add_athlete("Ana")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_save_many, args=(db_url, w, 8)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Records.open(db_url) as records:
        sessions = ana_sessions(records)
    assert len(sessions) == 1  # same day, leg, protocol and band: one session
    assert sorted(s.number for s in sessions[0].sets) == list(range(1, 17))
    assert len({s.content_hash for s in sessions[0].sets}) == 16


CRASH_SCRIPT = """
import sys, time
from sqlalchemy import event
from sqlalchemy.orm import Session
sys.path.insert(0, {root!r})
from tests.synthetic import band_session
from vision.records import Records, SetToSave

records = Records.open({url!r})
item = SetToSave.from_analysis(band_session(6), content_hash="crash")
ana = records.athlete("Ana").id
@event.listens_for(Session, "after_flush")
def stall(session, ctx):
    print("flushed", flush=True)
    time.sleep(60)  # killed here, inside the transaction, after rows were sent
records.save_set(ana, item, source="cli")
"""


def test_a_crash_in_the_middle_of_a_save_leaves_nothing_half_written(db_url):
    with Records.open(db_url) as records:
        records.add_athlete("Ana")
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_SCRIPT.format(root=str(ROOT), url=db_url)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "flushed"
    proc.kill()
    proc.wait(30)
    with Records(Store(db_url, busy_timeout_s=10)) as records:
        assert ana_sessions(records) == []
        engine = create_engine(db_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM reps")).scalar() == 0
        engine.dispose()
        # and the database still takes a save
        saved = save(records, "Ana", band_session(6), content_hash="crash")
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
    with Records(Store(db_url)) as records:  # opening upgrades
        assert current_revision(records.store.engine) == head_revision() != "0001"
        [session] = ana_sessions(records)
        assert (session.day, session.band, session.reviewed) == (date(2026, 11, 2), "red", False)
        assert session.load_kg is None  # sessions from before loads: no load, read as body weight or a band
        assert [s.id for s in records.review_queue()] == [1]  # old sessions wait for review
        records.add_note(1, "first note after the upgrade")
        assert records.session(1).notes[0].text == "first note after the upgrade"


def test_names_that_an_older_calfcheck_let_in_twice_survive_the_upgrade(db_url):
    """Before names were folded, "Élodie" and "élodie" could be two records: the upgrade keeps both (a person
    decides whether they are one), and a folded name finds the first."""
    from vision.store.database import upgrade

    engine = create_engine(db_url)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        for i, name in enumerate(["\u00c9lodie", "\u00e9lodie", "Bo"], start=1):
            conn.execute(text("INSERT INTO athletes (id, name, created_at) VALUES (:i, :n, '2026-11-01 10:00:00')"),
                         {"i": i, "n": name})  # fmt: skip
    engine.dispose()
    with Records.open(db_url) as records:
        assert sorted(a.name for a in records.athletes()) == sorted(["\u00c9lodie", "\u00e9lodie", "Bo"])
        assert records.athlete("\u00c9LODIE").id == 1 and records.athlete("bo").id == 3
        with pytest.raises(StoreError, match="already an athlete"):
            records.add_athlete("ELODIE".replace("E", "\u00c9", 1))


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
        assert store.find_athlete("Ana").name == "Ana"  # reading works
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
    from dataclasses import replace

    session = band_session(6)
    out_of_view = replace(session.quality, reliable=False, warnings=("The foot is out of view.",))
    unjudged = replace(session, quality=out_of_view)
    with Records.open(db_url) as records:
        records.add_athlete("Ana")
        with pytest.raises(StoreError, match="cannot be judged: The foot is out of view."):
            save(records, "Ana", unjudged)
        assert ana_sessions(records) == []
