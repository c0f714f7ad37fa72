"""The command line's ``calfcheck worker`` and ``calfcheck upload-server``: a clinic server's uploads, taken in
and scored in the background.

Contract: ``calfcheck worker [--db URL] [--inbox DIR] [--heartbeat S] [--stalled-after S]`` runs until Ctrl-C
or SIGTERM (the clip in hand is finished first; a killed worker's clip is scored again by another). It needs
the records' PostgreSQL (``CALFCHECK_DB``/``--db``; the queue's tables are created there on first start when
the role may) and the server's inbox folder (``CALFCHECK_INBOX``/``--inbox``, default the data folder's
``uploads``; a worker on another machine mounts it). Run one per core, on as many machines as you like. Its
log names upload references only, never a person, a clip's name or a score. Problems are one sentence, exit 1.

``calfcheck upload-server [--host 127.0.0.1] [--port 8502] [--db URL] [--inbox DIR]`` runs the streaming upload
endpoint (``vision.upload_queue.endpoint``) with uvicorn until Ctrl-C or SIGTERM: the athletes' clips are
written to the inbox as they arrive, never whole in memory, and queued for the workers. Loopback unless told
otherwise: Caddy (deploy/Caddyfile, ``CALFCHECK_UPLOAD_PORT``) sends it ``/_calfcheck/upload``. It needs the same
database, inbox and data folder as the Streamlit server (it checks the page's signed upload tickets with the key
there, or ``CALFCHECK_UPLOAD_SECRET``).
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


def port_number(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (1-65535)")
    return int(text)


def add_upload_server_parser(sub) -> None:
    p = sub.add_parser("upload-server", help="a clinic server: take athletes' uploads as they stream, for the workers")
    add_db_option(p)
    p.add_argument("--inbox", default=None, metavar="DIR", help="the server's uploads folder (default: CALFCHECK_INBOX,"
                   " else the data folder's uploads)")  # fmt: skip
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: behind Caddy)")
    default_port = os.environ.get("CALFCHECK_UPLOAD_PORT", "8502")
    p.add_argument("--port", type=port_number, default=default_port, help=f"default {default_port} "
                   "(CALFCHECK_UPLOAD_PORT, which the Caddyfile reads too)")  # fmt: skip


def cmd_upload_server(args: argparse.Namespace) -> int:
    from vision.upload_queue import Inbox
    from vision.upload_queue.endpoint import serve
    from vision.upload_queue.jobs import queue_url

    db = args.db or os.environ.get("CALFCHECK_DB")
    queue_url(db)  # not PostgreSQL: one sentence now, not on the first upload
    inbox = Inbox(Path(args.inbox) if args.inbox else None)
    serve(db, inbox, host=args.host, port=port_number(str(args.port)))
    return 0


WORKER_COMMANDS = {"worker": cmd_worker, "upload-server": cmd_upload_server}
