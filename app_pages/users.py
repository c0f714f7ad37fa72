"""Users page (an admin on a clinic server): who may log in, invite admins and therapists, remove someone (their
access ends at once; their records stay). Athletes are invited by their therapists (or ``calfcheck user add``
on the server)."""

from __future__ import annotations

import streamlit as st

from app_pages.plain import plain
from app_pages.records import open_records
from app_pages.ui import header
from vision.errors import CalfcheckError

header("Users", "Who may log in to this calfcheck: invite therapists and admins, remove anyone.")
records = open_records()
done = st.session_state.pop("users-done", None)
if done:
    st.success(plain(done))
with st.form("invite-staff", clear_on_submit=True):
    cols = st.columns([3, 1])
    email = cols[0].text_input("Email", max_chars=254, placeholder="name@example.org")
    role = cols[1].selectbox("Role", ["therapist", "admin"])
    if st.form_submit_button("Invite", type="primary"):
        try:
            records.invite(email, role)
        except CalfcheckError as exc:
            st.error(plain(f"Not invited: {exc}."))
        else:
            st.session_state["users-done"] = f"Invited {email.strip().lower()} as {role}."
            st.rerun()

users = records.users()
st.dataframe(
    [
        {"email": u.email, "role": u.role, "logged in": "yes" if u.logged_in else "not yet",
         "therapists": ", ".join(u.therapists)}
        for u in users
    ],
    hide_index=True,
)  # fmt: skip
others = [u.email for u in users if u.email != records.actor.email]
if others:
    with st.form("remove"):
        gone = st.selectbox("Remove", others, index=None, placeholder="Choose someone")
        if st.form_submit_button("Remove their access") and gone:
            try:
                records.remove_user(gone)
            except CalfcheckError as exc:
                st.error(plain(f"Not removed: {exc}."))
            else:
                st.session_state["users-done"] = f"Removed {gone}; their records stay."
                st.rerun()
