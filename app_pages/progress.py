"""Progress page: one athlete's course — where they are on the band ladder and what to do next session.

Reads the athletes' records only (``vision.records.course``): per leg the prescription, the next session with its
reason, adherence per week; the ladder over time; reps on tempo, longest hold, score and range per
session; left against right; the session history; the PDF progress report to download.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.course_charts import adherence_figure, ladder_figure, session_figures
from app_pages.plain import plain
from app_pages.records import athlete_picker, open_records
from app_pages.ui import header
from vision.errors import CalfcheckError
from vision.pdf_report import course_pdf
from vision.progression import Step, describe_step
from vision.records import Role, advice_line
from vision.records.course import HISTORY_COLUMNS, history_rows

header("Progress", "An athlete's course over the weeks: the band ladder, each session, and what to do next time.")
records = open_records()
name = athlete_picker(records, "progress", allow_new=False)
if name is None:
    if not records.athletes():  # (a clinic's therapist with athletes has not chosen one yet: the picker says so)
        st.caption(
            "Save a set from the Live coaching or Clip review page, or add athletes with `calfcheck athlete add`."
        )
    st.stop()
st.session_state["athlete"] = name
if records.actor.role is Role.ATHLETE:  # their own record, no picker: say whose it is
    st.subheader(plain(name))
try:
    course = records.course(records.athlete(name).id)
except CalfcheckError as exc:
    st.error(plain(f"This athlete's record cannot be read: {exc}."))
    st.stop()

if not course.active_legs:
    st.info(plain(f"{name} has no prescription and no saved session yet."))
    st.stop()

cols = st.columns(len(course.active_legs))
for col, c in zip(cols, course.active_legs):
    with col, st.container(border=True):
        p = c.prescription
        st.markdown(f"### {c.leg.value.capitalize()} leg")
        if p is not None:
            now = describe_step(Step(p.protocol, p.band, p.load_kg), course.rules)
            st.markdown(plain(f"Now: {now}, {p.sessions_per_week}× a week since {p.start_date:%d %b %Y}."))
        else:
            st.markdown(plain(f"Now: {describe_step(c.step, course.rules)} (no prescription yet)."))
        if c.advice is not None:
            st.success(plain(f"Next session: {advice_line(c.advice)}"), icon=None)
        if c.adherence is not None and c.adherence.weeks:
            a = c.adherence
            m1, m2, m3 = st.columns(3)
            m1.metric("Weeks on target", f"{a.share_met:.0%}")
            m2.metric("Streak", f"{a.streak_weeks} wk")
            m3.metric("Longest gap", f"{a.longest_gap_weeks} wk")

st.plotly_chart(ladder_figure(course), width="stretch")
st.plotly_chart(session_figures(course), width="stretch")
adherence_cols = st.columns(len(course.active_legs))
for col, c in zip(adherence_cols, course.active_legs):
    if c.adherence is not None:
        col.plotly_chart(adherence_figure(c.adherence, c.leg), width="stretch")


def shown_number(value, fmt: str = "{:g}") -> str:
    return "-" if value is None else fmt.format(value)


cmp = course.comparison
if cmp.left.day and cmp.right.day:
    st.subheader("Left vs right")
    st.caption("Each leg's latest session. Symmetry: the weaker leg as a share of the stronger, only for the same "
               "exercise and band, close in time.")  # fmt: skip
    if not cmp.comparable:
        st.caption(plain(f"No symmetry index: the latest sessions are not comparable ({cmp.why_not})."))
    figures = (("reps_on_tempo", "Reps on tempo (best set)"), ("longest_hold_s", "Longest hold, s"),
               ("range_deg", "Range of motion, °"))  # fmt: skip
    st.table(
        pd.DataFrame(
            [
                {
                    "": label,
                    "left": shown_number(getattr(cmp.left, key)),
                    "right": shown_number(getattr(cmp.right, key)),
                    "symmetry %": shown_number(cmp.symmetry_pct[key], "{:.0f} %"),
                }
                for key, label in figures
            ]
        ).set_index("")
    )

if records.actor.role is Role.ATHLETE:  # on a clinic server: only the notes their therapists shared with them
    shared = sorted((n for leg in course.legs.values() for s in leg.sessions for n in s.notes),
                    key=lambda n: n.written_at)  # fmt: skip
    if shared:
        st.subheader("Notes from your therapist")
        for n in shared[-10:]:
            st.text(f"{n.written_at.astimezone():%d %b %Y}, {n.author}: {n.text}")  # typed by people: never Markdown

st.subheader("Sessions")
rows = history_rows(course)
# The load column only once a heel raise carried a load (band exercises have none).
columns = [k for k in HISTORY_COLUMNS if k != "load_kg" or any(r["load_kg"] != "" for r in rows)]
table = pd.DataFrame([{k: r[k] for k in columns} for r in reversed(rows)])
st.dataframe(table, hide_index=True, width="stretch")
st.download_button(
    "Download the PDF progress report",
    course_pdf(course),
    file_name=f"calfcheck-progress-{name.replace(' ', '-').lower()}.pdf",
    mime="application/pdf",
)
