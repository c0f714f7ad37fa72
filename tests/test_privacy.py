"""Health data stays on the machine: the app listens on loopback, reaches nothing outside, and keeps
uploaded footage only while it is reviewed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.netless.check_app import NAME, NOTE, REASON
from tests.streamlit_app import free_port, start_app

CHROMIUM = "/usr/bin/chromium"


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))  # little-endian words
                family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
                found.add(socket.inet_ntop(family, words))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net to see listening sockets")
def test_the_app_listens_on_loopback_only(tmp_path):
    port = free_port()
    log = tmp_path / "streamlit.log"
    # Exactly what `make app` relies on: no --server.address flag, the project's .streamlit/config.toml.
    proc = start_app(port, log)
    try:
        addresses = listening_addresses(port)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert addresses == {"127.0.0.1"}, (addresses, log.read_text()[-1500:])
    assert "External URL" not in log.read_text() and "Network URL" not in log.read_text()


def can_unshare_network() -> bool:
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)")
@pytest.mark.skipif(not can_unshare_network(), reason="needs unshare -n (root or user namespaces) and iproute2")
def test_the_app_works_with_no_network_and_tries_to_reach_nothing(tmp_path, artifacts):
    """App and browser in a network namespace with loopback only; every outbound attempt is recorded."""
    out = tmp_path / "seen.json"
    script = ROOT / "tests" / "netless" / "check_app.py"
    res = subprocess.run(
        [
            "unshare",
            "-n",
            "sh",
            "-c",
            f'ip link set lo up && exec "$0" "{script}" "{out}" "{artifacts}"',
            sys.executable,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    seen = json.loads(out.read_text())
    assert seen["rendered"] == {"live": True, "review": True, "progress": True, "queue": True}  # every page
    assert seen["browser_outbound"] == []  # no CDN fonts, icons or scripts, no image from people's text
    # an athlete's name, a prescription's reason and a note with outside images are shown as typed
    assert seen["shown_as_typed"]["progress"] and seen["shown_as_typed"]["queue"] == [NAME, NOTE, REASON]
    assert seen["server_outbound"] == [], seen["server_output"]  # no IP lookup, no telemetry


# ---- uploads -----------------------------------------------------------------------------------
def test_uploads_keep_the_users_name_in_a_private_folder(tmp_path):
    from app_pages.uploads import UploadStore

    store = UploadStore(tmp_path / "uploads")
    clip = store.save("../../My set 1.MP4", b"video bytes")
    assert clip.name == "My set 1.mp4" and clip.path.read_bytes() == b"video bytes"
    assert clip.path.is_relative_to(tmp_path / "uploads")  # no folder from the name is followed
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o700
    again = store.save("renamed.mp4", b"video bytes")
    assert again.digest == clip.digest and again.folder == clip.folder


def test_idle_uploads_are_swept(tmp_path):
    from app_pages.uploads import MAX_AGE_S, UploadStore

    store = UploadStore(tmp_path / "uploads")
    old = store.save("old.mp4", b"old")
    (old.folder / "annotated-band-tempo-left.mp4").write_bytes(b"render")
    fresh = store.save("fresh.mp4", b"fresh")
    now = time.time()
    os.utime(old.folder, (now - MAX_AGE_S - 60, now - MAX_AGE_S - 60))
    assert store.sweep(now=now) == 1
    assert not old.folder.exists() and fresh.path.exists()
