"""Readable terminal output of a scored session (rich tables). Contract: printing only, no analysis."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from vision.scoring import describe_rep
from vision.types import Session


def print_session(session: Session, console: Console | None = None) -> None:
    console = console or Console()
    p, s = session.protocol, session.summary
    console.print(f"[bold]{session.source}[/] · {p.name} · {session.leg.value} leg · {session.duration_s:.1f} s")
    table = Table(show_lines=False)
    for col in ("rep", "start", "push s", "hold s", "return s", "score", "faults"):
        table.add_column(col, justify="left" if col == "faults" else "right")
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
        )
    if session.scores:
        console.print(table)
    else:
        console.print("No reps found.")
    mean = f"{s.mean_score:.0f}" if s.mean_score is not None else "-"
    band = f" → next band: {s.next_band}" if s.next_band else ""
    console.print(
        f"reps {s.rep_count} (good {s.good_rep_count}) · longest hold {s.longest_hold_s:.1f} s · "
        f"mean score {mean} · fatigue {'yes' if s.fatigue else 'no'} · band: [bold]{s.band_advice}[/]{band}"
    )
    for w in session.quality.warnings:
        console.print(f"[yellow]! {w}[/]")
