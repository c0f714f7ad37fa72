"""The streaming upload endpoint (``calfcheck upload-server``), run for real: uvicorn in a subprocess on a free
loopback port, its queue on the test PostgreSQL (tests/postgres.py), clients speaking plain HTTP over sockets.

A clip sent with a valid ticket lands in the athlete's inbox folder whole and is queued once; a missing, forged,
tampered or expired ticket is 403 and writes nothing; a clip over the ticket's limit is 413 (declared up front or
counted while streaming) and leaves nothing; a client gone midway leaves nothing; a queue that cannot be reached
is 503 and leaves nothing; and the server's memory does not grow with the size of what it is sent (300 MB streamed:
its VmRSS rises by a few MB, not by hundreds).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ROOT
from tests.streamlit_app import free_port
from vision.upload_queue import Inbox, UploadRequest
from vision.upload_queue import tickets as tk
from vision.upload_queue.endpoint import PATH, clip_name
from vision.upload_queue.jobs import install, queue_url

KEY = b"a-test-only-upload-ticket-key-of-32-bytes"
MB = 1 << 20
OWNER = "0123456789abcdef"  # an athlete's folder name, as app_pages.clinic.user_folder makes it
REQUEST = UploadRequest(7, "http://idp.test a1", "", "band-tempo", "left", "red", "2026-12-04", 0.0)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class Endpoint:
    def __init__(self, db: str, inbox: Path, log: Path) -> None:
        self.port, self.inbox = free_port(), Inbox(inbox)
        env = {**os.environ, "CALFCHECK_UPLOAD_SECRET": KEY.decode(), "PYTHONUNBUFFERED": "1"}
        args = ["upload-server", "--db", db, "--inbox", str(inbox), "--port", str(self.port)]
        self.proc = subprocess.Popen([sys.executable, "-m", "vision", *args], cwd=ROOT, env=env,
                                     stdout=log.open("w"), stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError(f"upload-server did not start: {log.read_text()[-2000:]}")

    def put(self, body, ticket: str | None, name: str = "IMG_0042.MOV", length: int | None = None):
        """A PUT as the page's XMLHttpRequest sends it: (status, JSON answer)."""
        headers = {"X-Calfcheck-Name": quote(name)}
        if ticket is not None:
            headers["X-Calfcheck-Ticket"] = ticket
        if length is not None:
            headers["Content-Length"] = str(length)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request("PUT", PATH, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            conn.close()

    def raw(self, head: str, pieces=(), then_read: bool = True) -> tuple[int, dict] | None:
        """Headers and body pieces written to a socket as they are (chunked bodies, lies about the length)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as s:
            s.sendall(f"PUT {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode())
            for piece in pieces:
                s.sendall(piece)
            if not then_read:
                return None
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.rstrip().endswith(b"}"):
                    break
        status = int(answer.split(b" ", 2)[1])
        return status, json.loads(answer.split(b"\r\n\r\n", 1)[1])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def files(self) -> list[Path]:
        """Everything under the inbox's owner folder (staging folders included)."""
        found = []
        for top, folders, names in os.walk(self.inbox.root / OWNER):  # a folder deleted meanwhile is passed over
            found += [Path(top, n) for n in folders + names]
        return sorted(found)


def ticket(max_bytes: int = 50 * MB, key: bytes = KEY, ttl_s: float = 300, owner: str = OWNER) -> str:
    return tk.mint(key, owner, REQUEST, max_bytes, ttl_s=ttl_s)


def jobs(db: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(queue_url(db)) as conn:
        return conn.execute("SELECT args->>'ref', status FROM procrastinate_jobs ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def queue_db(postgres_server):
    db = postgres_server.new_database()
    install(db)  # the queue's tables, as `calfcheck worker` or `grant-app-role` makes them
    return db


@pytest.fixture(scope="module")
def endpoint(queue_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("upload-endpoint")
    server = Endpoint(queue_db, folder / "inbox", folder / "upload-server.log")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def empty_inbox(request):
    yield
    if "endpoint" in request.fixturenames:
        server = request.getfixturevalue("endpoint")
        for upload in server.inbox.listing(OWNER):
            server.inbox.forget(upload.ref)


def test_a_clip_with_a_valid_ticket_lands_in_the_inbox_whole_and_is_queued_once(endpoint, queue_db):
    clip = os.urandom(3 * MB + 12345)
    before = jobs(queue_db)
    status, answer = endpoint.put(clip, ticket(), name="Mañana set 1.MOV")
    assert status == 200, answer
    ref = answer["ref"]
    assert answer["name"] == "Mañana set 1.MOV" and ref.startswith(f"{OWNER}/")
    assert endpoint.inbox.clip(ref).read_bytes() == clip and endpoint.inbox.clip(ref).name == "clip.mov"
    sent = endpoint.inbox.request(ref)
    assert replace(sent, sent_at=0.0) == replace(REQUEST, clip_name="Mañana set 1.MOV")  # the ticket's, and its name
    assert abs(sent.sent_at - time.time()) < 60
    assert jobs(queue_db)[len(before) :] == [(ref, "todo")]  # one job, carrying the reference only
    assert [u.ref for u in endpoint.inbox.listing(OWNER)] == [ref]
    assert not [p for p in endpoint.files() if p.name.startswith(".incoming")]


def test_a_missing_forged_tampered_or_expired_ticket_is_refused_and_writes_nothing(endpoint, queue_db):
    before = jobs(queue_db)
    body, dot, signature = ticket().partition(".")
    other = json.loads(tk._unb64(body))
    other["o"] = "fedcba9876543210"  # another athlete's folder, under the first one's signature
    tampered = f"{tk._b64(json.dumps(other, separators=(',', ':')).encode())}.{signature}"
    refused = {
        "missing": (None, "This upload has no ticket"),
        "forged": (ticket(key=b"someone-else's-key-of-enough-length"), "ticket is not valid"),
        "tampered": (tampered, "ticket is not valid"),
        "garbage": ("not-a-ticket", "ticket is not valid"),
        "expired": (ticket(ttl_s=-1), "open too long"),
    }
    for what, (text, said) in refused.items():
        status, answer = endpoint.put(b"x" * 1000, text)
        assert status == 403 and said in answer["error"], (what, answer)
    assert endpoint.files() == [] and not (endpoint.inbox.root / "fedcba9876543210").exists()
    assert jobs(queue_db) == before
    # What is not a clip, and what is not this endpoint, are one sentence too.
    assert endpoint.put(b"x", ticket(), name="notes.html")[0] == 415
    conn = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=30)
    conn.request("GET", PATH)
    got = conn.getresponse()
    assert got.status == 405 and "error" in json.loads(got.read())
    assert endpoint.files() == []


def test_a_clip_over_the_limit_is_413_and_leaves_nothing_on_disk(endpoint, queue_db):
    before = jobs(queue_db)
    small = ticket(max_bytes=256 * 1024)
    # Declared too large: refused before a byte of it is read.
    status, answer = endpoint.raw(f"X-Calfcheck-Ticket: {small}\r\nX-Calfcheck-Name: a.mp4\r\nContent-Length: {MB}\r\n")
    assert (status, answer) == (413, {"error": "This clip is larger than the 0.25 MB the clinic accepts."})
    # Chunked (no length said): counted while it streams, stopped past the limit.
    piece = os.urandom(64 * 1024)
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * 5 + [b"0\r\n\r\n"]  # 320 KB
    head = f"X-Calfcheck-Ticket: {small}\r\nX-Calfcheck-Name: a.mp4\r\nTransfer-Encoding: chunked\r\n"
    status, answer = endpoint.raw(head, chunks)
    assert status == 413 and "larger than" in answer["error"]
    # A length that lies (says less than it sends) is counted too.
    status, _ = endpoint.put(piece * 2, small)
    assert status == 200  # 128 KB: within the limit
    time.sleep(0.5)
    assert [p.name for p in endpoint.files() if p.name.startswith(".incoming")] == []
    assert len(jobs(queue_db)) == len(before) + 1  # only the one within the limit


def test_a_client_that_disconnects_midway_leaves_nothing(endpoint, queue_db):
    before = jobs(queue_db)
    head = f"X-Calfcheck-Ticket: {ticket()}\r\nX-Calfcheck-Name: a.mp4\r\nContent-Length: {40 * MB}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=60) as s:
        s.sendall(f"PUT {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}".encode())
        for _ in range(6):
            s.sendall(os.urandom(MB))

        def staging_has_bytes():
            found = [p for p in endpoint.files() if p.parent.name.startswith(".incoming") and p.name.startswith("clip")]
            return found and found[0].stat().st_size >= MB

        deadline = time.time() + 30
        while not staging_has_bytes():  # it is being written to disk as it comes (not held until the end)
            assert time.time() < deadline, endpoint.files()
            time.sleep(0.05)
    # The phone's connection is gone at 6 MB of 40.
    deadline = time.time() + 30
    while endpoint.files():
        assert time.time() < deadline, endpoint.files()
        time.sleep(0.1)
    assert endpoint.inbox.listing(OWNER) == [] and jobs(queue_db) == before


def test_the_servers_memory_does_not_grow_with_the_size_of_the_upload(endpoint):
    assert endpoint.put(b"warm" * 1000, ticket())[0] == 200  # imports and the queue's connection: before measuring
    size = 300 * MB
    piece = os.urandom(MB)
    time.sleep(0.5)
    before = rss_mb(endpoint.proc.pid)
    peak, running = [before], True

    def sample():
        while running:
            peak.append(rss_mb(endpoint.proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        status, answer = endpoint.put((piece for _ in range(size // MB)), ticket(max_bytes=size), length=size)
    finally:
        running = False
        sampler.join()
    assert status == 200, answer
    assert endpoint.inbox.clip(answer["ref"]).stat().st_size == size
    rise = max(peak) - before
    assert rise < 40, f"the server's memory rose {rise:.0f} MB while 300 MB streamed through it"


def test_an_unreachable_queue_is_503_and_the_upload_is_forgotten(tmp_path):
    down = Endpoint("postgresql+psycopg://calfcheck:s3cret@127.0.0.1:1/x", tmp_path / "inbox", tmp_path / "log")
    try:
        status, answer = down.put(os.urandom(100_000), ticket())
    finally:
        down.stop()
    assert status == 503 and answer["error"].startswith("Your clip was not queued: the upload queue's database")
    assert "s3cret" not in answer["error"] and answer["error"].endswith("Try again in a while.")
    assert down.files() == []


def test_a_server_stopped_mid_upload_leaves_nothing(queue_db, tmp_path):
    """SIGTERM with a phone still sending: the server waits 10 s for it, then cancels it, and nothing is left."""
    stopping = Endpoint(queue_db, tmp_path / "inbox", tmp_path / "log")
    head = f"X-Calfcheck-Ticket: {ticket()}\r\nX-Calfcheck-Name: a.mp4\r\nContent-Length: {40 * MB}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", stopping.port), timeout=60) as s:
        s.sendall(f"PUT {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}".encode())
        for _ in range(4):
            s.sendall(os.urandom(MB))
        deadline = time.time() + 30
        while not [p for p in stopping.files() if p.name.startswith("clip")]:
            assert time.time() < deadline
            time.sleep(0.05)
        stopping.stop()
        assert stopping.proc.returncode == 0
    assert stopping.files() == [] and stopping.inbox.listing(OWNER) == []


def test_the_ticket_key_is_made_once_private_and_shared(tmp_path, monkeypatch):
    monkeypatch.delenv(tk.ENV_SECRET, raising=False)
    key = tk.secret(tmp_path / "data")
    assert len(key) == 32 and (tmp_path / "data" / tk.KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert tk.secret(tmp_path / "data") == key and [p.name for p in (tmp_path / "data").iterdir()] == [tk.KEY_FILE]
    # Two servers starting at once (the page's and the endpoint's): they agree on one key.
    folder = tmp_path / "race"
    code = "import sys; from pathlib import Path; from vision.upload_queue.tickets import secret; " \
           "sys.stdout.write(secret(Path(sys.argv[1])).hex())"  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != tk.ENV_SECRET}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(folder)], cwd=ROOT, env=env, stdout=subprocess.PIPE)
             for _ in range(4)]  # fmt: skip
    assert len({p.communicate(timeout=60)[0] for p in procs}) == 1
    monkeypatch.setenv(tk.ENV_SECRET, "from-the-environment")
    assert tk.secret(tmp_path / "data") == b"from-the-environment"
    minted = tk.check(key, tk.mint(key, OWNER, REQUEST, 123))
    assert (minted.owner, minted.request, minted.max_bytes) == (OWNER, REQUEST, 123)


def test_a_clips_name_is_text_of_bounded_length():
    assert clip_name(quote("../../etc/x.mp4")) == ".._.._etc_x.mp4"
    assert clip_name(quote("a\x00b\nc.MOV")) == "abc.MOV"
    assert clip_name(quote("x" * 500 + ".mp4")) == "x" * 196 + ".mp4"  # 200 characters, the type kept
    assert clip_name(None) is None and clip_name("notes.html") is None


def test_the_upload_components_settings_cannot_close_its_script():
    from app_pages.upload_queue import _UPLOADER, _script_json

    said = _script_json({"name": "</script><script>alert(1)</script><!--"})
    assert "<" not in said and json.loads(said) == {"name": "</script><script>alert(1)</script><!--"}
    assert _UPLOADER.count("SETTINGS_JSON") == 1 and ".innerHTML" not in _UPLOADER  # shown as textContent only


def test_the_upload_server_needs_postgresql_and_says_so_in_one_sentence(tmp_path):
    out = subprocess.run([sys.executable, "-m", "vision", "upload-server", "--db", f"sqlite:///{tmp_path / 'x.db'}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 1 and "only on a PostgreSQL database" in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1
