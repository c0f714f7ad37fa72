"""The command line's course commands: ``athlete add|list|show|prescribe``, ``history`` and ``report``.

Contract: every command takes ``--db URL`` (else ``CALFCHECK_DB``, else SQLite in the user's data
folder). ``athlete add NAME [--leg left|right|both --protocol ID --band COLOUR --per-week N]`` adds an
athlete and, with ``--band``/``--protocol``, a prescription; ``athlete prescribe`` changes one (the old
stays in the history); ``athlete show NAME`` prints each leg's prescription, advice and adherence;
``history NAME [--leg] [--csv OUT]`` one row per session; ``report NAME --pdf OUT`` the PDF progress
report. A database problem (locked, read-only, newer, unreachable), an unknown or duplicate athlete:
one sentence on stderr and exit 1 (``StoreError`` is a ``CalfcheckError``). Everything goes through the
records service (``vision.records``) as the local user; ``score --athlete`` lives in ``vision.cli``.
"""

from __future__ import annotations

import argparse
from datetime import date

from vision.outputs import OutputTarget, shown
from vision.programme import band_ladder
from vision.protocols import DEFAULT_PROTOCOL
from vision.types import Leg

LEG_CHOICES = ("left", "right", "both")


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=None, metavar="URL", help="database URL (default: CALFCHECK_DB, else SQLite)")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-30") from None


def per_week(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 14:
        raise argparse.ArgumentTypeError("sessions per week must be from 1 to 14")
    return value


def load_kg(text: str) -> float:
    """``--load-kg``: a heel raise's load, 0 (body weight) up to the records' most."""
    import math

    from vision.records.service import MAX_LOAD_KG

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of kilograms") from None
    if not math.isfinite(value) or not 0 <= value <= MAX_LOAD_KG:
        raise argparse.ArgumentTypeError(f"a load must be from 0 to {MAX_LOAD_KG:g} kg (0: body weight)")
    return value


def add_load_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--load-kg", type=load_kg, default=None, metavar="KG",
        help="heel raises: kilograms held or worn (0: body weight); instead of a band",
    )  # fmt: skip


def tempo_text(text: str) -> str:
    """``--tempo``: push-hold-return seconds (3-0-3), checked now, so a typo is one sentence before any work."""
    from vision.errors import ProtocolError
    from vision.protocols import Tempo

    try:
        return str(Tempo.parse(text))
    except ProtocolError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_tempo_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tempo",
        type=tempo_text,
        default=None,
        metavar="P-H-R",
        help="prescribe the tempo: push, hold and return seconds, e.g. 3-0-3 or 1-0-6 (replaces the protocol's)",
    )


def with_tempo(protocol: str | None, tempo: str | None, default: str | None = None) -> str | None:
    """A protocol reference with the tempo asked for (``band-tempo@3-0-3``); a tempo already in the reference
    is replaced."""
    from vision.protocols import TEMPO_MARK

    protocol = protocol or (default if tempo else protocol)
    if not tempo or protocol is None:
        return protocol
    return f"{protocol.split(TEMPO_MARK, 1)[0] if not protocol.endswith('.toml') else protocol}{TEMPO_MARK}{tempo}"


def _prescription_options(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--leg", choices=LEG_CHOICES, default="both", help="which leg the prescription is for")
    p.add_argument("--protocol", default=None if not required else DEFAULT_PROTOCOL, help="protocol id or .toml file")
    add_tempo_option(p)
    p.add_argument("--band", choices=band_ladder(), default=None, help="band colour")
    add_load_option(p)
    p.add_argument("--per-week", type=per_week, default=2, help="sessions per week (default 2)")
    p.add_argument("--start", type=iso_date, default=None, help="first day of the prescription (default today)")


def add_course_parsers(sub) -> None:
    athlete = sub.add_parser("athlete", help="add, list and show athletes; change a prescription")
    verbs = athlete.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", help="add an athlete (optionally with a prescription)")
    add.add_argument("name")
    _prescription_options(add, required=False)
    add_db_option(add)
    lst = verbs.add_parser("list", help="every athlete, with sessions and last session day")
    add_db_option(lst)
    show = verbs.add_parser("show", help="an athlete's prescriptions, next-session advice and adherence")
    show.add_argument("name")
    add_db_option(show)
    pres = verbs.add_parser("prescribe", help="change an athlete's prescription (the change is recorded)")
    pres.add_argument("name")
    _prescription_options(pres, required=True)
    pres.add_argument("--reason", default="", help="why (shown in the history)")
    add_db_option(pres)

    history = sub.add_parser("history", help="one row per session of an athlete")
    history.add_argument("name")
    history.add_argument("--leg", choices=("left", "right"), default=None)
    history.add_argument("--csv", dest="csv_out", default=None, help="write the rows as CSV here ('-': stdout)")
    add_db_option(history)

    save = sub.add_parser("save", help="file a scored set a failed save kept (the path it named)")
    save.add_argument("kept", help="the kept set's .json file")
    save.add_argument("--athlete", default=None, help="whose record (default: the athlete named when it was kept)")
    add_db_option(save)

    report = sub.add_parser("report", help="an athlete's PDF progress report")
    report.add_argument("name")
    report.add_argument("--pdf", dest="pdf_out", required=True, help="where to write the PDF")
    add_db_option(report)


def _legs(choice: str) -> list[Leg]:
    return [Leg.LEFT, Leg.RIGHT] if choice == "both" else [Leg(choice)]


def find_athlete(records, name: str):
    """The athlete called ``name``, or one sentence saying how to see and add athletes."""
    from vision.records import StoreError

    try:
        return records.athlete(name)
    except StoreError as exc:
        raise StoreError(f"{exc}; 'calfcheck athlete list' shows them, 'calfcheck athlete add' adds one") from None


def cmd_athlete(args) -> int:
    from rich.console import Console

    from vision.console import print_athletes, print_course
    from vision.records import Records

    console = Console(highlight=False)
    with Records.open(args.db, create=args.verb == "add") as records:  # only adding starts a database
        if args.verb == "add":
            info = records.add_athlete(args.name)
            console.print(f"added athlete {info.name} ({records.where})", markup=False)
            if args.band or args.protocol or args.tempo or args.load_kg:
                protocol = with_tempo(args.protocol, args.tempo, DEFAULT_PROTOCOL) or DEFAULT_PROTOCOL
                for leg in _legs(args.leg):
                    p = records.prescribe(
                        info.id, leg, protocol, args.band, sessions_per_week=args.per_week, start=args.start,
                        reason="first prescription", load_kg=args.load_kg,
                    )  # fmt: skip
                shown = _prescribed(p, records)
                console.print(f"prescribed {shown}, {args.per_week}× a week ({args.leg})", markup=False)
        elif args.verb == "list":
            print_athletes(records.athletes(), console)
        elif args.verb == "show":
            print_course(records.course(find_athlete(records, args.name).id), console)
        elif args.verb == "prescribe":
            athlete = find_athlete(records, args.name)
            for leg in _legs(args.leg):
                p = records.prescribe(
                    athlete.id, leg, with_tempo(args.protocol, args.tempo), args.band,
                    sessions_per_week=args.per_week, start=args.start, reason=args.reason, load_kg=args.load_kg,
                )  # fmt: skip
            console.print(f"{athlete.name}: now {_prescribed(p, records)} ({args.leg})", markup=False)
    return 0


def _prescribed(p, records) -> str:
    """A prescription's exercise in words (``progression.describe_step``)."""
    from vision.progression import Step, describe_step

    return describe_step(Step(p.protocol, p.band, p.load_kg), records.rules)


def _course(args):
    from vision.records import Records

    with Records.open(args.db, create=False) as records:
        return records.course(find_athlete(records, args.name).id)


def cmd_history(args) -> int:
    from rich.console import Console

    from vision.console import print_history
    from vision.records.course import HISTORY_COLUMNS, history_rows
    from vision.report import csv_text

    target = OutputTarget.prepare(args.csv_out) if args.csv_out else None
    course = _course(args)
    rows = history_rows(course, Leg(args.leg) if args.leg else None)
    if target is not None:
        target.write(csv_text(rows, HISTORY_COLUMNS))
    if target is None or target.path is not None:
        print_history(course.athlete.name, rows, Console())
    return 0


def cmd_report(args) -> int:
    from vision.pdf_report import course_pdf

    target = OutputTarget.prepare(args.pdf_out)
    if target.path is None:
        from vision.errors import UsageError

        raise UsageError("a PDF needs a file name, not '-'")
    course = _course(args)
    target.write(course_pdf(course))
    print(f"wrote the progress report of {course.athlete.name} to {shown(args.pdf_out)}")
    return 0


def cmd_save(args) -> int:
    """File a set that ``score --athlete`` could not save; the kept file goes once it is on the record."""
    from pathlib import Path

    from rich.console import Console

    from vision.records import Records
    from vision.records.unsaved import read_unsaved

    kept = read_unsaved(args.kept)
    with Records.open(args.db, create=False) as records:
        name = args.athlete or kept.athlete
        if not name:
            from vision.errors import UsageError

            raise UsageError("this kept set names no athlete; say whose it is with --athlete NAME")
        athlete = records.athlete_or_new(name)  # a new athlete chosen in the app may not exist yet
        outcome = records.save_set(athlete.id, kept.item, source=kept.source, day=kept.day)
    console = Console()
    console.print(outcome.message, markup=False, highlight=False, soft_wrap=True)
    if outcome.next_session:
        console.print(outcome.next_session, markup=False, highlight=False, soft_wrap=True)
    Path(args.kept).unlink(missing_ok=True)  # on the record now (or already was): nothing left to keep
    return 0


COURSE_COMMANDS = {"athlete": cmd_athlete, "history": cmd_history, "report": cmd_report, "save": cmd_save}
