"""Spoken cues: how long after the frame that made a word due the browser is asked to say it, on this machine.

The real path: ``streamlit run app.py`` on loopback, Debian's Chromium emulating a phone (Pixel 7) with its fake
camera playing the 4-rep remix clip at 15 fps, WebRTC both ways. The server notes the wall time at which each
utterance became due (the video thread, on the analysed frame); the page's ``speechSynthesis.speak`` is wrapped to
note the wall time it is called; both clocks are this machine's. One pass of the clip (``--seconds``), then STOP.
Reports each word with its delay, and the median and largest. Run: ``make benchmark`` (needs ../shared and
/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
CLIP = ROOT.parent / "shared" / "clips" / "remix" / "tempo_123_x4.mp4"
CHROMIUM = "/usr/bin/chromium"
# Each speak call with the page's wall time and the server's (the voice puts it on the utterance); not said aloud.
RECORD = """
window.__spoken = [];
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (u) =>
    window.__spoken.push({text: u.text, at: Date.now() / 1000, due: u.calfcheckDue});
}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=36.0, help="how long the camera plays (one pass: 34 s)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.streamlit_app import PHONE, free_port, start_app
    from tests.test_browser import make_y4m

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        y4m = make_y4m(CLIP, tmp / "camera.y4m")
        port = free_port()
        env = {**os.environ, "CALFCHECK_DB": f"sqlite:///{tmp / 'calfcheck.db'}"}
        proc = start_app(port, tmp / "streamlit.log", "--server.address", "127.0.0.1", "--server.headless", "true",
                         env=env)  # fmt: skip
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                          f"--use-file-for-fake-video-capture={y4m}", "--autoplay-policy=no-user-gesture-required"],
                )  # fmt: skip
                context = browser.new_context(**p.devices[PHONE])
                context.add_init_script(RECORD)
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_text("Reps: 0").wait_for(timeout=60_000)
                webrtc = page.frame_locator("iframe[title*='webrtc']")
                webrtc.get_by_text("START").click()
                time.sleep(args.seconds)
                webrtc.get_by_text("STOP").click()
                page.wait_for_function("() => window.__spoken.some(s => s.text.startsWith('Set done'))", timeout=30_000)
                spoken = [s for s in page.evaluate("() => window.__spoken") if s["text"]]
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    delays = [(s["text"], s["at"] - s["due"]) for s in spoken if s.get("due") is not None]
    for text, delay in delays:
        print(f"{delay * 1000:7.0f} ms  {text}")
    values = [d for _, d in delays]
    result = {
        "words": len(values),
        "median_ms": round(statistics.median(values) * 1000) if values else None,
        "max_ms": round(max(values) * 1000) if values else None,
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(result))
    OUT.mkdir(exist_ok=True)
    (OUT / "voice.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
