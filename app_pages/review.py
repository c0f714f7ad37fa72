"""Clip review page: upload or pick a clip, then study it rep by rep.

Pose runs once per clip (cached by content hash); changing the exercise, leg or band re-scores from the
cached landmarks. Every failure becomes a message on the page that names the user's file, never a
traceback. Uploads live in a private temp folder only while they are reviewed (``uploads``). An athlete on a
clinic server with PostgreSQL gets the background queue instead (``upload_queue``): a worker scores and saves.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from app_pages.charts import signal_figure
from app_pages.clinic import current_actor, user_folder
from app_pages.plain import plain
from app_pages.records import save_panel
from app_pages.rep_view import show_rep_table
from app_pages.ui import Prescription, header, prescription_picker, summary_block
from app_pages.upload_queue import background_scoring, upload_and_follow
from app_pages.uploads import DEFAULT_ROOT, StoredClip, UploadStore
from vision import report
from vision.errors import CalfcheckError
from vision.pipeline import FormChecker
from vision.records import Role, SetToSave
from vision.render import render_annotated

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
UPLOADS = UploadStore(user_folder(DEFAULT_ROOT))  # on a clinic server, the logged-in user's own folder


def extraction_for(clip: StoredClip, checker: FormChecker):
    cache = st.session_state.setdefault("extractions", {})
    if clip.digest not in cache:
        bar = st.progress(0.0, text="Finding the leg and foot in every frame…")
        try:
            cache.clear()  # one clip's landmarks at a time keeps a long session's memory flat
            cache[clip.digest] = checker.extract(
                clip.path, progress=lambda f: bar.progress(f, text=f"Analysing… {f:.0%}")
            )
        finally:
            bar.empty()  # never leave a stale progress label above an error
    return cache[clip.digest]


def annotated_video(clip: StoredClip, session, p: Prescription) -> bytes:
    key = (clip.digest, p.protocol.id, session.leg.value)
    cache = st.session_state.setdefault("renders", {})
    if key not in cache:
        bar = st.progress(0.0, text="Drawing the annotated video…")
        try:
            out = clip.folder / f"annotated-{p.protocol.id}-{session.leg.value}.mp4"
            render_annotated(clip.path, session, out, progress=lambda f: bar.progress(f, text=f"Drawing… {f:.0%}"))
            cache.clear()
            cache[key] = out.read_bytes()
        finally:
            bar.empty()
    return cache[key]


# An athlete on a clinic server knows this page as "Upload a set" (their menu's name for it).
title = "Upload a set" if current_actor().role is Role.ATHLETE else "Clip review"
queued = background_scoring()
header(title, "Upload a recorded set: the server scores it and files it in your record, with the advice for your next "
       "session." if queued else "Upload a recorded set and see every rep's push, hold and return against the "
       "prescription.")  # fmt: skip
prescription = prescription_picker("review")
if queued:  # an athlete on a clinic server with PostgreSQL: a worker scores it, not this page
    upload_and_follow(prescription)
    st.stop()
limit_mb = st.get_option("server.maxUploadSize")
st.caption(
    f"MP4, MOV, AVI or WebM up to {limit_mb} MB. Best: filmed from the side, camera still, the whole leg in view."
)

source = st.radio("Clip", ["Upload a clip", "Use a sample clip"], horizontal=True, label_visibility="collapsed")
clip_name, clip_bytes = None, None
if source == "Upload a clip":
    upload = st.file_uploader("Clip", type=["mp4", "mov", "avi", "webm"], label_visibility="collapsed")
    if upload is not None:
        clip_name, clip_bytes = upload.name, upload.getvalue()
else:
    samples = sorted(p.name for p in SAMPLES.glob("*") if p.suffix.lower() in (".mp4", ".mov", ".avi", ".webm"))
    pick = st.selectbox("Sample clip", samples)
    if pick:
        clip_name, clip_bytes = pick, (SAMPLES / pick).read_bytes()

UPLOADS.sweep()  # uploads idle for hours are deleted: footage is not kept
if UPLOADS.root != DEFAULT_ROOT:  # a clinic server: the shared folder private too, and everyone's uploads swept
    DEFAULT_ROOT.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(DEFAULT_ROOT, 0o700)
    for folder in DEFAULT_ROOT.iterdir():
        if folder.is_dir() and folder != UPLOADS.root:
            UploadStore(folder).sweep()
if clip_bytes is not None:
    checker = FormChecker(prescription.protocol, prescription.leg, prescription.band)
    try:
        clip = UPLOADS.save(clip_name, clip_bytes)  # stored under the user's own name: messages name it
        extraction = extraction_for(clip, checker)
        session = checker.analyse(extraction, source=clip_name)
    except CalfcheckError as exc:
        st.error(plain(f"We could not read this clip. {exc}"))
        st.stop()
    except Exception as exc:  # never a traceback for a user
        st.error(f"Something went wrong while analysing this clip ({type(exc).__name__}). Try another export of it.")
        st.stop()

    for warning in session.quality.warnings:
        st.warning(warning)
    summary_block(session.summary, session.protocol)
    left, right = st.columns([2, 3], gap="large")
    with left:
        try:
            video = annotated_video(clip, session, prescription)
            st.video(video, format="video/mp4")
        except CalfcheckError as exc:
            video = None
            st.error(f"The annotated video could not be drawn: {exc}")
    with right:
        st.plotly_chart(signal_figure(session), width="stretch")
    st.subheader(f"Reps ({len(session.finished_scores)})")
    show_rep_table(session, "No reps were found in this clip.")
    stem = Path(clip_name).stem
    d1, d2, d3 = st.columns(3)
    d1.download_button("Download JSON", report.to_json(session), file_name=f"{stem}.json", mime="application/json")
    d2.download_button("Download CSV", report.reps_csv(session), file_name=f"{stem}-reps.csv", mime="text/csv")
    if video is not None:
        d3.download_button("Download annotated video", video, file_name=f"{stem}-annotated.mp4", mime="video/mp4")
    if session.finished_scores:
        item = SetToSave.from_analysis(session, clip_name=clip.path.name, content_hash=clip.digest)
        save_panel(item, source="upload", key="review", clip=clip.path)
