"""Live capacity: how many athletes one server coaches at once at >= 15 frames/s analysed each, on this machine.

The real path, as bench_live.py, with 1, 2, 3 ... athletes at once: ``streamlit run app.py`` on loopback (its
admission limit raised out of the way by a secrets file), Debian's Chromium with one page per athlete, each
page's fake camera playing a remix clip at 640x480, 30 fps, WebRTC both ways. Every page's own status line
("N frames/s analysed") is read once a second for ``--seconds``; the median per athlete is reported, and the
lowest of them decides. The browsers run on the same two cores as the server (an athlete's browser runs on their
phone), so the figure is a lower bound for the server alone; their CPU is reported beside the app's. The answer
is the default of ``[calfcheck.live] max_athletes`` (app_pages/live_network.py). Run:
``.venv/bin/python benchmarks/bench_live_capacity.py`` (needs ../shared and /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_live import CHROMIUM, CLIP, OUT, STATUS, camera_file, chromium_cpu_seconds, cpu_seconds  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

TARGET_FPS = 15


def run(browser, base: str, athletes: int, seconds: float, app_pid: int) -> dict:
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(athletes)]
    pages = [c.new_page() for c in contexts]
    try:
        for page in pages:
            page.goto(base)
            page.get_by_text("Reps: 0").wait_for(timeout=60_000)
            page.frame_locator("iframe[title*='webrtc']").get_by_text("START").click()
        for page in pages:
            # An athlete never analysed within a minute counts as 0 frames/s below, rather than ending the run.
            with contextlib.suppress(PlaywrightTimeout):
                page.get_by_text("frames/s analysed").wait_for(timeout=60_000)
        time.sleep(3)  # past the connections' ramp-up
        readings: list[list[int]] = [[] for _ in pages]
        cpu_app0, cpu_browser0, wall0 = cpu_seconds(app_pid), chromium_cpu_seconds(), time.perf_counter()
        while time.perf_counter() - wall0 < seconds:
            for i, page in enumerate(pages):
                status = page.get_by_text("frames/s analysed")
                if status.count() and (m := STATUS.search(status.first.inner_text())):
                    readings[i].append(int(m[1]))
            time.sleep(1.0)
        wall = time.perf_counter() - wall0
        medians = [statistics.median(r) if r else 0 for r in readings]
        app_cpu = cpu_seconds(app_pid) - cpu_app0
        browser_cpu = chromium_cpu_seconds() - cpu_browser0  # renderers that exited meanwhile make it read low
        return {
            "athletes": athletes,
            "median_fps_each": medians,
            "lowest": min(medians),
            "app_cpu_share": round(app_cpu / wall, 2),
            # The app's CPU per analysed frame (decoding, pose, drawing, encoding): less sensitive than the rate to
            # other work on the machine, so 2 cores / (15 x this) is the capacity on an idle machine, roughly.
            "app_cpu_ms_per_analysed_frame": round(1000 * app_cpu / max(1.0, sum(medians) * wall), 1),
            "browser_cpu_share": round(browser_cpu / wall, 2) if browser_cpu >= 0 else None,
            "load_average_1min": round(os.getloadavg()[0], 1),  # anything else running on the machine shows here
        }
    finally:
        for context in contexts:
            context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--most", type=int, default=4, help="stop after this many athletes at once")
    parser.add_argument("--all", action="store_true", help="go on to --most even below the target")
    args = parser.parse_args()
    if not CLIP.exists() or not Path(CHROMIUM).exists():
        sys.exit("needs ../shared/clips/remix and /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    from tests.streamlit_app import fake_camera_args, free_port, start_app

    work = Path(tempfile.mkdtemp(prefix="bench-capacity-"))
    y4m = camera_file(work / "camera.y4m", 640, 480)
    secrets = work / "secrets.toml"
    secrets.write_text("[calfcheck.live]\nmax_athletes = 100\n")  # no [auth]: the local app, no limit in the way
    port = free_port()
    env = {**os.environ, "CALFCHECK_DB": f"sqlite:///{work / 'db.sqlite'}", "TMPDIR": str(work)}
    extra = ("--server.address", "127.0.0.1", "--server.headless", "true", "--secrets.files", str(secrets))
    app = start_app(port, work / "streamlit.log", *extra, env=env)
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    *fake_camera_args(y4m),
                    "--disable-renderer-backgrounding",
                    "--disable-background-timer-throttling",
                    "--disable-backgrounding-occluded-windows",
                ],
            )
            for athletes in range(1, args.most + 1):
                result = run(browser, f"http://127.0.0.1:{port}/", athletes, args.seconds, app.pid)
                print(json.dumps(result), flush=True)
                results.append(result)
                if result["lowest"] < TARGET_FPS and not args.all:
                    break
                time.sleep(3)  # the closed pages' streams end before the next round
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=20)
    capacity = max((r["athletes"] for r in results if r["lowest"] >= TARGET_FPS), default=0)
    summary = {"camera": "640x480 at 30 fps", "target_fps": TARGET_FPS, "capacity": capacity, "runs": results}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "live-capacity.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
