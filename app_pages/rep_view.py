"""The rep-by-rep table shared by the review page and the review queue."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from vision import report
from vision.scoring import describe_rep, describe_stalls


def rep_table(session) -> pd.DataFrame:
    """One row per rep. Movement is shown from the athlete's own rest; the absolute peak angle only when
    the view was side-on (``vision.view``), since an oblique view distorts it."""
    rows = []
    for s in session.scores:
        d = report.rep_to_dict(session, s)
        row = {
            "rep": d["index"],
            "start s": d["start_s"],
            "push s": d["concentric_s"],
            "hold s": d["hold_s"],
            "return s": d["eccentric_s"],
            "° from rest": d["rom_deg"],
        }
        if session.quality.side_on:
            row["peak ° (side view)"] = d["peak_deg"]
        # Where the return paused on the way down: clinical information, not a fault unless prescribed.
        rows.append(row | {"score": d["score"], "faults": describe_rep(s), "stalls": describe_stalls(s.rep) or "–"})
    return pd.DataFrame(rows)


def angles_caption(session) -> str:
    """What the table's angles mean, in the therapist's words."""
    from vision.view import ANGLES_NOTE

    if session.quality.side_on:
        return ANGLES_NOTE + " This clip looks side-on, so its peak angle is shown too."
    return (
        ANGLES_NOTE + " This clip is not side-on: no absolute angle is shown, and degrees from rest are the"
        " camera's view of the movement, comparable between sets filmed the same way."
    )


def highlight_faults(row: pd.Series) -> list[str]:
    bad = row["faults"] != "on target"
    return ["background-color: #fde8e8; color: #8a1c1c" if bad else "background-color: #eaf6ee"] * len(row)


def show_rep_table(session, empty_text: str) -> None:
    """The rep table, faults highlighted, with what its angles mean; ``empty_text`` when there are no reps."""
    table = rep_table(session)
    if table.empty:
        st.info(empty_text)
        return
    st.table(table.style.apply(highlight_faults, axis=1).format(precision=2))
    st.caption(angles_caption(session))
