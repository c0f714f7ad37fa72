"""A clinic server in a real browser: a real OpenID Connect provider (oidc-provider-mock) started here, the
app with Streamlit's ``[auth]`` secrets, real Chromium logging in as therapist T1 (athlete Ana), therapist T2
(athlete Bo), athlete A1 (Ana) and someone nobody invited.

Every page each of them may open is opened; Bo's name (and his therapist-only note) must appear nowhere A1 or
T1 look: menus, pickers, tables, messages, the PDF. Pages outside a role's menu, opened by their URL (with any
parameter), show nothing of themselves. A note with HTML and a Markdown link shows as text. An idle login has
to log in again. Nothing reaches beyond loopback: every request to another host is refused, and recorded when
calfcheck's pages made it.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import date

import pytest

from app_pages.records import NEW_ATHLETE
from tests.oidc_login import auth_secrets, log_in
from tests.streamlit_app import (
    PHONE,
    choose,
    free_port,
    launch_chromium,
    phone_layout,
    start_app,
    tall_screenshot,
    wait_until_settled,
)
from tests.synthetic import band_session
from tests.test_browser import CHROMIUM
from vision.records import Records, SetToSave

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (make test does)"),
]
ANA, BO = "Ana Quintero", "Bo Zebrowski"
BO_NOTE = "therapist-only: Bo's achilles flared up"
XSS_NOTE = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) **bold**"
IDLE_MINUTES = 0.5  # short, for the idle test; every other step is a page run well within it
DAY = date(2026, 11, 2)
PEOPLE = {
    "t1": ("t1@clinic.test", "Tess One"),
    "t2": ("t2@clinic.test", "Theo Two"),
    "a1": ("a1@clinic.test", "Ana Q"),
    "stranger": ("stranger@clinic.test", "Stranger"),
    "a2": ("a2@clinic.test", "Bo Z"),
    "cy": ("cy@clinic.test", "Cy N"),  # invited by T1 from the app, during the test
}


@pytest.fixture(scope="module")
def idp():
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims={"email": email, "email_verified": True, "name": name})
             for sub, (email, name) in PEOPLE.items()]  # fmt: skip
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def clinic(request, tmp_path_factory, idp):
    """The clinic's records, then the app serving them: on SQLite, and on PostgreSQL as the app's own role (the
    row-level security policies hold every page to the logged-in user's rows)."""
    folder = tmp_path_factory.mktemp("clinic-app")
    if request.param == "sqlite":
        db = app_db = f"sqlite:///{folder / 'calfcheck.db'}"
    else:
        db = request.getfixturevalue("postgres_server").new_database()
        app_db = db.replace("//calfcheck@", "//calfcheck_app@")
    with Records.open(db) as server:  # the server's CLI: the administrator
        ana, bo = server.add_athlete(ANA).id, server.add_athlete(BO).id
        server.invite("t1@clinic.test", "therapist")
        server.invite("t2@clinic.test", "therapist")
        server.invite("a1@clinic.test", "athlete", athlete=ANA, therapists=("t1@clinic.test",))
        server.invite("a2@clinic.test", "athlete", athlete=BO, therapists=("t2@clinic.test",))
        saved = {}
        for athlete_id, reps in ((ana, 7), (bo, 9)):
            server.prescribe(athlete_id, "right", "band-tempo", "red", start=DAY)
            item = SetToSave.from_analysis(band_session(reps), content_hash=f"clip-{athlete_id}")
            saved[athlete_id] = server.save_set(athlete_id, item, source="upload", day=DAY).saved
        server.add_note(saved[ana].session_id, XSS_NOTE, shared=True)
        server.add_note(saved[bo].session_id, BO_NOTE)
        if request.param == "postgresql":
            engine = server.store.engine
            with engine.begin() as conn:
                if conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = 'calfcheck_app'").first() is None:
                    conn.exec_driver_sql("CREATE ROLE calfcheck_app LOGIN")
            server.grant_app_role("calfcheck_app")
    proc, url = serve(folder, idp, app_db)
    yield url, db, folder
    proc.terminate()
    proc.wait(timeout=20)


def serve(folder, idp: str, db: str):
    """The app on a free port with the test provider in its ``[auth]`` secrets, serving ``db``."""
    port = free_port()
    secrets = auth_secrets(
        folder / "secrets.toml",
        f"http://127.0.0.1:{port}",
        idp,
        f"""
[calfcheck]
idle_timeout_minutes = {IDLE_MINUTES}
""",
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CALFCHECK_DB": db, "XDG_DATA_HOME": str(folder / "data")}
    args = ("--server.headless", "true", "--secrets.files", str(secrets))
    try:
        return start_app(port, folder / "streamlit.log", *args, env=env), f"http://127.0.0.1:{port}"
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def playwright_api():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_api):
    chromium = launch_chromium(playwright_api, CHROMIUM)
    yield chromium
    chromium.close()


class Person:
    """One person's own browser (its own cookies), refusing and recording any request off loopback."""

    def __init__(self, browser, base: str, artifacts, device: dict | None = None) -> None:
        """``device``: a Playwright device descriptor (a phone); a 1400 x 1000 desktop window without one."""
        screen = device or {"viewport": {"width": 1400, "height": 1000}}
        self.context = browser.new_context(**screen, accept_downloads=True)
        self.outside: list[str] = []
        self.context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"), self._refuse)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.base, self.artifacts = base, artifacts

    def _refuse(self, route) -> None:
        # Recorded when calfcheck's own pages ask (the test provider's login page wants a CDN stylesheet: refused,
        # not calfcheck's doing).
        try:
            asked_by = route.request.frame.url
        except Exception:  # noqa: BLE001 - a request from no frame (a service worker): count it
            asked_by = self.base
        if asked_by.startswith(self.base) and not route.request.url.startswith(("data:", "blob:", "about:")):
            self.outside.append(route.request.url)
        route.abort()

    def log_in(self, sub: str) -> None:
        log_in(self.page, self.base, sub)

    def open(self, path: str, until: str | None = None) -> str:
        """The page's text once it has run (``until``: a text the finished page shows)."""
        self.page.goto(f"{self.base}/{path}")
        wait_until_settled(self.page)
        self.page.wait_for_timeout(500)
        wait_until_settled(self.page)
        if until is not None:
            self.page.get_by_text(until).first.wait_for(timeout=120_000)
            wait_until_settled(self.page)
        return self.page.inner_text("body")

    def menu(self) -> list[str]:
        links = self.page.locator('[data-testid="stSidebarNav"] a')
        links.first.wait_for(timeout=30_000)
        return [t.strip().splitlines()[-1] for t in links.all_inner_texts()]  # the last line: the icon's name first

    def shot(self, name: str) -> None:
        # The picture once every element has drawn (charts draw after the page has settled).
        self.page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
        self.page.screenshot(path=str(self.artifacts / f"clinic-{name}.png"), full_page=True)

    def close(self) -> None:
        assert self.outside == [], self.outside
        assert self.dialogs == [], self.dialogs  # no script from a note ever ran
        self.context.close()


def test_athlete_a1_sees_only_her_own_record_everywhere(clinic, browser, artifacts):
    base, db, _folder = clinic
    a1 = Person(browser, base, artifacts)
    a1.log_in("a1")
    assert a1.menu() == ["Live coaching", "Upload a set", "My progress"]
    a1.shot("athlete-menu")
    for path, until in (("live", "Live coaching"), ("review", "Upload a recorded set"), ("progress", ANA)):
        text = a1.open(path, until)
        assert "Zebrowski" not in text and BO_NOTE not in text, path
    text = a1.open("progress", until="Notes from your therapist")
    assert ANA in text
    # The therapist's shared note is there, as the characters typed: no image, no link, no bold.
    assert XSS_NOTE in text
    assert a1.page.locator('img[src="x"]').count() == 0
    assert a1.page.locator('a[href^="javascript"]').count() == 0
    a1.shot("athlete-progress")
    with a1.page.expect_download() as download:
        a1.page.get_by_role("button", name="Download the PDF progress report").click()
    pdf = download.value.path()
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Quintero" in words and "Zebrowski" not in words and "achilles" not in words
    # Pages outside her menu, by URL and with any parameter: nothing of them.
    for path in ("queue", "invitations", "audit", "users", "queue?session=2", "progress?athlete=2"):
        text = a1.open(path)
        assert "Zebrowski" not in text and BO_NOTE not in text, path
        assert "Review queue" not in text and "Audit log" not in text and "Invitations" not in text, path
    a1.close()
    with Records.open(db) as server:
        assert any(e.actor == "a1@clinic.test" and e.action == "view" for e in server.audit_log())


def test_athlete_a1_on_a_phone_has_her_three_pages_fit_the_screen(clinic, browser, playwright_api, artifacts, request):
    """A1 logs in on a phone (Pixel 7 emulation, portrait, touch): Live coaching, Upload a set and My progress
    fit the screen's width, the camera's frame fills it with its device selector in reach, the count is large."""
    if "postgresql" in request.node.callspec.id:
        pytest.skip("the layout does not depend on the database: once, on SQLite, keeps CI's budget")
    base, _db, _folder = clinic
    a1 = Person(browser, base, artifacts, device=playwright_api.devices[PHONE])
    a1.log_in("a1")
    for path, until, name in (
        ("", "Live coaching", "live"),  # her default page: at the app's address (/live is no page of hers)
        ("review", "Upload a recorded set", "upload"),
        ("progress", "Notes from your therapist", "progress"),
    ):
        a1.open(path, until)
        if name == "live":
            a1.page.frame_locator("iframe[title*='webrtc']").get_by_text("Select Device").wait_for(timeout=30_000)
        a1.page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
        layout = phone_layout(a1.page)
        assert layout["scrollWidth"] <= layout["innerWidth"], (path, layout)
        assert a1.page.get_by_text("Page not found").count() == 0, path
        if name == "live":
            assert layout["frameWidth"] >= 0.9 * layout["innerWidth"], layout
            assert layout["countPx"] >= 48, layout
        tall_screenshot(a1.page, artifacts / f"clinic-phone-{name}.png")
    a1.close()


def test_therapist_t1_sees_his_care_team_only(clinic, browser, artifacts):
    base, _db, _folder = clinic
    t1 = Person(browser, base, artifacts)
    t1.log_in("t1")
    assert t1.menu() == ["Review queue", "Progress", "Clip review", "Invitations", "Audit log"]
    text = t1.open("", until="Mark reviewed")  # the queue is the therapist's first page
    assert ANA in text and "Zebrowski" not in text
    assert XSS_NOTE in text and t1.page.locator('img[src="x"]').count() == 0
    t1.shot("therapist-queue")
    for path, until in (("progress", "Athlete"), ("review", "Clip review"), ("invitations", "Your athletes"),
                        ("audit", "Audit log"), ("users", "Review queue"), ("live", "Review queue")):  # fmt: skip
        text = t1.open(path, until)
        assert "Zebrowski" not in text and BO_NOTE not in text, path
    text = t1.open("progress", until="An athlete's course over the weeks")
    t1.page.get_by_role("combobox", name="Athlete").wait_for(timeout=60_000)
    assert "Quintero" not in t1.page.inner_text("body")  # nothing preselected: the therapist chooses
    assert "Sessions" not in t1.page.inner_text("body")
    picker = t1.page.get_by_role("combobox", name="Athlete")
    picker.click()
    options = t1.page.get_by_role("option").all_inner_texts()
    assert options == [ANA]
    t1.page.keyboard.press("Escape")
    # T1 invites a new athlete from the app; at her first login she is linked to that record and nothing else.
    t1.open("invitations", until="Your athletes")
    t1.page.get_by_label("Athlete's email").fill("CY@clinic.test")
    choose(t1.page, "Athlete", NEW_ATHLETE, reveals="New athlete's name")
    t1.page.get_by_label("New athlete's name").fill("Cy Newcomer")
    t1.page.get_by_role("button", name="Invite").click()
    t1.page.get_by_text("Invited cy@clinic.test as Cy Newcomer.").wait_for(timeout=60_000)
    t1.close()
    cy = Person(browser, base, artifacts)
    cy.log_in("cy")
    text = cy.open("progress", until="Cy Newcomer")
    assert "has no prescription and no saved session yet" in text
    assert "Quintero" not in text and "Zebrowski" not in text
    cy.close()


def test_athlete_a2_sees_only_his_own_record(clinic, browser, artifacts):
    base, _db, _folder = clinic
    a2 = Person(browser, base, artifacts)
    a2.log_in("a2")
    text = a2.open("progress", until=BO)
    assert "Quintero" not in text and XSS_NOTE not in text
    assert BO_NOTE not in text  # his therapist's note was not shared with him
    for path in ("live", "review", "queue"):
        assert "Quintero" not in a2.open(path), path
    a2.close()


def test_someone_uninvited_sees_one_sentence(clinic, browser, artifacts):
    base, _db, _folder = clinic
    stranger = Person(browser, base, artifacts)
    stranger.log_in("stranger")
    sentence = "You have no invitation to this calfcheck yet: ask your therapist for an invitation."
    for path in ("", "queue", "progress", "live", "users"):
        body = stranger.open(path, until=sentence)
        # Streamlit's own "Skip to main content" link, then the one sentence: no menu, no name, nothing else.
        assert [line for line in body.splitlines() if line.strip()] == ["Skip to main content", sentence], path
    stranger.shot("uninvited")
    stranger.close()


def test_an_idle_login_must_log_in_again(clinic, browser, artifacts, idp, request):
    if "postgresql" in request.node.callspec.id:
        pytest.skip("the idle timeout lives in the login session, not the database: once, on SQLite, keeps CI's budget")
    base, _db, _folder = clinic
    t2 = Person(browser, base, artifacts)
    t2.log_in("t2")
    assert BO in t2.open("", until="Mark reviewed")
    for path, until in (("progress", "Athlete"), ("invitations", "Your athletes"), ("audit", "Audit log")):
        assert "Quintero" not in t2.open(path, until), path  # T2 never sees T1's athlete
    idle_from = time.monotonic()  # before the last page run: the idle time counts from that run, later
    t2.open("", until="Mark reviewed")
    # Left alone, the page logs out where it stood (it checks every few seconds): on to the provider's
    # end-of-session page, nothing of Bo left on screen; and not before the timeout.
    t2.page.wait_for_url(re.compile(re.escape(idp) + r"/oauth2/end_session.*"), timeout=(IDLE_MINUTES * 60 + 60) * 1000)
    assert time.monotonic() - idle_from >= IDLE_MINUTES * 60
    assert "Zebrowski" not in t2.page.inner_text("body")
    # Back at calfcheck: the login page, not the queue (and the old cookie is gone).
    assert "Log in" in t2.open("", until="Log in") and "Zebrowski" not in t2.page.inner_text("body")
    t2.shot("after-idle")
    t2.close()


def test_a_clinic_server_connected_as_the_tables_owner_refuses_to_serve(postgres_server, idp, tmp_path, browser):
    """As the owner, row-level security would not hold: the app says so and shows no record."""
    db = postgres_server.new_database()
    with Records.open(db) as server:
        server.add_athlete(ANA)
        server.invite("t1@clinic.test", "therapist")
    proc, base = serve(tmp_path, idp, db)
    try:
        t1 = Person(browser, base, tmp_path)
        t1.log_in("t1")
        text = t1.open("", until="row-level security would not hold")
        assert "Quintero" not in text and "Review queue" not in text
        t1.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
