"""The command line's ``calfcheck worker``: score a clinic server's uploads in the background.

Contract: ``calfcheck worker [--db URL] [--inbox DIR] [--heartbeat S] [--stalled-after S]`` runs until Ctrl-C
or SIGTERM (the clip in hand is finished first; a killed worker's clip is scored again by another). It needs
the records' PostgreSQL (``CALFCHECK_DB``/``--db``; the queue's tables are created there on first start when
the role may) and the server's inbox folder (``CALFCHECK_INBOX``/``--inbox``, default the data folder's
``uploads``; a worker on another machine mounts it). Run one per core, on as many machines as you like. Its
log names upload references only, never a person, a clip's name or a score. Problems are one sentence, exit 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from vision.cli_course import add_db_option


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def add_worker_parser(sub) -> None:
    p = sub.add_parser("worker", help="a clinic server: score uploaded sets in the background (one per core)")
    add_db_option(p)
    p.add_argument("--inbox", default=None, metavar="DIR", help="the server's uploads folder (default: CALFCHECK_INBOX,"
                   " else the data folder's uploads)")  # fmt: skip
    p.add_argument("--heartbeat", type=positive_float, default=10.0, metavar="S", help="seconds between heartbeats")
    p.add_argument(
        "--stalled-after", type=positive_float, default=30.0, metavar="S",
        help="a worker silent this long is taken as dead and its clip queued again (default 30)",
    )  # fmt: skip


def cmd_worker(args: argparse.Namespace) -> int:
    from vision.upload_queue import Inbox
    from vision.upload_queue.jobs import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.WARNING)  # its info lines carry job arguments
    db = args.db or os.environ.get("CALFCHECK_DB")
    inbox = Inbox(Path(args.inbox) if args.inbox else None)
    if args.stalled_after <= args.heartbeat:
        print("calfcheck worker: --stalled-after must be longer than --heartbeat", file=sys.stderr)
        return 2
    run_worker(db, inbox, heartbeat_s=args.heartbeat, stalled_s=args.stalled_after)
    return 0


WORKER_COMMANDS = {"worker": cmd_worker}
