"""The command line's clinic-server commands: ``user add|list|remove`` and ``user grant-app-role``.

Contract: run on the server, these act as its administrator (the local user: shell access to the server is
full access; the help says so). ``user add EMAIL --role admin|therapist|athlete [--athlete NAME]
[--therapist EMAIL]...`` invites someone (an athlete is linked to their existing athlete record and to their
therapists, who must have been added first); the first admin is added this way. ``user list`` prints every
user with their role, whether they have logged in, and an athlete's therapists. ``user remove EMAIL`` ends
their access at once (their records stay). ``user grant-app-role ROLE`` (PostgreSQL) grants the app's own
database role what the app needs, so it connects as a role the row-level security policies hold (the upload
queue's tables are created first, so they are granted too). Every
change goes through the records service and into the audit log; problems are one sentence and exit 1.
"""

from __future__ import annotations

import argparse

from vision.cli_course import add_db_option

AS_ADMIN = (
    "run on the clinic server, these commands act as its administrator: shell access to the server is full "
    "access to every record"
)


def add_user_parsers(sub) -> None:
    user = sub.add_parser(
        "user", help="a clinic server's users: invite, list, remove (acts as the server's administrator)",
        description=f"People who may log in to a clinic server. Note: {AS_ADMIN}.",
    )  # fmt: skip
    verbs = user.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser(
        "add", help="invite someone by the email their identity provider verifies",
        description=f"Invite someone; they are let in when they first log in with this email. Note: {AS_ADMIN}.",
    )  # fmt: skip
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=("admin", "therapist", "athlete"))
    add.add_argument("--athlete", default=None, metavar="NAME", help="an athlete's own record (required for athletes)")
    add.add_argument(
        "--therapist", action="append", default=[], metavar="EMAIL",
        help="an athlete's therapist (already added); repeat for a care team of several",
    )  # fmt: skip
    add_db_option(add)
    lst = verbs.add_parser("list", help="every user: role, logged in yet, an athlete's therapists")
    add_db_option(lst)
    remove = verbs.add_parser("remove", help="end someone's access at once (their records stay)")
    remove.add_argument("email")
    add_db_option(remove)
    grant = verbs.add_parser(
        "grant-app-role", help="PostgreSQL: grant the app's own database role what it needs (not the tables)"
    )
    grant.add_argument("role", help="an existing PostgreSQL role the app connects as, e.g. calfcheck_app")
    add_db_option(grant)


def cmd_user(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from vision.records import Records, StoreError

    console = Console(highlight=False)
    with Records.open(args.db, create=args.verb == "add") as records:
        if args.verb == "grant-app-role":
            if records.where.startswith("postgresql"):  # the upload queue's tables, so they are granted too
                from vision.upload_queue.jobs import install

                install(records.store.url)
            records.grant_app_role(args.role)
            console.print(f"granted {args.role} the app's access; the policies decide which rows", markup=False)
        elif args.verb == "add":
            if args.role == "athlete" and not args.athlete:
                raise StoreError("an athlete's login is linked to their athlete record: add --athlete NAME")
            if args.role != "athlete" and (args.athlete or args.therapist):
                raise StoreError("--athlete and --therapist are for athletes only")
            records.invite(args.email, args.role, athlete=args.athlete, therapists=tuple(args.therapist))
            console.print(f"invited {args.email.strip().lower()} as {args.role} ({records.where})", markup=False)
        elif args.verb == "list":
            table = Table("email", "role", "logged in", "therapists")
            for u in records.users():
                cells = (u.email, u.role, "yes" if u.logged_in else "not yet", ", ".join(u.therapists))
                table.add_row(*(Text(c) for c in cells))  # as typed: no Rich markup from an address
            console.print(table)
        else:
            gone = records.remove_user(args.email)
            console.print(f"removed {gone.email} ({gone.role}); their records stay", markup=False)
    return 0


USER_COMMANDS = {"user": cmd_user}
