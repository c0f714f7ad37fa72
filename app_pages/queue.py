"""Review queue page: the therapist's list of sessions not yet reviewed, newest first.

Opening one shows the clip review view rebuilt from the stored landmarks (plot, rep table, and the
overlay drawn on a plain background, or on the video when it was kept); the therapist writes notes,
marks the session reviewed, and can change the athlete's prescription (recorded with a reason).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from app_pages.charts import signal_figure
from app_pages.plain import plain
from app_pages.records import open_records
from app_pages.rep_view import show_rep_table
from app_pages.ui import header, summary_block
from vision.errors import CalfcheckError
from vision.programme import band_ladder
from vision.progression import Step
from vision.protocols import TEMPO_MARK, builtin_protocols
from vision.records import LOCAL_USER, advice_line
from vision.records.service import MAX_LOAD_KG
from vision.render import render_annotated, render_landmarks

header("Review queue", "Sessions waiting for your review, newest first. Open one, add a note, mark it reviewed.")
records = open_records()
done = st.session_state.pop("queue-done", None)
if done:
    st.success(plain(done))
queue = records.review_queue()
if not queue:
    st.info("Nothing is waiting for review.")
    st.stop()


def label(s) -> str:
    reps = sum(x.rep_count for x in s.sets)
    step = Step(s.protocol, s.band, s.load_kg).label
    return plain(f"{s.athlete} · {s.day:%a %d %b} · {s.leg.value} leg · {step} · {len(s.sets)} set(s), {reps} reps")


by_id = {s.id: s for s in queue}
st.caption(f"{len(queue)} session(s) waiting.")
chosen_id = st.radio("Waiting", list(by_id), format_func=lambda i: label(by_id[i]), label_visibility="collapsed")
session_info = by_id[chosen_id]

st.divider()
st.subheader(plain(f"{session_info.athlete} — {session_info.day:%A %d %B %Y}, {session_info.leg.value} leg"))
numbers = [s.number for s in session_info.sets]
number = st.segmented_control("Set", numbers, default=numbers[0], key=f"set-{chosen_id}") if len(numbers) > 1 else 1
stored = next(s for s in session_info.sets if s.number == (number or numbers[0]))
st.caption(plain(f"Clip: {stored.clip_name} · source: {session_info.source}"))
leg_course = records.course(session_info.athlete_id).legs[session_info.leg]
after = {s.id: a for s, a in zip(leg_course.sessions, leg_course.advice_after)}  # as it stood after each session
programme = after.get(session_info.id)
if programme is not None:
    st.info(plain(f"Programme, as it stood after this session: {advice_line(programme)}"))

try:
    session = records.stored_set(session_info.id, stored.number)
except CalfcheckError as exc:
    st.error(plain(f"This set cannot be redrawn: {exc}."))
    session = None


@st.cache_data(show_spinner=False, max_entries=4)
def overlay_video(session_id: int, set_number: int, set_id: int, viewer: str) -> bytes:
    """``viewer`` (the actor's key) is part of the cache's key: the cache is the server's, and one person's
    overlay is never handed to another by its ids alone."""
    session = records.stored_set(session_id, set_number)
    with tempfile.TemporaryDirectory(prefix="calfcheck-review-") as tmp:
        out = Path(tmp) / "overlay.mp4"
        video = records.video(set_id)
        if video is not None:  # the user chose to keep the clip
            clip = Path(tmp) / "clip.mp4"
            clip.write_bytes(video)
            render_annotated(clip, session, out)
        else:
            render_landmarks(session, out)
        return out.read_bytes()


if session is not None:
    summary_block(session.summary, session.protocol)
    left, right = st.columns([2, 3], gap="large")
    with left:
        with st.spinner("Drawing the overlay…"):
            try:
                overlay = overlay_video(session_info.id, stored.number, stored.id, records.actor.key)
                st.video(overlay, format="video/mp4")
            except CalfcheckError as exc:
                st.error(plain(f"The overlay could not be drawn: {exc}"))
        if not stored.has_video:
            st.caption("Drawn from the stored landmarks: the video was not kept.")
    with right:
        st.plotly_chart(signal_figure(session), width="stretch")
    show_rep_table(session, "No reps were found in this set.")

notes_col, prescription_col = st.columns(2, gap="large")
with notes_col:
    st.markdown("#### Notes")
    for n in session_info.notes:
        shown = " (shared with the athlete)" if n.shared and records.actor is not LOCAL_USER else ""
        st.text(f"{n.written_at.astimezone():%d %b %H:%M}, {n.author}{shown}: {n.text}")  # typed: never Markdown
    with st.form(f"note-form-{chosen_id}", clear_on_submit=True, border=False):
        text = st.text_area("Note", placeholder="What you saw, what to change next time")
        # On a clinic server a note stays among the athlete's therapists unless shared with the athlete.
        shared = records.actor is not LOCAL_USER and st.checkbox("Share with the athlete", value=False)
        if st.form_submit_button("Add note"):
            try:
                records.add_note(session_info.id, text, shared=shared)  # signed by who uses calfcheck, not typed
            except CalfcheckError as exc:
                st.error(plain(f"The note was not saved: {exc}."))
            else:
                st.rerun()
    if st.button("Mark reviewed", key=f"reviewed-{chosen_id}", type="primary"):
        try:
            records.mark_reviewed(session_info.id)
        except CalfcheckError as exc:
            st.error(plain(f"Not marked: {exc}."))
        else:
            when = f"{session_info.day:%d %b}"
            st.session_state["queue-done"] = f"Marked {session_info.athlete}'s session of {when} reviewed."
            st.rerun()

with prescription_col:
    st.markdown("#### Prescription")
    current = records.prescription(session_info.athlete_id, session_info.leg)
    if current is not None:
        now_step = Step(current.protocol, current.band, current.load_kg).label
        st.markdown(plain(f"Now: {now_step}, {current.sessions_per_week}× a week ({current.changed_by})."))
    with st.form(f"prescribe-{chosen_id}"):
        protocols = {p.id: p.name for p in builtin_protocols()}
        ids = list(protocols)
        now = current.protocol if current else session_info.protocol
        base, _, now_tempo = now.partition(TEMPO_MARK)
        pid = st.selectbox("Exercise", ids, index=ids.index(base) if base in ids else 0, format_func=protocols.get)
        tempo = st.text_input(
            "Tempo (s)",
            value=now_tempo,
            placeholder="the exercise's own",
            help="e.g. 3-0-3 for slow heavy reps, 1-0-6 for slow lowerings; empty: the exercise's own tempo",
        ).strip()
        bands = ["(none)", *band_ladder()]
        now_band = (current.band if current else session_info.band) or "(none)"
        band = st.selectbox("Band", bands, index=bands.index(now_band) if now_band in bands else 0)
        now_load = (current.load_kg if current else session_info.load_kg) or 0.0
        load = st.number_input(
            "Load (kg)", min_value=0.0, max_value=MAX_LOAD_KG, value=float(now_load), step=records.rules.load_step_kg,
            help="Heel raises: kilograms held or worn, instead of a band (0: body weight).",
        )  # fmt: skip
        per_week = st.number_input("Sessions per week", 1, 14, value=current.sessions_per_week if current else 2)
        reason = st.text_input("Why", placeholder="e.g. holds past 30 s twice: tougher band")
        if st.form_submit_button("Change prescription"):
            try:
                changed = records.prescribe(
                    session_info.athlete_id,
                    session_info.leg,
                    f"{pid}{TEMPO_MARK}{tempo}" if tempo else pid,
                    None if band == "(none)" else band,
                    sessions_per_week=int(per_week),
                    reason=reason,
                    load_kg=float(load),
                )  # fmt: skip  (a bad tempo: one sentence, nothing changed)
            except CalfcheckError as exc:
                st.error(plain(f"Not changed: {exc}."))
            else:
                now_step = Step(changed.protocol, changed.band, changed.load_kg).label
                st.session_state["queue-done"] = f"Prescription changed: {now_step}, {per_week}× a week."
                st.rerun()
    history = records.prescription_history(session_info.athlete_id, session_info.leg)
    if len(history) > 1:
        st.caption(
            "History: "
            + plain(
                "; ".join(
                    f"{p.changed_at:%d %b}: {Step(p.protocol, p.band, p.load_kg).label} ({p.reason or p.changed_by})"
                    for p in history
                )
            )
        )
