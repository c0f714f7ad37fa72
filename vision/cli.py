"""The command line: ``calfcheck score|trace|batch`` (also ``python -m vision ...``).

Contract (other tools depend on it):
- ``score VIDEO [--protocol ID|FILE] [--leg auto|left|right] [--band COLOUR] [--json OUT] [--csv OUT]``
  prints a per-rep table; exit 0 for any readable video (even with 0 reps); for an unreadable one, a
  one-line message on stderr and exit 1. No traceback ever reaches the user.
- ``trace VIDEO --csv OUT`` writes the per-frame trace.
- ``batch INPUT... --out DIR [--protocol ID|FILE] [--workers N] [--resume] [--ray ADDRESS|auto|local]
  [--quiet]`` scores many clips (``vision.batch``): exit 0 when every clip is ok, 1 when some failed.
- Usage errors exit 2 (argparse, or a batch input that cannot be used).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vision.errors import CalfcheckError, UsageError
from vision.scoring import BANDS
from vision.types import LEG_OPTIONS, leg_from_option


def _protocol_help() -> str:
    from vision.protocols import builtin_protocols

    choices = "; ".join(f"{p.id} ({p.name})" for p in builtin_protocols())
    return f"a built-in protocol — {choices} — or a .toml file of your own"


def _common(p: argparse.ArgumentParser, protocol_help: str) -> None:
    p.add_argument("--protocol", default="band-tempo", help=protocol_help)
    p.add_argument("--model", default=None, help="another MediaPipe PoseLandmarker .task bundle")
    p.add_argument("--leg", choices=LEG_OPTIONS, default="auto", help="auto picks the foot that moves most")


def _add_batch_parser(sub, protocol_help: str) -> None:
    p = sub.add_parser("batch", help="score folders of clips in parallel")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, globs or a manifest .csv")
    p.add_argument("--out", required=True, metavar="DIR")
    _common(p, protocol_help)
    p.add_argument("--band", default=None, choices=BANDS)
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    p.add_argument("--resume", action="store_true", help="skip clips already scored with the same content")
    p.add_argument(
        "--ray",
        dest="ray_address",
        default=None,
        metavar="ADDRESS|auto|local",
        help="run on a Ray cluster (pip install .[ray]); 'local' starts one on this machine",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="calfcheck", description="Calf rehab form checker: reps, tempo and band advice from video."
    )
    protocol_help = _protocol_help()
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser("score", help="score one clip")
    score.add_argument("video")
    _common(score, protocol_help)
    score.add_argument("--band", choices=BANDS, default=None, help="the band colour used in this clip")
    score.add_argument("--json", dest="json_out", help="write the calfcheck.score/1 report here")
    score.add_argument("--csv", dest="csv_out", help="write one row per rep here")
    trace = sub.add_parser("trace", help="write the per-frame signal trace of one clip")
    trace.add_argument("video")
    _common(trace, protocol_help)
    trace.add_argument("--csv", dest="csv_out", required=True)
    _add_batch_parser(sub, protocol_help)
    return parser


def _checker(args):
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol

    return FormChecker(
        load_protocol(args.protocol),
        leg=leg_from_option(args.leg),
        band=getattr(args, "band", None),
        model_path=args.model,
    )


def _run_with_progress(checker, video: str):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("analysing", total=1.0)
        return checker.run_video(video, progress=lambda f: bar.update(task, completed=f))


def cmd_score(args) -> int:
    from vision import report
    from vision.console import print_session

    session = _run_with_progress(_checker(args), args.video)
    print_session(session)
    if args.json_out:
        report.write_json(session, args.json_out)
    if args.csv_out:
        report.write_reps_csv(session, args.csv_out)
    return 0


def cmd_trace(args) -> int:
    from vision import report

    session = _run_with_progress(_checker(args), args.video)
    report.write_atomic(args.csv_out, report.trace_csv(session))
    print(f"wrote {len(session.track)} frames to {args.csv_out}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from vision.batch import run_batch

    try:
        rows = run_batch(
            args.inputs,
            args.out,
            protocol=args.protocol,
            workers=args.workers,
            resume=args.resume,
            ray_address=args.ray_address,
            quiet=args.quiet,
            leg=args.leg,
            band=args.band,
            model=args.model,
        )
    except UsageError as exc:
        print(f"calfcheck batch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "calfcheck batch: interrupted; finished clips are saved, rerun with --resume to continue", file=sys.stderr
        )
        return 130
    failed = [r for r in rows if r["status"] != "ok"]
    if not args.quiet:
        print(f"{len(rows) - len(failed)} ok, {len(failed)} failed → {Path(args.out) / 'summary.csv'}")
        for r in failed:
            print(f"  {r['file']}: {r['error']}")
    return 1 if failed else 0


COMMANDS = {"score": cmd_score, "trace": cmd_trace, "batch": cmd_batch}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CalfcheckError as exc:
        print(f"calfcheck: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("calfcheck: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, permission denied: still one line, no traceback
        print(f"calfcheck: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
