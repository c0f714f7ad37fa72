"""Start the app as ``make app`` does, on a free loopback port, for browser and privacy tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, log: Path, *extra: str, env: dict | None = None, app: str = "app.py") -> subprocess.Popen:
    """``streamlit run app.py`` on ``port`` (settings from .streamlit/config.toml plus ``extra`` flags);
    returns once it answers its health check, or kills it and raises RuntimeError with the log's tail.

    Each app gets a temporary folder of its own (TMPDIR beside its log): its uploads and live drafts never
    meet another test run's (two runs at once would otherwise see each other's finished sets)."""
    private_tmp = log.parent / f"tmp-{port}"
    private_tmp.mkdir(mode=0o700, exist_ok=True)
    env = {**(os.environ if env is None else env), "TMPDIR": str(private_tmp)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port), *extra],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"streamlit did not start: {log.read_text()[-2000:]}")


def wait_until_settled(page, timeout: float = 120_000) -> None:
    """Wait until the app has finished its current run: no running indicator and no element Streamlit is
    still showing from the previous run (it keeps those, marked ``data-stale``, until the rerun replaces
    them; a locator would otherwise find the old and the new copy of the same button)."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid^="stStatusWidgetRunning"]')
                 && !document.querySelector('[data-stale="true"]')""",
        timeout=timeout,
    )


# Debian's Chromium without the background connections a closed network refuses (and no first-run pages).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def fake_camera_args(y4m) -> list[str]:
    """Chromium's arguments for a camera that plays ``y4m`` (a .y4m clip), allowed without asking."""
    return [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]


def launch_chromium(playwright, executable_path: str):
    """Headless Debian Chromium, as every browser test drives it."""
    return playwright.chromium.launch(executable_path=executable_path, headless=True, args=CHROMIUM_ARGS)


def choose(page, label: str, option: str, reveals: str | None = None) -> None:
    """Pick ``option`` in the Streamlit select box labelled ``label``, as a person types and presses Enter, then
    wait until the page has rerun with it. A choice made while the page is still rerunning from an earlier input
    can be redrawn away, so it is made again until the box shows it after a settled rerun.

    ``reveals`` names the label of a box the choice brings up. A box that shows the choice is not proof that the
    page ran with it (CI once showed "New athlete" with no name box for 30 s after a load typed just before had
    reran the page): when that box does not come, another option is picked and then this one again, which sends
    the choice afresh."""
    box = page.get_by_role("combobox", name=label)
    for _ in range(3):
        wait_until_settled(page)
        box.click()
        box.fill(option)
        page.keyboard.press("Enter")
        wait_until_settled(page)  # the choice reruns the page: text typed during that rerun would be lost
        if not box.input_value().startswith(option):  # (Enter picks the first option that starts with the text)
            continue
        if reveals is None:
            return
        try:
            page.get_by_label(reveals).wait_for(timeout=20_000)
            return
        except PlaywrightTimeoutError:
            box.click()
            page.keyboard.press("ArrowDown")  # the menu opens on the chosen option: the one below (or above) it
            page.keyboard.press("Enter")
    raise AssertionError(f"the select box {label!r} did not keep {option!r}: it shows {box.input_value()!r}")


def enter_text(page, label: str, text: str) -> None:
    """Type ``text`` into the text box labelled ``label`` and press Enter, as a person does, then wait until the
    page has rerun with it. A box filled while the page is still rerunning can be redrawn empty, so the text is
    typed again until the box keeps it."""
    box = page.get_by_label(label)
    for _ in range(3):
        wait_until_settled(page)
        box.fill(text)
        box.press("Enter")
        wait_until_settled(page)
        if box.input_value() == text:
            return
    raise AssertionError(f"the text box {label!r} did not keep {text!r}")


PHONE = "Pixel 7"  # Playwright's descriptor: portrait, touch, a mobile user agent, 412 x 839 CSS px


def phone_layout(page) -> dict:
    """What a phone shows: horizontal overflow (the document's, and that of Streamlit's main area, which scrolls
    on its own), the camera's video and frame widths, the count's type size."""
    return page.evaluate("""() => {
        const frame = document.querySelector("iframe[title*='webrtc']");
        const video = frame && frame.contentDocument && frame.contentDocument.querySelector("video");
        const reps = document.querySelector("#cc-reps");
        const main = document.querySelector('[data-testid="stMain"]');
        return {
            scrollWidth: Math.max(document.scrollingElement.scrollWidth, main ? main.scrollWidth : 0),
            innerWidth: window.innerWidth,
            frameWidth: frame ? frame.getBoundingClientRect().width : 0,
            videoWidth: video ? video.getBoundingClientRect().width : 0,
            countPx: reps ? parseFloat(getComputedStyle(reps).fontSize) : 0,
        };
    }""")


def tall_screenshot(page, path: Path) -> None:
    """The whole page as a phone shows it, scrolled through: Streamlit scrolls its main area itself, so a
    full-page screenshot would stop at the screen's height; the screen is made as tall as the page instead (its
    width, and so the layout, unchanged)."""
    size = page.viewport_size
    height = page.evaluate(
        """() => { const main = document.querySelector('[data-testid="stMain"]');
                   return Math.max(main ? main.scrollHeight : 0, document.scrollingElement.scrollHeight); }"""
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height), 5000)})
    wait_until_settled(page)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
