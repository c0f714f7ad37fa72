"""Invitations page (a therapist on a clinic server): invite an athlete by the email their identity provider
verifies, linked to their athlete record (one of the therapist's own athletes, or a new record), and see the
therapist's athletes. The athlete is let in when they first log in with that email."""

from __future__ import annotations

import streamlit as st

from app_pages.plain import plain
from app_pages.records import NEW_ATHLETE, athlete_picker, open_records
from app_pages.ui import header
from vision.errors import CalfcheckError

header("Invitations", "Invite an athlete: they log in with your clinic's identity provider, using this email.")
records = open_records()
done = st.session_state.pop("invite-done", None)
if done:
    st.success(plain(done))
# No form: choosing "New athlete…" must show the name box at once (a form would hold it back until submitted).
email = st.text_input("Athlete's email", max_chars=254, placeholder="name@example.org", key="invite-email")
name = athlete_picker(records, "invite")
if st.button("Invite", type="primary"):
    try:
        if not name or name == NEW_ATHLETE:
            raise CalfcheckError("choose the athlete's record, or type a new athlete's name")
        records.invite(email, "athlete", athlete=name)
    except CalfcheckError as exc:
        st.error(plain(f"Not invited: {exc}."))
    else:
        st.session_state["invite-done"] = f"Invited {email.strip().lower()} as {name}."
        for key in ("invite-email", "invite-athlete", "invite-new-athlete"):  # a fresh, empty invitation
            st.session_state.pop(key, None)
        st.rerun()

st.subheader("Your athletes")
athletes = records.athletes()
if athletes:
    st.dataframe(
        [{"athlete": a.name, "sessions": a.sessions, "last session": a.last_day} for a in athletes], hide_index=True
    )  # a dataframe shows cells as text
else:
    st.info("No athletes in your care yet.")
