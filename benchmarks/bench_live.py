"""Live rate: frames/s analysed by the live page with a 640x480, 30 fps camera, on this machine.

The real path end to end: ``streamlit run app.py`` on loopback, Debian's Chromium (Playwright) with its fake
camera playing a remix clip letterboxed to 640x480 (``--size``) at 30 fps, WebRTC both ways. The page's own status line
("N frames/s analysed · M ms per frame") is read every second for ``--seconds`` after the first reading;
the medians are reported, with the CPU time each process used. Run: ``make benchmark`` (needs ../shared and
/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
CLIP = ROOT.parent / "shared" / "clips" / "remix" / "tempo_123_x4.mp4"
CHROMIUM = "/usr/bin/chromium"
FPS = 30
STATUS = re.compile(r"(\d+) frames/s analysed · (\d+) ms per frame")


def camera_file(dst: Path, width: int, height: int) -> Path:
    """The clip letterboxed into width x height at 30 fps, as .y4m for Chromium's fake camera."""
    with av.open(str(CLIP)) as inp, av.open(str(dst), "w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        graph = None
        for n, frame in enumerate(inp.decode(video=0)):
            if graph is None:
                graph = av.filter.Graph()
                src = graph.add_buffer(template=inp.streams.video[0])
                scale = graph.add("scale", f"{width}:{height}:force_original_aspect_ratio=decrease")
                pad = graph.add("pad", f"{width}:{height}:(ow-iw)/2:(oh-ih)/2")
                fmt = graph.add("format", "yuv420p")
                sink = graph.add("buffersink")
                src.link_to(scale)
                scale.link_to(pad)
                pad.link_to(fmt)
                fmt.link_to(sink)
                graph.configure()
            graph.push(frame)
            f = graph.pull()
            f.pts, f.time_base = n, Fraction(1, FPS)
            out.mux(stream.encode(f))
        out.mux(stream.encode(None))
    return dst


# Keeps every RTCPeerConnection the page's frames make, so their WebRTC statistics can be read.
KEEP_PEER_CONNECTIONS = """
(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
})();
"""
RTP_STATS = """
async () => {
  const out = {};
  for (const pc of window.__pcs) {
    (await pc.getStats()).forEach((r) => {
      if (r.kind !== 'video' || (r.type !== 'outbound-rtp' && r.type !== 'inbound-rtp')) return;
      out[r.type === 'outbound-rtp' ? 'outbound' : 'inbound'] = {
        fps: r.framesPerSecond, width: r.frameWidth, height: r.frameHeight,
        frames: r.framesEncoded ?? r.framesDecoded, dropped: r.framesDropped,
        limited_by: r.qualityLimitationReason, codec: r.encoderImplementation ?? r.decoderImplementation,
      };
    });
  }
  return out;
}
"""


def frame_size(text: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` with even sides (YUV 4:2:0), as argparse's type for --size."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 640x480") from None
    if not (16 <= width <= 3840 and 16 <= height <= 2160 and width % 2 == 0 and height % 2 == 0):
        raise argparse.ArgumentTypeError(f"{text!r}: sides must be even, 16..3840 x 16..2160")
    return width, height


def cpu_seconds(pid: int, children: bool = True) -> float:
    """User + system CPU of a process (and its descendants), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        if children:
            pids.extend(int(c) for c in kids)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--size", default="640x480", type=frame_size, help="the fake camera's frame size (the target is 640x480)"
    )
    args = parser.parse_args()
    if not CLIP.exists() or not Path(CHROMIUM).exists():
        sys.exit("needs ../shared/clips/remix and /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    from tests.streamlit_app import fake_camera_args, free_port, start_app

    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    width, height = args.size
    y4m = camera_file(work / "camera.y4m", width, height)
    port = free_port()
    env = {**os.environ, "CALFCHECK_DB": f"sqlite:///{work / 'db.sqlite'}", "TMPDIR": str(work)}
    app = start_app(port, work / "streamlit.log", "--server.address", "127.0.0.1", "--server.headless", "true", env=env)
    readings: list[tuple[int, int]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=fake_camera_args(y4m),
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(KEEP_PEER_CONNECTIONS)
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_text("Reps: 0").wait_for(timeout=60_000)
            page.frame_locator("iframe[title*='webrtc']").get_by_text("START").click()
            page.get_by_text("frames/s analysed").wait_for(timeout=60_000)
            time.sleep(3)  # past the connection's ramp-up
            cpu_app0, wall0 = cpu_seconds(app.pid), time.perf_counter()
            cpu_browser0 = chromium_cpu_seconds()
            while time.perf_counter() - wall0 < args.seconds:
                text = page.get_by_text("frames/s analysed").inner_text()
                if m := STATUS.search(text):
                    readings.append((int(m[1]), int(m[2])))
                time.sleep(1.0)
            wall = time.perf_counter() - wall0
            webrtc = next(f for f in page.frames if f.evaluate("() => (window.__pcs || []).length > 0"))
            rtp = webrtc.evaluate(RTP_STATS)
            cpu_app = cpu_seconds(app.pid) - cpu_app0
            cpu_browser = chromium_cpu_seconds() - cpu_browser0
            page.screenshot(path=str(work / "live.png"))
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=20)
    if not readings:
        sys.exit(f"the page never showed its rate; see {work}")
    result = {
        "camera": f"{width}x{height} at {FPS} fps",
        "readings": len(readings),
        "median_fps": statistics.median(r[0] for r in readings),
        "median_ms_per_frame": statistics.median(r[1] for r in readings),
        "app_cpu_share": round(cpu_app / wall, 2),  # of one core; 2.0 = both cores of this machine
        "browser_cpu_share": round(cpu_browser / wall, 2),
        "target_fps": 25,
        # The independent baseline: what the browser's camera delivered, by its own WebRTC statistics.
        "share_of_camera_frames": round(statistics.median(r[0] for r in readings) / rtp["outbound"]["fps"], 2)
        if rtp.get("outbound", {}).get("fps")
        else None,
        # What the browser's WebRTC stack says: the camera stream it sends, the annotated one it gets back.
        "browser_sends": rtp.get("outbound"),
        "browser_receives": rtp.get("inbound"),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"live-{width}x{height}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


def chromium_cpu_seconds() -> float:
    """CPU of every Chromium process (the browser, its renderers, GPU and utility processes)."""
    out = subprocess.run(["pgrep", "-f", "^/usr/lib/chromium/chromium"], capture_output=True, text=True)
    return sum(cpu_seconds(int(pid), children=False) for pid in out.stdout.split())


if __name__ == "__main__":
    main()
