"""Server memory while clips upload: one 1 GB clip, then ten 100 MB clips from ten browsers at once.

The real path: ``streamlit run`` on loopback (``benchmarks/upload_probe.py``: the queued page's own handling of an
upload, without login or database), Debian's Chromium (Playwright) uploading through ``st.file_uploader``. The
server's resident memory (``/proc/<pid>/status`` VmRSS) is sampled every 20 ms: before, its peak while the
uploads are sent and stored, and after they are stored. ``--local-app`` measures the local app's Clip review page
instead (it reads the whole upload into memory once more, as it always has). Run: ``make benchmark``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
MB = 1 << 20


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.02)


def make_clip(path: Path, size_mb: int) -> Path:
    if not path.exists() or path.stat().st_size != size_mb * MB:
        with open(path, "wb") as f:
            for _ in range(size_mb // 16):
                f.write(os.urandom(16 * MB))
    return path


def upload_all(browser, base: str, clips: list[Path], until: str) -> float:
    """Every clip from its own browser at once; seconds until every page says it has stored its clip."""
    from tests.streamlit_app import wait_until_settled

    pages = []
    for _ in clips:
        page = browser.new_context().new_page()
        page.goto(base)
        page.locator('input[type="file"]').wait_for(state="attached", timeout=60_000)
        wait_until_settled(page)
        pages.append(page)
    started = time.monotonic()
    for page, clip in zip(pages, clips):
        page.locator('input[type="file"]').set_input_files(str(clip), timeout=600_000)
    for page in pages:
        page.get_by_text(until).first.wait_for(timeout=600_000)
    took = time.monotonic() - started
    for page in pages:
        page.context.close()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--local-app", action="store_true", help="the local app's Clip review page instead")
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--each-mb", type=int, default=100)
    ap.add_argument("--athletes", type=int, default=10)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.streamlit_app import free_port, launch_chromium, start_app

    work = Path(tempfile.mkdtemp(prefix="calfcheck-upload-bench-"))
    big = make_clip(Path(tempfile.gettempdir()) / f"calfcheck-bench-{args.big_mb}mb.mp4", args.big_mb)
    each = [make_clip(work / f"athlete-{n}.mp4", args.each_mb) for n in range(args.athletes)]
    port = free_port()
    env = {**os.environ, "PROBE_INBOX": str(work / "inbox")}
    target = "app.py" if args.local_app else "benchmarks/upload_probe.py"
    proc = start_app(port, work / "streamlit.log", "--server.maxUploadSize", str(args.big_mb + 100),
                     "--server.headless", "true", env=env, app=target)  # fmt: skip
    until = "We could not read this clip" if args.local_app else "stored"
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p, CHROMIUM)
            base = f"http://127.0.0.1:{port}" + ("/review" if args.local_app else "")
            results = []
            for label, clips in ((f"one {args.big_mb} MB clip", [big]),
                                 (f"{args.athletes} x {args.each_mb} MB at once", each)):  # fmt: skip
                time.sleep(2)
                before = rss_mb(proc.pid)
                sampler = Sampler(proc.pid)
                sampler.start()
                took = upload_all(browser, base, clips, until)
                time.sleep(3)
                sampler.running = False
                after = rss_mb(proc.pid)
                results.append((label, before, sampler.peak, after, took))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    page = "local app's Clip review" if args.local_app else "clinic's queued upload"
    print(f"server RSS, {page} page ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores):")
    for label, before, peak, after, took in results:
        print(f"  {label}: before {before:.0f} MB, peak {peak:.0f} MB (+{peak - before:.0f}), "
              f"after {after:.0f} MB; sent and stored in {took:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
