"""Uploads scored in the background, durably: a real PostgreSQL (tests/postgres.py), procrastinate's tables made by
``calfcheck user grant-app-role``, real ``calfcheck worker`` processes connected as the app's own role (row-level
security holds them), and real phone-style clips cut from a shared clip at test time.

The acceptance test: ten uploads queued, one worker SIGKILLed while it scores a clip, the server's side restarted
(its queue handle closed, a new one opened, as a restarted Streamlit server does) → ten sets saved, once each,
their content hashes the ten clips' own, no clip left on disk, no job left in the queue. Then the pieces one by
one: a set saved just before a kill is not saved again; the quality gate's sentence comes back; an unreadable
clip is one sentence; an upload whose sender was removed is not saved.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import REMIX, ROOT, needs_shared
from tests.phone_clips import phone_clip, variant
from tests.videos import write_video
from vision.records import Records
from vision.upload_queue import Inbox, State, UploadRequest, UploadStatus
from vision.upload_queue.jobs import Queue, QueueUnavailable, install, queue_url
from vision.upload_queue.scoring import score_upload

ISSUER = "http://idp.test"


@pytest.fixture(scope="module")
def clinic(postgres_server, tmp_path_factory):
    """Ana's record, her login (a1), the queue's tables and the app's role; (owner URL, app URL, actor)."""
    db = postgres_server.new_database()
    with Records.open(db) as server:
        server.add_athlete("Ana Quintero")
        server.invite("a1@clinic.test", "athlete", athlete="Ana Quintero")
        server.invite("a2@clinic.test", "athlete", athlete="Ana Quintero")  # removed below, with an upload queued
        a1 = server.login(ISSUER, "a1", "a1@clinic.test", "Ana Q")
        a2 = server.login(ISSUER, "a2", "a2@clinic.test", "Ana Two")
        with server.store.engine.begin() as conn:
            if conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = 'calfcheck_app'").first() is None:
                conn.exec_driver_sql("CREATE ROLE calfcheck_app LOGIN")
    granted = calfcheck("user", "grant-app-role", "calfcheck_app", "--db", db)
    assert granted.returncode == 0, granted.stderr
    return db, db.replace("//calfcheck@", "//calfcheck_app@"), a1, a2


@pytest.fixture(scope="module")
def android_clip(tmp_path_factory):
    """One real rep (the first 7 s of a remix clip, small: quick to score ten times), as an Android phone stores
    it: H.264 in a .mov, stored sideways with a rotation, every seventh frame dropped (a variable frame rate)."""
    folder = tmp_path_factory.mktemp("android")
    return phone_clip(REMIX / "fast_return_121_x4.mp4", folder / "android.mov", 7.0, codec="libx264", scale=0.35,
                      keep=lambda t: round(t * 30) % 7 != 3)  # fmt: skip


def calfcheck(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vision", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)  # fmt: skip


def request_for(actor, name: str) -> UploadRequest:
    return UploadRequest(actor.user_id, actor.key, name, "band-tempo", None, "red", "2026-12-01", time.time())


def start_worker(app_db: str, inbox: Inbox, log: Path) -> subprocess.Popen:
    env = {**os.environ, "CALFCHECK_DB": app_db, "PYTHONUNBUFFERED": "1"}
    args = ["worker", "--inbox", str(inbox.root), "--heartbeat", "0.5", "--stalled-after", "5"]
    return subprocess.Popen([sys.executable, "-m", "vision", *args], cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)  # fmt: skip


def wait_for(check, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=60)


def sets_of_ana(db: str) -> list:
    with Records.open(db) as records:
        ana = records.athlete("Ana Quintero").id
        return [s for session in records.sessions(ana) for s in session.sets]


@needs_shared
def test_ten_uploads_a_killed_worker_and_a_restarted_server_save_ten_sets_once_each(clinic, android_clip, tmp_path):
    db, app_db, a1, _ = clinic
    inbox = Inbox(tmp_path / "inbox")
    clips = [variant(android_clip, tmp_path / f"set {n}.mov", n) for n in range(10)]
    expected = {hashlib.sha256(c.read_bytes()).hexdigest() for c in clips}
    assert len(expected) == 10  # ten different uploads (the same set, other bytes)
    before = len(sets_of_ana(db))
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2, 3)]
    workers = [start_worker(app_db, inbox, logs[0])]  # alone at first: the one to be killed takes a job for sure
    try:
        server = Queue(app_db)  # the server's side, as the app's role
        refs = [inbox.put("a1", c.name, [c.read_bytes()], request_for(a1, c.name)) for c in clips[:5]]
        for ref in refs:
            assert server.send(ref) > 0
            assert server.send(ref) == 0  # queued once, however often the page asks
        server.close()  # the server goes down with five uploads queued

        # Worker 1 killed while it scores a clip, before that clip's set can be saved.
        def scored_by_first():
            return next((r for r in refs if inbox.status(r).worker.endswith(f":{workers[0].pid}")), None)

        killed = wait_for(scored_by_first, 60, "worker 1 to start scoring")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        assert inbox.status(killed).state is State.SCORING and inbox.clip(killed) is not None
        # Another worker, and the killed one's replacement (as a service manager restarts it).
        workers += [start_worker(app_db, inbox, log) for log in logs[1:]]

        server = Queue(app_db)  # the server back: five more uploads
        for c in clips[5:]:
            refs.append(inbox.put("a1", c.name, [c.read_bytes()], request_for(a1, c.name)))
            assert server.send(refs[-1]) > 0
        server.close()
        wait_for(lambda: all(inbox.status(r).state.finished for r in refs), 240, "ten uploads scored")
    finally:
        for w in workers:
            stop(w)

    statuses = {r: inbox.status(r) for r in refs}
    assert {s.state for s in statuses.values()} == {State.DONE}, statuses
    assert {s.reps for s in statuses.values()} == {1}
    # (A worker slowed past the stall limit by a busy machine may be taken for dead and its clip scored twice: then
    # the second says "Already on … not saved again". The records are what must hold.)
    assert all(s.message.startswith(("Saved for Ana Quintero: 01 Dec 2026", "Already on Ana Quintero's record (01 Dec"))
               for s in statuses.values()), statuses  # fmt: skip
    assert len(sets_of_ana(db)) - before == 10
    with Records.open(db) as records:
        ana = records.athlete("Ana Quintero").id
        [session] = [s for s in records.sessions(ana) if str(s.day) == "2026-12-01"]
    assert {s.content_hash for s in session.sets} == expected  # each upload once, no other
    assert session.source == "upload"
    assert all(inbox.clip(r) is None for r in refs)  # landmarks are kept, never the video
    # The killed worker's job was put back by a live worker's stalled-job check (not lost, not run twice).
    assert any(f"upload {killed}): its worker stopped; queued again" in log.read_text() for log in logs[1:])
    import psycopg

    with psycopg.connect(queue_url(db)) as conn:
        left = conn.execute("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status").fetchall()
    assert left == []  # every job succeeded (and was deleted): none waiting, none stuck in 'doing'
    # The athlete's page reads the same: every upload listed, newest first, each done.
    assert [u.ref for u in inbox.listing("a1")] == refs[::-1]


@needs_shared
def test_a_set_saved_just_before_a_kill_is_not_saved_twice(clinic, android_clip, tmp_path):
    db, _, a1, _ = clinic
    inbox = Inbox(tmp_path / "inbox")
    clip = variant(android_clip, tmp_path / "again.mov", 99)
    ref = inbox.put("a1", "again.mov", [clip.read_bytes()], request_for(a1, "again.mov"))
    with Records.open(db) as records:
        done = score_upload(inbox, ref, records)
        assert done.state is State.DONE and done.message.startswith("Saved for Ana Quintero")
        count = len(sets_of_ana(db))
        # A worker killed after the save, before it wrote the state: the job runs again on the same upload.
        inbox.set_status(ref, UploadStatus(State.SCORING))
        (inbox.folder(ref) / "clip.mov").write_bytes(clip.read_bytes())
        again = score_upload(inbox, ref, records)
        assert again.state is State.DONE and again.message.startswith("Already on Ana Quintero's record")
        assert len(sets_of_ana(db)) == count
        # A job run for an upload already finished changes nothing, and leaves no clip.
        (inbox.folder(ref) / "clip.mov").write_bytes(b"x")
        assert score_upload(inbox, ref, records) == inbox.status(ref)
        assert inbox.clip(ref) is None and len(sets_of_ana(db)) == count


def test_what_cannot_be_judged_or_read_or_is_no_longer_allowed_is_said_and_not_saved(clinic, tmp_path):
    db, _, a1, a2 = clinic
    inbox = Inbox(tmp_path / "inbox")
    empty_room = write_video(tmp_path / "empty room.mp4", [i / 30 for i in range(45)], 160, 120)
    broken = tmp_path / "broken.mov"
    broken.write_bytes(b"\x00\x00\x00\x18ftypqt  " + os.urandom(4000))
    refs = {
        "nobody": inbox.put("a1", empty_room.name, [empty_room.read_bytes()], request_for(a1, empty_room.name)),
        "broken": inbox.put("a1", broken.name, [broken.read_bytes()], request_for(a1, broken.name)),
        "removed": inbox.put("a2", empty_room.name, [empty_room.read_bytes()], request_for(a2, empty_room.name)),
        # A request no page makes (a leg that is neither): failed with a sentence, never left "scoring".
        "odd": inbox.put("a1", "odd.mp4", [empty_room.read_bytes()], replace(request_for(a1, "odd.mp4"), leg="mid")),
    }
    count = len(sets_of_ana(db))
    with Records.open(db) as records:
        records.remove_user("a2@clinic.test")
        out = {k: score_upload(inbox, r, records) for k, r in refs.items()}
    assert out["nobody"].state is State.REFUSED
    # The quality gate's own sentence, word for word.
    assert out["nobody"].message == (
        "No athlete found in the video. Stand or sit so your whole body, feet included, fills most of the frame, "
        "then record again."
    )
    assert out["broken"].state is State.FAILED and out["broken"].message.startswith("We could not read this clip.")
    assert out["removed"].state is State.FAILED
    assert out["removed"].message == "This upload's sender no longer has access: it was not saved."
    assert out["odd"].state is State.FAILED is inbox.status(refs["odd"]).state
    assert out["odd"].message == "Something went wrong while scoring this clip (ValueError). Try another export of it."
    assert len(sets_of_ana(db)) == count
    assert all(inbox.clip(r) is None for r in refs.values())


def test_a_worker_without_its_database_says_so_in_one_sentence(tmp_path):
    unreachable = "postgresql+psycopg://calfcheck:s3cret@127.0.0.1:1/x"
    for db, said in ((f"sqlite:///{tmp_path / 'x.db'}", "only on a PostgreSQL database"),
                     (unreachable, "database cannot be reached")):  # fmt: skip
        out = calfcheck("worker", "--db", db, "--inbox", tmp_path / "inbox")
        assert out.returncode == 1 and said in out.stderr and "s3cret" not in out.stderr, out.stderr
        assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_the_queue_lives_on_postgresql_only():
    with pytest.raises(QueueUnavailable, match="only on a PostgreSQL database"):
        queue_url("sqlite:///x.db")
    with pytest.raises(ValueError):
        Inbox(Path("/tmp")).folder("../../etc/passwd")


def test_an_upload_the_server_wrote_but_never_queued_is_queued_when_its_page_is_next_opened(
    clinic, postgres_server, tmp_path
):
    _, _, a1, _ = clinic
    db = postgres_server.new_database()  # a queue of its own: the job left waiting here is no other test's
    install(db)
    inbox, queue = Inbox(tmp_path / "inbox"), Queue(db)
    try:
        old = replace(request_for(a1, "old.mov"), sent_at=time.time() - 120)  # the server stopped after writing it
        orphan = inbox.put("a1", "old.mov", [b"clip"], old)
        inbox.put("a1", "new.mov", [b"clip"], request_for(a1, "new.mov"))  # just written: its page queues it
        assert queue.send_waiting(inbox, "a1") == 1
        assert queue.send_waiting(inbox, "a1") == 0  # already queued: not twice
    finally:
        queue.close()
    import psycopg

    with psycopg.connect(queue_url(db)) as conn:
        jobs = conn.execute("SELECT args->>'ref', status FROM procrastinate_jobs").fetchall()
    assert jobs == [(orphan, "todo")]


def test_an_upload_cut_short_leaves_nothing_for_a_worker(tmp_path):
    """The browser's connection lost, the disk full: the pieces stop coming. Nothing is listed, nothing is left."""
    inbox = Inbox(tmp_path / "inbox")

    def pieces():
        yield b"\x00" * 1000
        raise OSError(28, "No space left on device")

    request = UploadRequest(7, "iss sub", "set.mov", "band-tempo", None, None, "2026-12-01", time.time())
    with pytest.raises(OSError):
        inbox.put("a1", "set.mov", pieces(), request)
    assert inbox.listing("a1") == []
    assert list((tmp_path / "inbox" / "a1").iterdir()) == []
    ref = inbox.put("a1", "../../set.MOV", [b"abc", b"def"], request)  # a name is never a path
    assert inbox.clip(ref) == inbox.folder(ref) / "clip.mov" and inbox.clip(ref).read_bytes() == b"abcdef"
    assert [u.status.state for u in inbox.listing("a1")] == [State.QUEUED]
    assert (tmp_path / "inbox").stat().st_mode & 0o777 == 0o700
