"""Uploads scored per hour by 1 and 2 ``calfcheck worker`` processes on this machine.

The real path without the browser: a throwaway PostgreSQL (tests/postgres.py), the queue's tables, N uploads of a
34 s phone-sized clip (the remix ``tempo_123_x4``, 600x1058, 30 fps, each a different file) put in the inbox and
queued as the athlete's page does, then W workers started, each already warm (the pose model loaded) before the
clock starts. Reported: uploads per hour and seconds per upload. Run: ``make benchmark`` (needs ../shared).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLIP = ROOT.parent / "shared" / "clips" / "remix" / "tempo_123_x4.mp4"


def run(workers: int, uploads: int, work: Path) -> float:
    from tests.phone_clips import variant
    from tests.postgres import PostgresServer
    from vision.records import Records
    from vision.upload_queue import Inbox, UploadRequest
    from vision.upload_queue.jobs import Queue, install

    pg = PostgresServer().start()
    procs = []
    try:
        db = pg.new_database()
        with Records.open(db) as admin:
            admin.add_athlete("Ana")
            admin.invite("a1@clinic.test", "athlete", athlete="Ana")
            actor = admin.login("http://idp.test", "a1", "a1@clinic.test", "Ana")
        install(db)
        inbox = Inbox(work / f"inbox-{workers}")
        env = {**os.environ, "CALFCHECK_DB": db}
        for n in range(workers):
            log = (work / f"worker-{workers}-{n}.log").open("w")
            cmd = [sys.executable, "-m", "vision", "worker", "--inbox", str(inbox.root)]
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        time.sleep(15)  # warm: imports and the pose model loaded before the clock starts
        queue = Queue(db)
        refs = []
        started = time.monotonic()
        for n in range(uploads):
            clip = variant(CLIP, work / f"set-{workers}-{n}.mov", n)
            request = UploadRequest(actor.user_id, actor.key, clip.name, "band-tempo", None, None,
                                    time.strftime("%Y-%m-%d"), time.time())  # fmt: skip
            refs.append(inbox.put("a1", clip.name, [clip.read_bytes()], request))
            queue.send(refs[-1])
        while not all(inbox.status(r).state.finished for r in refs):
            time.sleep(0.2)
        took = time.monotonic() - started
        queue.close()
        states = {inbox.status(r).state.value for r in refs}
        assert states == {"done"}, states
        return took
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=60)
        pg.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=8)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="calfcheck-queue-bench-"))
    load = os.getloadavg()[0]
    print(f"uploads of a 34 s clip, {args.uploads} queued ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
          f"load average {load:.1f} at the start):")  # fmt: skip
    for workers in (1, 2):
        took = run(workers, args.uploads, work)
        print(f"  {workers} worker(s): {args.uploads / took * 3600:.0f} uploads per hour "
              f"({took / args.uploads:.1f} s per upload)")  # fmt: skip


if __name__ == "__main__":
    main()
