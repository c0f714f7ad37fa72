"""The command line: ``calfcheck score|trace|batch`` (also ``python -m vision ...``).

Contract (other tools depend on it):
- ``score VIDEO [--protocol ID|FILE] [--leg auto|left|right] [--band COLOUR] [--json OUT] [--csv OUT]``
  prints a per-rep table; exit 0 for any readable video (even with 0 reps); for an unreadable one, a
  one-line message on stderr and exit 1. No traceback ever reaches the user.
- ``trace VIDEO --csv OUT`` writes the per-frame trace.
- ``batch ...`` is described in ``vision.batch``.
- Usage errors exit 2 (argparse).
"""

from __future__ import annotations

import argparse
import sys

from vision.errors import CalfcheckError
from vision.scoring import BANDS
from vision.types import LEG_OPTIONS, leg_from_option


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--protocol", default="band-tempo",
                   help="built-in id (band-tempo, band-isometric, band-eccentric, heel-raise) or a .toml file")
    p.add_argument("--model", default=None, help="another MediaPipe PoseLandmarker .task bundle")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="calfcheck", description="Calf rehab form checker: reps, tempo and band advice from video.")
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser("score", help="score one clip")
    score.add_argument("video")
    _common(score)
    score.add_argument("--leg", choices=LEG_OPTIONS, default="auto")
    score.add_argument("--band", choices=BANDS, default=None, help="the band colour used in this clip")
    score.add_argument("--json", dest="json_out", help="write the calfcheck.score/1 report here")
    score.add_argument("--csv", dest="csv_out", help="write one row per rep here")
    trace = sub.add_parser("trace", help="write the per-frame signal trace of one clip")
    trace.add_argument("video")
    _common(trace)
    trace.add_argument("--leg", choices=LEG_OPTIONS, default="auto")
    trace.add_argument("--csv", dest="csv_out", required=True)
    from vision.batch import add_batch_parser

    add_batch_parser(sub)
    return parser


def _checker(args):
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol
    return FormChecker(load_protocol(args.protocol), leg=leg_from_option(args.leg), band=getattr(args, "band", None), model_path=args.model)


def _run_with_progress(checker, video: str):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeRemainingColumn(), transient=True, disable=not sys.stderr.isatty()) as bar:
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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"score": cmd_score, "trace": cmd_trace}.get(args.command)
    try:
        if handler is None:
            from vision.batch import cmd_batch

            return cmd_batch(args)
        return handler(args)
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
