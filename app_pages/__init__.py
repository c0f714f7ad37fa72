"""Streamlit pages of the calfcheck app (thin callers of vision.pipeline and vision.live)."""
