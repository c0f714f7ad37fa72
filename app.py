"""calfcheck web app: a router only. The pages live in app_pages/; the analysis lives in vision/."""

from pathlib import Path

import streamlit as st

# A local icon: a ":material/…:" page icon makes the browser fetch the favicon from a public CDN.
ICON = Path(__file__).resolve().parent / "app_pages" / "calfcheck-icon.png"
st.set_page_config(page_title="calfcheck", page_icon=str(ICON), layout="wide")

pages = st.navigation(
    [
        st.Page("app_pages/live.py", title="Live coaching", icon=":material/videocam:", url_path="live", default=True),
        st.Page("app_pages/review.py", title="Clip review", icon=":material/stethoscope:", url_path="review"),
        st.Page("app_pages/progress.py", title="Progress", icon=":material/trending_up:", url_path="progress"),
        st.Page("app_pages/queue.py", title="Review queue", icon=":material/inbox:", url_path="queue"),
    ]
)
pages.run()
