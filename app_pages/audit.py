"""Audit log page: who viewed or changed whose record, and when (an admin: every entry; a therapist: their
athletes'). Entries name things by id and never hold a note's text."""

from __future__ import annotations

import streamlit as st

from app_pages.records import open_records
from app_pages.ui import header
from vision.records import Role

header("Audit log", "Every view of an athlete's record, every save, note, review and prescription change.")
records = open_records()
entries = records.audit_log()
# A therapist sees their athletes' names; an admin, who does not read the records, their ids.
names = {a.id: a.name for a in records.athletes()} if records.actor.role is Role.THERAPIST else {}
st.dataframe(
    [
        {"when": f"{e.at.astimezone():%Y-%m-%d %H:%M:%S}", "who": e.actor, "what": e.action,
         "athlete": names.get(e.athlete_id, "" if e.athlete_id is None else f"#{e.athlete_id}"), "detail": e.detail}
        for e in entries
    ],
    hide_index=True,
    width="stretch",
)  # fmt: skip
