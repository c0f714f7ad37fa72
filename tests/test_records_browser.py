"""Athletes' records in the app, in a real browser: save an upload to a new athlete, see it on the
Progress page and in the Review queue, add a note, mark it reviewed. Screenshots go to test-artifacts/.

Needs /usr/bin/chromium (``make test`` installs it) and ../shared for the clip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app_pages.records import NEW_ATHLETE
from tests.conftest import REMIX, needs_shared
from tests.streamlit_app import choose, enter_text, free_port, launch_chromium, start_app, wait_until_settled
from tests.test_browser import CHROMIUM, upload
from tests.test_cli import calfcheck
from vision.records import Records

pytestmark = [
    pytest.mark.browser,
    needs_shared,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (make test does)"),
]
CLIP = REMIX / "tempo_123_x4.mp4"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records-app")
    db = f"sqlite:///{folder / 'calfcheck.db'}"
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CALFCHECK_DB": db, "XDG_DATA_HOME": str(folder / "data")}
    try:
        proc = start_app(port, folder / "streamlit.log", "--server.headless", "true", env=env)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield f"http://127.0.0.1:{port}", db, folder / "data" / "calfcheck" / "unsaved"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(artifacts):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p, CHROMIUM)
        pg = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        yield pg
        browser.close()


def test_save_an_upload_then_progress_then_review_queue(app, page, artifacts):
    url, db, _ = app
    upload(page, url, CLIP)
    page.get_by_text("Download JSON").wait_for(timeout=240_000)
    choose(page, "Band colour", "red")
    page.get_by_text("Save to an athlete's record").wait_for(timeout=120_000)
    enter_text(page, "New athlete's name", "Test Runner")
    page.get_by_role("button", name="Save set").click()
    page.get_by_text("Saved for Test Runner:", exact=False).wait_for(timeout=60_000)
    assert "session 1, set 1." in page.get_by_text("Saved for Test Runner:", exact=False).inner_text()
    page.get_by_text("Next session for Test Runner", exact=False).wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "records_saved_upload.png"), full_page=True)

    with Records.open(db) as records:  # what the page said is what the database holds
        [session] = records.sessions(records.athlete("Test Runner").id)
        assert (session.band, session.source, len(session.sets)) == ("red", "upload", 1)
        assert session.sets[0].rep_count == 4
        assert not session.sets[0].has_video  # landmarks only, unless the user asks

    page.goto(f"{url}/progress")
    page.get_by_role("heading", name="Progress").wait_for(timeout=60_000)
    page.get_by_text("Next session:").first.wait_for(timeout=60_000)
    page.get_by_text("Band ladder").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Download the PDF progress report").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # plotly draws after the first paint
    page.screenshot(path=str(artifacts / "progress_page.png"), full_page=True)

    page.goto(f"{url}/queue")
    page.get_by_role("heading", name="Review queue").wait_for(timeout=60_000)
    page.get_by_text("Test Runner ·", exact=False).first.wait_for(timeout=60_000)
    page.get_by_text("Drawn from the stored landmarks").wait_for(timeout=120_000)
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2; }", timeout=60_000
    )  # the overlay from landmarks is H.264 Chromium decodes
    page.locator("table tbody tr").first.wait_for(timeout=60_000)
    assert page.locator("table tbody tr").count() == 4
    page.get_by_role("textbox", name="Note").fill("Good range; slow the return a little.")
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Good range; slow the return a little.").wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "review_queue_page.png"), full_page=True)
    page.get_by_role("button", name="Mark reviewed").click()
    page.get_by_text("Nothing is waiting for review.").wait_for(timeout=30_000)
    assert page.get_by_text("Traceback").count() == 0

    with Records.open(db) as records:
        [session] = records.sessions(records.athlete("Test Runner").id)
        assert session.reviewed and [n.text for n in session.notes] == ["Good range; slow the return a little."]
        assert session.notes[0].author == "local user"  # signed by who uses calfcheck, never a typed name
        assert records.review_queue() == []


def test_a_heel_raise_is_saved_with_the_load_carried(app, page, artifacts):
    """Heel raises move up by load: the Save panel asks for it (band exercises never do), the record keeps it,
    and the Review queue names it."""
    url, db, _ = app
    upload(page, url, CLIP)
    page.get_by_text("Download JSON").wait_for(timeout=240_000)
    page.get_by_text("Save to an athlete's record").wait_for(timeout=120_000)
    assert page.get_by_role("spinbutton", name="Load (kg)").count() == 0  # a band exercise: a band, never a load
    choose(page, "Exercise", "Standing heel raise")
    page.get_by_text("heel lift (shank lengths)").wait_for(timeout=120_000)
    wait_until_settled(page)
    load = page.get_by_role("spinbutton", name="Load (kg)")
    load.fill("7.5")
    load.press("Enter")
    choose(page, "Athlete", NEW_ATHLETE, reveals="New athlete's name")
    enter_text(page, "New athlete's name", "Load Carrier")
    wait_until_settled(page)
    page.get_by_role("button", name="Save set").click()
    page.get_by_text("Saved for Load Carrier:", exact=False).wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "records_saved_heel_raise_with_load.png"), full_page=True)
    with Records.open(db) as records:
        [session] = records.sessions(records.athlete("Load Carrier").id)
        assert (session.protocol, session.band, session.load_kg) == ("heel-raise", None, 7.5)
    page.goto(f"{url}/queue")
    page.get_by_role("heading", name="Review queue").wait_for(timeout=60_000)
    page.get_by_text("heel-raise with 7.5 kg", exact=False).first.wait_for(timeout=60_000)
    assert page.get_by_text("Traceback").count() == 0


def test_a_database_moved_away_while_the_app_runs_is_said_and_the_set_is_kept(app, page, artifacts):
    """SQLite would go on "saving" into the unlinked file; the page says the file went and keeps the set."""
    url, db, unsaved = app
    path = Path(db.removeprefix("sqlite:///"))
    upload(page, url, CLIP)
    page.get_by_text("Download JSON").wait_for(timeout=240_000)
    page.get_by_text("Save to an athlete's record").wait_for(timeout=120_000)
    choose(page, "Athlete", NEW_ATHLETE, reveals="New athlete's name")  # the page remembers the last athlete saved for
    enter_text(page, "New athlete's name", "Moved Away")
    save = page.get_by_role("button", name="Save set")
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Save set') && !b.disabled)",
        timeout=30_000,
    )  # the typed name is in: the button is ready
    moved = path.with_name("moved.db")
    path.rename(moved)
    try:
        save.click()
        page.get_by_text("was deleted or moved while calfcheck had it open", exact=False).wait_for(timeout=60_000)
        page.get_by_text("The scored set is kept in", exact=False).wait_for(timeout=10_000)
        page.screenshot(path=str(artifacts / "records_database_moved.png"), full_page=True)
    finally:
        moved.rename(path)
    [kept] = unsaved.glob("unsaved-*.json")
    assert page.get_by_text(str(kept), exact=False).count() == 1  # the page says where
    saved = calfcheck("save", kept, "--db", db)
    assert saved.returncode == 0, saved.stderr
    assert "Saved for Moved Away:" in saved.stdout and not kept.exists()
    with Records.open(db) as records:
        [session] = records.sessions(records.athlete("Moved Away").id)
        assert session.sets[0].rep_count == 4 and session.source == "upload"
