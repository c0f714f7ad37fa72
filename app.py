"""calfcheck web app: a router only. The pages live in app_pages/; the analysis lives in vision/."""

import streamlit as st

st.set_page_config(page_title="calfcheck", page_icon=":material/directions_run:", layout="wide")

pages = st.navigation(
    [
        st.Page("app_pages/live.py", title="Live coaching", icon=":material/videocam:", url_path="live", default=True),
        st.Page("app_pages/review.py", title="Clip review", icon=":material/stethoscope:", url_path="review"),
    ]
)
pages.run()
