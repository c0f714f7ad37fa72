"""A phone's upload on a clinic server, end to end: a real OpenID Connect provider (the clinic browser test's), the
app on PostgreSQL as its own role, ``calfcheck upload-server`` and a real ``calfcheck worker`` beside it, Caddy in
front (the shipped Caddyfile, ``tls internal``, its root trusted in the browser's own NSS store as a clinic's devices
trust it), and Chromium emulating a phone held upright.

Athlete A1 logs in on the phone, uploads an iPhone-style clip (HEVC in a .mov, stored sideways with a rotation,
cut from a shared clip at test time with PyAV's libx265) through the page's upload component (streamed through
Caddy to the upload server, never through Streamlit), sees it queued (no worker is running yet), and closes
the browser. The server restarts, a worker starts. Back later in a new browser, her page says it is done with the
right count (two reps: the clip's own labels) and the advice; her My progress has the same advice; her
therapist's Review queue holds the session, from the upload. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date

import pytest

from tests.conftest import REMIX, ROOT, needs_shared, remix_labels
from tests.edge_servers import Caddy, _accepts, trust_in_nss
from tests.oidc_login import auth_secrets
from tests.phone_clips import phone_clip
from tests.streamlit_app import CHROMIUM_ARGS, free_port, start_app, wait_until_settled
from tests.test_browser import CHROMIUM
from tests.test_clinic_browser import idp, playwright_api  # noqa: F401 - the clinic browser test's provider and Playwright
from vision.records import Records

pytestmark = [
    pytest.mark.browser,
    needs_shared,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (make test does)"),
    pytest.mark.skipif(shutil.which("caddy") is None, reason="Debian's caddy is not installed (make test does)"),
]
ANA = "Ana Quintero"
CLIP = "fast_return_121_x4"
END_S = 13.0  # two of its reps, whole
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def server(postgres_server, tmp_path_factory, idp):  # noqa: F811
    """The clinic's records on PostgreSQL and the app as calfcheck_app (its worker not started yet)."""
    folder = tmp_path_factory.mktemp("upload-clinic")
    db = postgres_server.new_database()
    with Records.open(db) as admin:
        ana = admin.add_athlete(ANA).id
        admin.prescribe(ana, "left", "band-tempo", "red", start=date(2026, 11, 2))
        admin.invite("t1@clinic.test", "therapist")
        admin.invite("a1@clinic.test", "athlete", athlete=ANA, therapists=("t1@clinic.test",))
        with admin.store.engine.begin() as conn:
            if conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = 'calfcheck_app'").first() is None:
                conn.exec_driver_sql("CREATE ROLE calfcheck_app LOGIN")
    grant = subprocess.run([sys.executable, "-m", "vision", "user", "grant-app-role", "calfcheck_app", "--db", db],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert grant.returncode == 0, grant.stderr
    app_db = db.replace("//calfcheck@", "//calfcheck_app@")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CALFCHECK_DB": app_db, "XDG_DATA_HOME": str(folder / "data")}
    port, upload_port = free_port(), free_port()
    clinic = Clinic(port, folder, env, db)
    try:
        clinic.start_uploads(upload_port)
        clinic.caddy = Caddy.start("127.0.0.1", port, folder / "caddy", folder / "caddy.log", upload_port=upload_port)
        clinic.base = f"https://127.0.0.1:{clinic.caddy.port}"  # the address athletes use: through Caddy
        clinic.secrets = auth_secrets(folder / "secrets.toml", clinic.base, idp)
        clinic.start_app()
        yield clinic
    finally:
        clinic.stop()


class Clinic:
    """The app, its upload server, its worker and Caddy as a clinic runs them: the app may be restarted."""

    def __init__(self, port: int, folder, env: dict, db: str) -> None:
        self.port, self.folder, self.env, self.db = port, folder, env, db
        self.base = self.secrets = self.caddy = None
        self.app = self.worker = self.uploads = None

    def start_uploads(self, port: int) -> None:
        # The same data folder (XDG_DATA_HOME) as the app: the same inbox, and the key its tickets are signed with.
        log = (self.folder / "upload-server.log").open("a")
        command = [sys.executable, "-m", "vision", "upload-server", "--port", str(port)]
        self.uploads = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.upload_port = port
        deadline = time.time() + 30
        while not _accepts(port):
            assert time.time() < deadline and self.uploads.poll() is None, "the upload server did not start"
            time.sleep(0.1)

    def stop_uploads(self) -> None:
        self.uploads.terminate()
        self.uploads.wait(timeout=30)

    def start_app(self) -> None:
        try:
            self.app = start_app(self.port, self.folder / "streamlit.log", "--server.headless", "true",
                                 "--secrets.files", str(self.secrets), env=self.env)  # fmt: skip
        except RuntimeError as exc:
            self.stop()
            pytest.fail(str(exc))

    def restart_app(self) -> None:
        self.app.terminate()
        self.app.wait(timeout=30)
        self.start_app()

    def start_worker(self) -> None:
        # It finds the inbox where the app puts it (the data folder's uploads): the same XDG_DATA_HOME.
        log = (self.folder / "worker.log").open("w")
        command = [sys.executable, "-m", "vision", "worker"]
        self.worker = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        for proc in (self.app, self.worker, self.uploads):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        if self.caddy is not None:
            self.caddy.stop()
            self.caddy = None


@pytest.fixture(scope="module")
def browser(server, playwright_api, tmp_path_factory):  # noqa: F811
    """Debian's Chromium trusting Caddy's internal CA in its own NSS store (its $HOME), not ignoring errors."""
    home = tmp_path_factory.mktemp("browser-home")
    trust_in_nss(home, server.caddy.root_cert)
    chromium = playwright_api.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                              env={**os.environ, "HOME": str(home)})  # fmt: skip
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def iphone_clip(tmp_path_factory):
    return phone_clip(REMIX / f"{CLIP}.mp4", tmp_path_factory.mktemp("iphone") / "IMG_0042.MOV", END_S,
                      codec="libx265", scale=0.35, rotation_ccw=90)  # fmt: skip


class Browser:
    """One person's own browser (a phone, or a desk), refusing any request off loopback."""

    def __init__(self, chromium, base: str, **device) -> None:
        self.context = chromium.new_context(**(device or {"viewport": {"width": 1400, "height": 1000}}))
        self.outside: list[str] = []
        self.context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"), self._refuse)
        self.page = self.context.new_page()
        self.base = base

    def _refuse(self, route) -> None:
        if route.request.frame.url.startswith(self.base):  # the provider's own page asks a CDN: not calfcheck
            self.outside.append(route.request.url)
        route.abort()

    def log_in(self, sub: str) -> None:
        self.page.goto(self.base)
        self.page.get_by_role("button", name="Log in").click()
        self.page.get_by_role("button", name=sub, exact=True).click()
        self.page.wait_for_url(re.compile(re.escape(self.base) + r"/?(\w+)?(\?.*)?$"), timeout=60_000)
        self.page.get_by_role("button", name="Log in").wait_for(state="detached", timeout=60_000)
        wait_until_settled(self.page)

    def open(self, path: str, until: str) -> str:
        self.page.goto(f"{self.base}/{path}")
        self.page.get_by_text(until).first.wait_for(timeout=120_000)
        wait_until_settled(self.page)
        return self.page.inner_text("body")

    def close(self) -> None:
        assert self.outside == [], self.outside
        self.context.close()


def test_a_phone_clip_is_queued_scored_by_a_worker_and_reaches_the_therapist(
    server, browser, iphone_clip, artifacts, tmp_path
):
    base, db, folder = server.base, server.db, server.folder
    expected_reps = sum(1 for r in remix_labels(CLIP)["reps"] if r["eccentric"][1] < END_S)
    assert expected_reps == 2

    phone = Browser(browser, base, **PHONE)
    phone.log_in("a1")
    phone.open("review", until="Nothing uploaded yet.")
    uploader = phone.page.frame_locator('iframe[srcdoc*="_calfcheck/upload"]')
    assert phone.page.locator('input[type="file"]').count() == 0  # no Streamlit uploader: the clip never goes there
    # The upload server down (Caddy answers 502): the component says so in a sentence; then it is back.
    server.stop_uploads()
    uploader.locator('input[type="file"]').set_input_files(str(iphone_clip))
    uploader.get_by_text("The clinic's upload service is not answering").wait_for(timeout=30_000)
    server.start_uploads(server.upload_port)
    # What is not a clip is the upload server's one sentence, shown in the component.
    (tmp_path / "notes.txt").write_text("<b>not a clip</b>")
    uploader.locator('input[type="file"]').set_input_files(str(tmp_path / "notes.txt"))
    uploader.get_by_text("Only MP4, MOV, M4V, AVI or WebM clips can be uploaded.").wait_for(timeout=30_000)
    uploader.locator('input[type="file"]').set_input_files(str(iphone_clip))
    uploader.get_by_text("IMG_0042.MOV is queued: it is scored in the background.").wait_for(timeout=60_000)
    # Through Caddy to the upload server (uvicorn's access log: the path and status only).
    assert '"PUT /_calfcheck/upload HTTP/1.1" 200' in (server.folder / "upload-server.log").read_text()
    # No worker is running yet: it waits, listed (the list is redrawn every two seconds).
    waiting = "Queued: waiting for a worker. You may close this page and come back."
    phone.page.get_by_text(waiting).wait_for(timeout=30_000)
    phone.page.get_by_text("IMG_0042.MOV · sent").scroll_into_view_if_needed()
    phone.page.screenshot(path=str(artifacts / "upload-phone-queued.png"))
    phone.close()  # the athlete closes the browser
    server.restart_app()  # the server restarts with the upload still queued
    server.start_worker()  # and a worker comes up

    phone = Browser(browser, base, **PHONE)
    phone.log_in("a1")
    text = phone.open("review", until="saved to your record")
    assert f"Done: {expected_reps} reps, saved to your record." in text
    assert f"Saved for {ANA}: {date.today():%d %b %Y}, session" in text
    assert f"Next session for {ANA}, left leg:" in text  # the programme's advice for the leg filmed
    assert "IMG_0042.MOV · sent" in text
    phone.page.get_by_text(f"Next session for {ANA}").scroll_into_view_if_needed()
    phone.page.screenshot(path=str(artifacts / "upload-phone-done.png"))
    advice = re.search(rf"Next session for {ANA}, left leg: (.+)", text).group(1).strip()
    progress = phone.open("progress", until="Sessions")  # her own progress has the set, and the same advice
    assert f"Next session: {advice}" in progress
    phone.page.screenshot(path=str(artifacts / "upload-phone-progress.png"))
    phone.close()
    assert not list((folder / "data").rglob("clip.*"))  # the video is not kept once scored

    desk = Browser(browser, base)
    desk.log_in("t1")
    text = desk.open("", until="Mark reviewed")  # the queue is a therapist's first page
    assert f"{ANA} · {date.today():%a %d %b} · left leg · band-tempo on red · 1 set(s), {expected_reps} reps" in text
    assert "Clip: IMG_0042.MOV · source: upload" in text
    desk.page.screenshot(path=str(artifacts / "upload-therapist-queue.png"), full_page=True)
    desk.close()
    with Records.open(db) as admin:
        [session] = [s for s in admin.sessions(admin.athlete(ANA).id) if s.day == date.today()]
    assert session.source == "upload" and [s.rep_count for s in session.sets] == [expected_reps]
