"""calfcheck web app: a router only. The pages live in app_pages/; the analysis lives in vision/.

Without an identity provider (no ``[auth]`` in Streamlit's secrets) it is the local app: every page, no login.
On a clinic server the gate (``app_pages.clinic``) admits the logged-in user first, and the menu holds only
the pages their role may open: a page left out of ``st.navigation`` cannot be opened by its URL either.
"""

from pathlib import Path

import streamlit as st

from app_pages.clinic import gate
from vision.records import Role

# A local icon: a ":material/…:" page icon makes the browser fetch the favicon from a public CDN.
ICON = Path(__file__).resolve().parent / "app_pages" / "calfcheck-icon.png"
st.set_page_config(page_title="calfcheck", page_icon=str(ICON), layout="wide")


def page(name: str, title: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(f"app_pages/{name}.py", title=title, icon=f":material/{icon}:", url_path=name, default=default)


actor = gate()  # the local user, or the clinic server's logged-in user (else a login page and a stop)
MENUS = {
    Role.LOCAL: lambda: [
        page("live", "Live coaching", "videocam", default=True),
        page("review", "Clip review", "stethoscope"),
        page("progress", "Progress", "trending_up"),
        page("queue", "Review queue", "inbox"),
    ],
    Role.ATHLETE: lambda: [
        page("live", "Live coaching", "videocam", default=True),
        page("review", "Upload a set", "upload"),
        page("progress", "My progress", "trending_up"),
    ],
    Role.THERAPIST: lambda: [
        page("queue", "Review queue", "inbox", default=True),
        page("progress", "Progress", "trending_up"),
        page("review", "Clip review", "stethoscope"),
        page("invitations", "Invitations", "person_add"),
        page("audit", "Audit log", "history"),
    ],
    Role.ADMIN: lambda: [
        page("users", "Users", "group", default=True),
        page("audit", "Audit log", "history"),
    ],
}
st.navigation(MENUS[actor.role]()).run()
