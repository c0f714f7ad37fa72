"""Readable terminal output (rich tables): a scored session, athletes, a course, its history, advice.

Contract: printing only, no analysis and no storage access. Everything people typed or named (athletes,
clip and protocol names, notes, the advice that quotes them) is printed as plain text: Rich markup in a
name (``Ann [/]``, ``[red]Bob[/red]``) is shown as typed, never interpreted (``escape``)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vision.progression import describe_step
from vision.scoring import describe_rep, describe_stalls
from vision.types import AnalysedSet


def print_session(session: AnalysedSet, console: Console | None = None) -> None:
    console = console or Console()
    p, s = session.protocol, session.summary
    console.print(
        f"[bold]{escape(session.source)}[/] · {escape(p.name)} · {session.leg.value} leg · {session.duration_s:.1f} s"
    )
    table = Table(show_lines=False)
    stalls = any(sc.rep.stalls for sc in session.scores)
    for col in ("rep", "start", "push s", "hold s", "return s", "score", "faults") + (("stalls",) if stalls else ()):
        table.add_column(col, justify="left" if col in ("faults", "stalls") else "right")
    for sc in session.scores:
        r = sc.rep
        table.add_row(
            str(r.index),
            f"{r.start_s:.1f}",
            f"{r.concentric.duration_s:.1f}",
            f"{r.hold.duration_s:.1f}",
            f"{r.eccentric.duration_s:.1f}",
            str(sc.score),
            f"[red]{describe_rep(sc)}[/]" if sc.faults or sc.incomplete else "[green]on target[/]",
            *((describe_stalls(r) or "-",) if stalls else ()),
        )
    if session.scores:
        console.print(table)
    else:
        console.print("No reps found.")
    mean = f"{s.mean_score:.0f}" if s.mean_score is not None else "-"
    console.print(
        f"reps {s.rep_count} (good {s.good_rep_count}) · longest hold {s.longest_hold_s:.1f} s · "
        f"mean score {mean} · fatigue {'yes' if s.fatigue else 'no'}"
    )
    if session.scores:  # the set described; the next band is the programme's decision (after a save)
        console.print(escape(p.exercise_kind.describe_set(s, p)))
    for w in session.quality.warnings:
        console.print(f"[yellow]! {escape(w)}[/]")


def print_athletes(athletes, console: Console | None = None) -> None:
    console = console or Console()
    if not athletes:
        console.print("No athletes yet: add one with 'calfcheck athlete add NAME'.")
        return
    table = Table()
    for col in ("athlete", "sessions", "last session"):
        table.add_column(col)
    for a in athletes:
        table.add_row(escape(a.name), str(a.sessions), a.last_day.isoformat() if a.last_day else "-")
    console.print(table)


def print_course(course, console: Console | None = None) -> None:
    """Each leg's prescription, next-session advice and adherence; then left against right."""
    console = console or Console()
    console.print(f"[bold]{escape(course.athlete.name)}[/]")
    if not course.active_legs:
        console.print("No prescription and no session yet.")
    for c in course.active_legs:
        p = c.prescription
        now = escape(describe_step(c.step, course.rules))
        per_week = (
            f", {p.sessions_per_week}× a week since {p.start_date}" if p else " (no prescription: latest session)"
        )
        console.print(f"\n[bold]{c.leg.value} leg[/]: {now}{per_week}; {len(c.sessions)} sessions")
        if c.advice:
            console.print(f"  next session: [bold]{escape(c.advice.headline)}[/] — {escape(c.advice.reason)}")
        if c.adherence and c.adherence.weeks:
            recent = ", ".join(f"{w.label} {w.sessions}/{w.target}" for w in c.adherence.weeks[-4:])
            console.print(
                f"  adherence: {c.adherence.share_met:.0%} of weeks on target; streak {c.adherence.streak_weeks} "
                f"weeks; longest gap {c.adherence.longest_gap_weeks} weeks; recent: {recent}"
            )
    cmp = course.comparison
    if cmp.left.day and cmp.right.day:
        table = Table(title="left vs right (latest session of each)")
        for col in ("", "left", "right", "symmetry %"):
            table.add_column(col, justify="right")
        for key, label in (
            ("reps_on_tempo", "reps on tempo"),
            ("longest_hold_s", "longest hold s"),
            ("range_deg", "range °"),
        ):
            sym = cmp.symmetry_pct[key]
            table.add_row(
                label,
                str(getattr(cmp.left, key) if getattr(cmp.left, key) is not None else "-"),
                str(getattr(cmp.right, key) if getattr(cmp.right, key) is not None else "-"),
                f"{sym:.0f}" if sym is not None else "-",
            )
        console.print(table)
        if not cmp.comparable:
            console.print(f"no symmetry index: the legs' latest sessions are not comparable ({escape(cmp.why_not)})")


def print_history(name: str, rows: list[dict], console: Console | None = None) -> None:
    console = console or Console()
    if not rows:
        console.print(f"{name}: no sessions yet.", markup=False)
        return
    table = Table(title=f"{escape(name)}: {len(rows)} sessions")
    loads = ("load_kg",) if any(r["load_kg"] != "" for r in rows) else ()  # heel raises carried a load
    columns = ("date", "source", "protocol", "leg", "band", *loads, "sets", "reps", "reps_on_tempo",
               "longest_hold_s", "mean_score", "advice")  # fmt: skip
    for col in columns:
        table.add_column(col.replace("_", " "), overflow="fold")
    for r in rows:
        table.add_row(*("-" if r[c] is None else escape(str(r[c])) for c in columns))
    console.print(table)
