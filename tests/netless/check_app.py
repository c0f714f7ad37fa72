"""Run the app and a browser with no network but loopback, and report every attempt to reach out.

Run inside a fresh network namespace (``unshare -n``, loopback up) by tests/test_privacy.py:
``python tests/netless/check_app.py OUT.json SCREENSHOT_DIR``. Starts ``streamlit run app.py`` exactly
as ``make app`` does (settings from .streamlit/config.toml), with ``sitecustomize`` logging the server's
outbound attempts; opens every page in Chromium, recording each request to a host other than this
machine; writes what it saw to OUT.json. The database is seeded first with people's text that would fetch an
outside image if it were rendered as Markdown (an athlete's name, a prescription's reason, a note): the
Progress page and the Review queue open on them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"live": "/", "review": "/review", "progress": "/progress", "queue": "/queue"}
TITLES = {"live": "Live coaching", "review": "Clip review", "progress": "Progress", "queue": "Review queue"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
OUTSIDE = "http://198.51.100.7"  # TEST-NET-2: never a real host
NAME = f"Ana ![x]({OUTSIDE}/name.png)"
NOTE = f"sore calf ![n]({OUTSIDE}/note.png) <img src='{OUTSIDE}/html.png'>"
REASON = f"tougher band ![r]({OUTSIDE}/reason.png)"


def seed(db_url: str) -> None:
    """An athlete, a prescription, a saved set and a note, each carrying an outside image in Markdown."""
    from datetime import date

    sys.path.insert(0, str(ROOT))
    from tests.synthetic import band_session
    from vision.records import Records, SetToSave

    item = SetToSave.from_analysis(band_session(good=4), clip_name=f"clip ![c]({OUTSIDE}/clip.png).mp4")
    with Records.open(db_url) as records:
        athlete = records.add_athlete(NAME)
        records.prescribe(athlete.id, item.leg, "band-tempo", "red", reason=REASON)
        records.prescribe(athlete.id, item.leg, "band-tempo", "green", reason=REASON)
        saved = records.save_set(athlete.id, item, source="upload", day=date.today())
        records.add_note(saved.saved.session_id, NOTE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(out: Path, shots: Path) -> None:
    log = Path(tempfile.mkdtemp()) / "connects.log"
    log.touch()
    seed(f"sqlite:///{log.parent / 'calfcheck.db'}")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parent),
        "CALFCHECK_CONNECT_LOG": str(log),
        "CALFCHECK_DB": f"sqlite:///{log.parent / 'calfcheck.db'}",  # the embedded database: no server to reach
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        outbound, rendered, shown = [], {}, {}
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                ],
            )
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on(
                "request",
                lambda r: (
                    urlparse(r.url).hostname not in LOCAL_HOSTS
                    and urlparse(r.url).scheme in ("http", "https", "ws", "wss")
                    and outbound.append(r.url)
                ),
            )
            for name, path in PAGES.items():
                page.goto(url + path)
                title = TITLES[name]
                page.get_by_role("heading", name=title).wait_for(timeout=60_000)
                if name == "queue":  # the overlay is drawn before the notes and the prescription's history
                    page.get_by_role("button", name="Mark reviewed").wait_for(timeout=120_000)
                page.wait_for_timeout(3000)  # fonts, icons and components load after the first paint
                page.screenshot(path=str(shots / f"netless-{name}.png"), full_page=True)
                rendered[name] = True
                # the page's text (a zero-width space keeps an address from becoming a link) and widget values
                body = (page.inner_text("body") + page.content()).replace("\u200b", "")
                shown[name] = [text for text in (NAME, NOTE, REASON) if text in body]
            browser.close()
    finally:
        server.terminate()
        server_output = server.communicate(timeout=30)[0].decode(errors="replace")
    out.write_text(
        json.dumps(
            {
                "rendered": rendered,
                "shown_as_typed": shown,
                "browser_outbound": sorted(set(outbound)),
                "server_outbound": log.read_text().splitlines(),
                "server_output": server_output[-4000:],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
