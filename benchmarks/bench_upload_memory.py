"""Server memory while clips upload: one 1 GB clip, then ten 100 MB clips from ten clients at once.

After (the clinic's path now, ``--path endpoint``): ``calfcheck upload-server`` on loopback with its queue on a
throwaway PostgreSQL (tests/postgres.py), Caddy in front from the shipped Caddyfile (HTTPS, ``tls internal``, as
tests/edge_servers.py runs it) beside a Streamlit server, and real HTTP clients streaming each clip through Caddy
in 1 MB reads with a valid upload ticket (Python's http.client over TLS, one thread per client, as the page's
XMLHttpRequest sends it). The resident memory of the upload server, Streamlit and Caddy is sampled.

Before (``--path streamlit``): ``streamlit run`` on loopback (``benchmarks/upload_probe.py``: the queued page's
handling of an upload before the endpoint, without login or database), Debian's Chromium (Playwright) uploading
through ``st.file_uploader``. ``--local-app`` measures the local app's Clip review page instead (it reads the whole
upload into memory once more, as it always has).

Memory is ``/proc/<pid>/status`` VmRSS sampled every 20 ms: before, its peak while the uploads are sent and stored,
and after they are stored. Both paths by default. Run: ``make benchmark``.
"""

from __future__ import annotations

import argparse
import json
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
    ap.add_argument("--path", choices=["endpoint", "streamlit", "both"], default="both")
    ap.add_argument("--local-app", action="store_true", help="the local app's Clip review page (streamlit path)")
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--each-mb", type=int, default=100)
    ap.add_argument("--athletes", type=int, default=10)
    args = ap.parse_args()
    if args.path in ("endpoint", "both"):
        bench_endpoint(args)
    if args.path in ("streamlit", "both"):
        bench_streamlit(args)


def put_through(base_port: int, cafile: Path, clip: Path, ticket: str) -> tuple[int, str]:
    """One client streaming ``clip`` through Caddy as the page's XMLHttpRequest does: (status, answer)."""
    import http.client
    import ssl
    from urllib.parse import quote

    from vision.upload_queue.endpoint import NAME_HEADER, PATH, TICKET_HEADER

    context = ssl.create_default_context(cafile=str(cafile))
    conn = http.client.HTTPSConnection("127.0.0.1", base_port, context=context, timeout=600, blocksize=MB)
    headers = {TICKET_HEADER: ticket, NAME_HEADER: quote(clip.name), "Content-Length": str(clip.stat().st_size)}
    try:
        with clip.open("rb") as body:
            conn.request("PUT", PATH, body=body, headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.read().decode()
    finally:
        conn.close()


def bench_endpoint(args) -> None:
    """The clinic's path now: clients → Caddy → calfcheck upload-server → the inbox (Streamlit idle beside)."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    from tests.edge_servers import Caddy
    from tests.postgres import PostgresServer
    from tests.streamlit_app import free_port, start_app
    from vision.upload_queue import Inbox, UploadRequest
    from vision.upload_queue import tickets as tk
    from vision.upload_queue.jobs import install

    work = Path(tempfile.mkdtemp(prefix="calfcheck-upload-bench-"))
    big = make_clip(Path(tempfile.gettempdir()) / f"calfcheck-bench-{args.big_mb}mb.mp4", args.big_mb)
    each = [make_clip(work / f"athlete-{n}.mp4", args.each_mb) for n in range(args.athletes)]
    key = "bench-only-upload-ticket-key-0123456789"
    inbox = Inbox(work / "inbox")
    postgres = PostgresServer().start()
    procs: list[subprocess.Popen] = []
    caddy = None
    try:
        db = postgres.new_database()
        install(db)
        env = {**os.environ, "CALFCHECK_UPLOAD_SECRET": key, "PROBE_INBOX": str(work / "probe-inbox")}
        upload_port, app_port = free_port(), free_port()
        command = [sys.executable, "-m", "vision", "upload-server", "--db", db, "--inbox", str(inbox.root),
                   "--port", str(upload_port)]  # fmt: skip
        uploads = subprocess.Popen(command, cwd=ROOT, env=env, stdout=(work / "upload-server.log").open("w"),
                                   stderr=subprocess.STDOUT)  # fmt: skip
        procs.append(uploads)
        app = start_app(app_port, work / "streamlit.log", "--server.headless", "true", env=env,
                        app="benchmarks/upload_probe.py")  # fmt: skip
        procs.append(app)
        caddy = Caddy.start("127.0.0.1", app_port, work / "caddy", work / "caddy.log", upload_port=upload_port)
        request = UploadRequest(1, "bench sub", "", "band-tempo", None, None, time.strftime("%Y-%m-%d"), 0.0)
        servers = {"upload server": uploads.pid, "Streamlit": app.pid, "Caddy": caddy.proc.pid}
        # One small upload first: the server's imports and its queue connection are not the uploads' memory.
        warm = work / "warm.mp4"
        warm.write_bytes(os.urandom(MB))
        status, answer = put_through(caddy.port, caddy.root_cert, warm, tk.mint(key.encode(), "warm", request, MB))
        if status != 200:
            raise SystemExit(f"the upload server does not take uploads: {status} {answer}")
        inbox.forget(json.loads(answer)["ref"])
        results = []
        for label, clips in ((f"one {args.big_mb} MB clip", [big]),
                             (f"{args.athletes} x {args.each_mb} MB at once", each)):  # fmt: skip
            time.sleep(2)
            before = {name: rss_mb(pid) for name, pid in servers.items()}
            samplers = {name: Sampler(pid) for name, pid in servers.items()}
            for sampler in samplers.values():
                sampler.start()
            started = time.monotonic()
            limit = (args.big_mb + 100) * MB
            sends = [(c, tk.mint(key.encode(), f"athlete{n}", request, limit)) for n, c in enumerate(clips)]
            with ThreadPoolExecutor(len(clips)) as pool:  # every client at once, each its own athlete
                answers = list(pool.map(lambda send: put_through(caddy.port, caddy.root_cert, *send), sends))
            took = time.monotonic() - started
            time.sleep(3)
            for sampler in samplers.values():
                sampler.running = False
            after = {name: rss_mb(pid) for name, pid in servers.items()}
            bad = [a for a in answers if a[0] != 200]
            if bad:
                raise SystemExit(f"uploads failed: {bad[:3]}")
            stored = sum(inbox.clip(json.loads(a)["ref"]).stat().st_size for _, a in answers)
            assert stored == sum(c.stat().st_size for c in clips), "the inbox does not hold every byte sent"
            for _, a in answers:
                inbox.forget(json.loads(a)["ref"])
            results.append((label, before, {n: s.peak for n, s in samplers.items()}, after, took))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        if caddy is not None:
            caddy.stop()
        postgres.stop()
    print(f"server RSS, clinic's upload endpoint through Caddy ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores):")
    for label, before, peak, after, took in results:
        print(f"  {label}: sent, stored and queued in {took:.1f} s")
        for name in before:
            print(f"    {name}: before {before[name]:.0f} MB, peak {peak[name]:.0f} MB "
                  f"(+{peak[name] - before[name]:.0f}), after {after[name]:.0f} MB")  # fmt: skip


def bench_streamlit(args) -> None:
    """Before the endpoint: Chromium uploading through st.file_uploader (the probe page, or the local app)."""
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
