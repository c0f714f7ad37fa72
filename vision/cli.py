"""The command line: ``calfcheck score|trace|batch`` (also ``python -m vision ...``).

Contract (other tools depend on it):
- ``score VIDEO [--protocol ID|FILE] [--leg auto|left|right] [--band COLOUR | --load-kg KG] [--json OUT] [--csv OUT]``
  prints a per-rep table; exit 0 for any readable video (even with 0 reps); for an unreadable one, a
  one-line message on stderr and exit 1. No traceback ever reaches the user.
- ``trace VIDEO --csv OUT`` writes the per-frame trace.
- ``batch INPUT... --out DIR [--protocol ID|FILE] [--workers N] [--resume] [--ray ADDRESS|auto|local]
  [--quiet]`` scores many clips (``vision.batch``): exit 0 when every clip is ok, 1 when some failed.
- ``worker`` scores a clinic server's uploads in the background (``vision.cli_worker``).
- Usage errors exit 2 (argparse, or a batch input that cannot be used).
- Output paths (``--json``, ``--csv``, ``--out``) are checked before any work (``vision.outputs``):
  never the input clip, never a file calfcheck did not write in a batch folder; ``-`` is standard
  output. Ctrl-C exits 130 and SIGTERM 143, each with one line; a batch stops its workers first.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from vision.cli_course import (
    COURSE_COMMANDS,
    add_course_parsers,
    add_db_option,
    add_load_option,
    add_tempo_option,
    iso_date,
    with_tempo,
)
from vision.cli_users import USER_COMMANDS, add_user_parsers
from vision.cli_worker import WORKER_COMMANDS, add_upload_server_parser, add_worker_parser
from vision.errors import CalfcheckError, UsageError
from vision.outputs import STDOUT, OutputTarget, shown
from vision.programme import band_ladder
from vision.protocols import DEFAULT_PROTOCOL
from vision.types import LEG_OPTIONS, leg_from_option


def _protocol_help() -> str:
    from vision.protocols import builtin_protocols

    choices = "; ".join(f"{p.id} ({p.name})" for p in builtin_protocols())
    return f"a built-in protocol — {choices} — or a .toml file of your own"


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill, timeout, a service manager): handled like Ctrl-C, so workers stop and nothing is
    half-written."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _common(p: argparse.ArgumentParser, protocol_help: str) -> None:
    p.add_argument("--protocol", default=DEFAULT_PROTOCOL, help=protocol_help)
    add_tempo_option(p)
    p.add_argument("--model", default=None, help="another MediaPipe PoseLandmarker .task bundle")
    p.add_argument("--leg", choices=LEG_OPTIONS, default="auto", help="auto picks the foot that moves most")
    p.add_argument(
        "--every-frame",
        action="store_true",
        help="run the pose model on every frame (slower; by default it sees ten frames a second and the heel "
        "and toes are followed on every frame)",
    )


def _add_batch_parser(sub, protocol_help: str) -> None:
    p = sub.add_parser("batch", help="score folders of clips in parallel")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, globs or a manifest .csv")
    p.add_argument("--out", required=True, metavar="DIR")
    _common(p, protocol_help)
    p.add_argument("--band", default=None, choices=band_ladder())
    add_load_option(p)
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="processes (default and most: one per core, as memory allows)",
    )
    p.add_argument("--resume", action="store_true", help="skip clips already scored with the same content")
    p.add_argument(
        "--ray",
        dest="ray_address",
        default=None,
        metavar="ADDRESS|auto|local",
        help="run on a Ray cluster (pip install .[ray]); 'local' starts one on this machine",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--athlete", default=None, help="save each clip to this athlete's record (a manifest's athlete column wins)"
    )
    add_db_option(p)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="calfcheck", description="Calf rehab form checker: reps, tempo and band advice from video."
    )
    protocol_help = _protocol_help()
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser("score", help="score one clip")
    score.add_argument("video")
    _common(score, protocol_help)
    score.set_defaults(protocol=None)  # band-tempo, unless the athlete's prescription says otherwise
    score.add_argument("--band", choices=band_ladder(), default=None, help="the band colour used in this clip")
    add_load_option(score)
    score.add_argument("--json", dest="json_out", help="write the calfcheck.score/1 report here ('-': stdout)")
    score.add_argument("--csv", dest="csv_out", help="write one row per rep here ('-': stdout)")
    score.add_argument("--athlete", default=None, help="save the set to this athlete's record and print the advice")
    score.add_argument("--date", type=iso_date, default=None, help="the day of the training (default: today)")
    score.add_argument("--keep-video", action="store_true", help="store the clip too (default: landmarks only)")
    add_db_option(score)
    trace = sub.add_parser("trace", help="write the per-frame signal trace of one clip")
    trace.add_argument("video")
    _common(trace, protocol_help)
    trace.add_argument("--csv", dest="csv_out", required=True, help="the per-frame CSV ('-': stdout)")
    _add_batch_parser(sub, protocol_help)
    add_course_parsers(sub)
    add_user_parsers(sub)
    add_worker_parser(sub)
    add_upload_server_parser(sub)
    return parser


def _checker(args):
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol
    from vision.sampling import FAST_POSE_INTERVAL_S

    return FormChecker(
        load_protocol(args.protocol),
        leg=leg_from_option(args.leg),
        band=getattr(args, "band", None),
        model_path=args.model,
        pose_interval_s=0.0 if args.every_frame else FAST_POSE_INTERVAL_S,
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


def _targets(args, *names: str) -> dict[str, OutputTarget]:
    """Check every output path before any work; the video may not be written over."""
    return {n: OutputTarget.prepare(getattr(args, n), inputs=(args.video,)) for n in names if getattr(args, n)}


def cmd_score(args) -> int:
    from rich.console import Console

    from vision import report
    from vision.console import print_session

    targets = _targets(args, "json_out", "csv_out")
    records = _open_records(args) if args.athlete else None  # a database problem shows before minutes of work
    if records is not None:
        _fill_from_prescription(records, args)
    args.protocol = with_tempo(args.protocol or DEFAULT_PROTOCOL, args.tempo)
    checker = _checker(args)
    session = _run_with_progress(checker, args.video)
    to_stdout = any(t.path is None for t in targets.values())
    print_session(session, Console(stderr=True) if to_stdout else None)  # stdout carries the data then
    if "json_out" in targets:
        targets["json_out"].write(report.to_json(session))
    if "csv_out" in targets:
        targets["csv_out"].write(report.reps_csv(session))
    if records is not None:
        with records:
            _save_scored(records, args, session, Console(stderr=True) if to_stdout else Console())
    return 0


def _open_records(args):
    from vision.cli_course import find_athlete
    from vision.records import Records
    from vision.records.days import check_day

    records = Records.open(args.db, create=False)  # an athlete must exist: so must the database
    try:
        check_day(args.date, "a training day on")  # a typo in --date: one sentence now, not after scoring
        find_athlete(records, args.athlete)  # unknown athlete: one sentence now, not after scoring
    except CalfcheckError:
        records.close()
        raise
    return records


def _fill_from_prescription(records, args) -> None:
    """``score --athlete`` without ``--protocol``/``--band``: the athlete's own prescription fills them in
    (for the leg asked for, or the one both legs share)."""
    from vision.types import Leg

    athlete = records.athlete(args.athlete)
    legs = [Leg(args.leg)] if args.leg != "auto" else [Leg.LEFT, Leg.RIGHT]
    found = {(p.protocol, p.band) for leg in legs if (p := records.prescription(athlete.id, leg)) is not None}
    if len(found) == 1:
        protocol, band = found.pop()
        args.protocol = args.protocol or protocol
        args.band = args.band or band


def _save_scored(records, args, session, console) -> None:
    """File the set in the athlete's record and print the programme's advice for the next session. When the
    database fails (locked, full, gone), the scored set is kept in a file and the message says where."""
    from vision.outputs import file_sha256
    from vision.records import SetToSave, StoreError
    from vision.records.unsaved import keep_unsaved

    item = SetToSave.from_analysis(
        session, clip_name=Path(args.video).name, content_hash=file_sha256(args.video), model=args.model
    )
    item = item.with_load(args.load_kg)
    video = Path(args.video).read_bytes() if args.keep_video else None
    athlete = records.athlete(args.athlete)
    try:
        outcome = records.save_set(athlete.id, item, source="cli", day=args.date, video=video)
    except StoreError as exc:
        if not item.reliable:
            raise  # a clip that cannot be judged is not worth keeping: the message says why
        kept = keep_unsaved(item, athlete.name, args.date)
        raise StoreError(f"{exc}; the scored set is kept in {shown(kept)}: save it later with 'calfcheck save "
                         f"{shown(kept)}'") from None  # fmt: skip
    console.print(outcome.message, markup=False, highlight=False, soft_wrap=True)
    if outcome.next_session:
        console.print(outcome.next_session, markup=False, highlight=False, soft_wrap=True)


def cmd_trace(args) -> int:
    from vision import report

    target = _targets(args, "csv_out")["csv_out"]
    session = _run_with_progress(_checker(args), args.video)
    target.write(report.trace_csv(session))
    where = sys.stderr if args.csv_out == STDOUT else sys.stdout
    print(f"wrote {len(session.track)} frames to {shown(args.csv_out)}", file=where)
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from vision.batch import run_batch

    try:
        result = run_batch(
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
            every_frame=args.every_frame,
            athlete=args.athlete,
            db=args.db,
            load_kg=args.load_kg,
        )
    except UsageError as exc:
        print(f"calfcheck batch: {shown(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        how = "stopped" if isinstance(exc, Terminated) else "interrupted"
        print(f"calfcheck batch: {how}; finished clips are saved, rerun with --resume to continue", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    for note in result.notes:
        print(f"calfcheck batch: {shown(note)}", file=sys.stderr)
    rows = result.rows
    failed = [r for r in rows if r["status"] != "ok"]
    if not args.quiet:
        print(f"{len(rows) - len(failed)} ok, {len(failed)} failed → {shown(Path(args.out) / 'summary.csv')}")
        for r in failed:
            print(f"  {shown(r['file'])}: {shown(r['error'])}")
    return 1 if failed else 0


COMMANDS = {
    "score": cmd_score,
    "trace": cmd_trace,
    "batch": cmd_batch,
    **COURSE_COMMANDS,
    **USER_COMMANDS,
    **WORKER_COMMANDS,
}


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        args = build_parser().parse_args(argv)  # the band choices come from the programme file, which may be bad
        if args.command in ("trace", "batch"):  # score folds the tempo in once the prescription is known
            args.protocol = with_tempo(args.protocol, args.tempo)
        return COMMANDS[args.command](args)
    except CalfcheckError as exc:
        print(f"calfcheck: {shown(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print(f"calfcheck: {'stopped' if isinstance(exc, Terminated) else 'interrupted'}", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except OSError as exc:  # disk full, permission denied: still one line, no traceback
        where = shown(exc.filename) if exc.filename else ""
        print(f"calfcheck: {exc.strerror or exc}: {where}".rstrip(": "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
