"""The Progress page's charts (plotly): the band ladder over time, per-session figures, weekly adherence."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go

from vision.adherence import Adherence
from vision.programme import band_colour
from vision.records.course import Course, history_rows
from vision.types import Leg

LEG_COLOURS = {Leg.LEFT: "#2f6fd0", Leg.RIGHT: "#e07b21"}


def _layout(fig: go.Figure, title: str, height: int = 300) -> go.Figure:
    fig.update_layout(
        title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.2),
        plot_bgcolor="white",
    )  # fmt: skip
    fig.update_xaxes(gridcolor="#eef2f7")
    fig.update_yaxes(gridcolor="#eef2f7")
    return fig


def ladder_figure(course: Course) -> go.Figure:
    """Each leg's step on the programme (band, then the heel-raise exercises) per session."""
    steps = list(course.rules.rungs) + list(course.rules.after_bands)
    fig = go.Figure()
    for c in course.active_legs:
        days, levels, colours, text = [], [], [], []
        for s in c.sessions:
            step = s.band if s.band in steps else s.protocol
            if step not in steps:
                continue
            days.append(s.day)
            levels.append(step)
            colours.append(band_colour(s.band))
            text.append(f"{s.protocol} · {s.band or 'no band'}")
        fig.add_trace(
            go.Scatter(
                x=days, y=levels, mode="lines+markers", name=f"{c.leg.value} leg", text=text,
                line=dict(color=LEG_COLOURS[c.leg], shape="hv"), marker=dict(size=12, color=colours,
                line=dict(color=LEG_COLOURS[c.leg], width=2)),
            )
        )  # fmt: skip
    fig.update_yaxes(categoryorder="array", categoryarray=steps, type="category", range=[-0.5, len(steps) - 0.5])
    days = [s.day for c in course.active_legs for s in c.sessions]
    if days:  # whole days, padded: a single session must not zoom the axis to milliseconds
        fig.update_xaxes(
            type="date", tickformat="%d %b", range=[min(days) - timedelta(days=3), max(days) + timedelta(days=3)]
        )
    return _layout(fig, "Band ladder", 320)


def session_figures(course: Course) -> go.Figure:
    """Reps on tempo (bars) and longest hold and mean score (lines) per session, per leg."""
    from plotly.subplots import make_subplots

    rows = history_rows(course)
    fig = make_subplots(rows=1, cols=3, subplot_titles=("Reps on tempo", "Longest hold (s)", "Mean score"))
    for leg in (Leg.LEFT, Leg.RIGHT):
        mine = [r for r in rows if r["leg"] == leg.value]
        if not mine:
            continue
        x = [r["date"] for r in mine]
        colour = LEG_COLOURS[leg]
        fig.add_trace(go.Bar(x=x, y=[r["reps_on_tempo"] for r in mine], name=f"{leg.value}", marker_color=colour,
                             legendgroup=leg.value), 1, 1)  # fmt: skip
        fig.add_trace(go.Scatter(x=x, y=[r["longest_hold_s"] for r in mine], mode="lines+markers", showlegend=False,
                                 line=dict(color=colour), legendgroup=leg.value), 1, 2)  # fmt: skip
        fig.add_trace(go.Scatter(x=x, y=[r["mean_score"] for r in mine], mode="lines+markers", showlegend=False,
                                 line=dict(color=colour), legendgroup=leg.value), 1, 3)  # fmt: skip
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="date", tickformat="%d %b")  # one time axis for both legs, in calendar order
    return _layout(fig, "", 300)


def adherence_figure(adherence: Adherence, leg: Leg) -> go.Figure:
    weeks = list(adherence.weeks)
    fig = go.Figure(
        go.Bar(
            x=[w.label for w in weeks], y=[w.sessions for w in weeks], name="sessions",
            marker_color=["#2e9b4f" if w.met else "#d9a21b" for w in weeks],
        )
    )  # fmt: skip
    if weeks:
        fig.add_hline(y=weeks[0].target, line_dash="dash", line_color="#6b7280", annotation_text="target")
    fig.update_xaxes(type="category")
    return _layout(fig, f"Sessions per week, {leg.value} leg", 260)
