"""The rep-by-rep table shared by the review page and the review queue."""

from __future__ import annotations

import pandas as pd

from vision import report
from vision.scoring import describe_rep


def rep_table(session) -> pd.DataFrame:
    rows = []
    for s in session.scores:
        d = report.rep_to_dict(session, s)
        rows.append(
            {
                "rep": d["index"],
                "start s": d["start_s"],
                "push s": d["concentric_s"],
                "hold s": d["hold_s"],
                "return s": d["eccentric_s"],
                "peak °": d["peak_deg"],
                "range °": d["rom_deg"],
                "score": d["score"],
                "faults": describe_rep(s),
            }
        )
    return pd.DataFrame(rows)


def highlight_faults(row: pd.Series) -> list[str]:
    bad = row["faults"] != "on target"
    return ["background-color: #fde8e8; color: #8a1c1c" if bad else "background-color: #eaf6ee"] * len(row)
