"""An athlete's "Upload a set" on a clinic server with PostgreSQL: the clip is queued, a worker scores it.

Contract: ``background_scoring()`` is True for a logged-in athlete on a clinic server whose records are on
PostgreSQL (``CALFCHECK_DB``); otherwise the review page scores in the page as before (the local app, a
therapist's Clip review, a clinic on SQLite). ``upload_and_follow(prescription)`` shows the uploader and the
athlete's uploads with their state (queued / scoring / done with the advice / cannot be judged: the quality
gate's sentence / failed), refreshed every few seconds; the athlete may close the browser and come back.

The clip goes to the server's inbox (``vision.upload_queue``, under the server's data folder, the athlete's own
subfolder) in 1 MB pieces, and is then dropped from Streamlit's own memory at once: Streamlit holds an upload
whole in memory until the script has it (README, "Uploads from phones"), so this page keeps it there for
as short a time as it can. The job carries only the upload's reference. Everything a person typed or named
(a clip's name, a message that quotes it) is shown as text, never Markdown.
"""

from __future__ import annotations

import contextlib
import os
import time
from datetime import date, datetime

import streamlit as st

from app_pages.clinic import clinic_mode, current_actor, user_folder
from app_pages.plain import plain
from app_pages.ui import Prescription
from vision.records import Role
from vision.upload_queue import Inbox, State, Upload, UploadRequest
from vision.upload_queue.jobs import Queue, QueueUnavailable

CHUNK = 1 << 20
REFRESH_S = 2.0
SHOWN = 20  # the newest uploads listed
CLIP_TYPES = ["mp4", "mov", "m4v", "avi", "webm"]
SAYS = {
    State.QUEUED: "Queued: waiting for a worker. You may close this page and come back.",
    State.SCORING: "Scoring now…",
}


def background_scoring() -> bool:
    if not clinic_mode() or current_actor().role is not Role.ATHLETE:
        return False
    return (os.environ.get("CALFCHECK_DB") or "").startswith("postgresql")


@st.cache_resource(show_spinner=False)
def _queue(url: str) -> Queue:
    return Queue(url)  # a failure is not cached: the next run tries again


def _owner(inbox: Inbox) -> str:
    return user_folder(inbox.root).name  # the logged-in user's own folder name


def upload_and_follow(prescription: Prescription) -> None:
    inbox = Inbox()
    limit_mb = st.get_option("server.maxUploadSize")
    st.caption(
        f"MP4 or MOV from your phone (iPhone HEVC or Android H.264), up to {limit_mb} MB. Filmed from the side, "
        "phone still, the whole leg in view. The set is scored on the server: you may close this page meanwhile."
    )
    round_ = st.session_state.setdefault("upload-round", 0)
    upload = st.file_uploader("Clip", type=CLIP_TYPES, key=f"queued-upload-{round_}", label_visibility="collapsed")
    if upload is not None:
        _send(inbox, upload, prescription)
    sent = st.session_state.pop("upload-sent", None)
    if sent:
        st.success(plain(f"{sent} is queued: it is scored in the background."))
    inbox.sweep(_owner(inbox))
    with contextlib.suppress(QueueUnavailable):  # said when the athlete uploads; the list still shows what waits
        _queue(os.environ["CALFCHECK_DB"]).send_waiting(inbox, _owner(inbox))
    _follow(inbox, _owner(inbox))


def _send(inbox: Inbox, upload, prescription: Prescription) -> None:
    actor = current_actor()
    request = UploadRequest(
        user_id=actor.user_id, user_key=actor.key, clip_name=upload.name[:200],
        protocol=prescription.protocol.id, leg=prescription.leg.value if prescription.leg else None,
        band=prescription.band, day=date.today().isoformat(), sent_at=time.time(),
    )  # fmt: skip
    try:
        queue = _queue(os.environ["CALFCHECK_DB"])
        ref = inbox.put(_owner(inbox), upload.name, _pieces(upload), request)
    except (QueueUnavailable, OSError) as exc:
        st.error(plain(f"Your clip was not queued: {exc}. Try again in a while."))
        return
    try:
        queue.send(ref)
    except QueueUnavailable as exc:
        inbox.forget(ref)  # never a clip on disk that no job will score
        st.error(plain(f"Your clip was not queued: {exc}. Try again in a while."))
        return
    _release(upload)
    st.session_state["upload-round"] += 1  # a fresh, empty uploader: the same clip is not queued again
    st.session_state["upload-sent"] = upload.name
    st.rerun()


def _pieces(upload):
    upload.seek(0)
    while piece := upload.read(CHUNK):
        yield piece


def _release(upload) -> None:
    """Drop Streamlit's in-memory copy of the clip now, not when the browser tab closes."""
    try:
        from streamlit.runtime import get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        get_instance().uploaded_file_mgr.remove_file(get_script_run_ctx().session_id, upload.file_id)
    except Exception:  # noqa: BLE001 - Streamlit's internals moved: the copy then goes with the session
        pass


def _follow(inbox: Inbox, owner: str) -> None:
    @st.fragment(run_every=REFRESH_S)
    def uploads() -> None:
        listed = inbox.listing(owner)[:SHOWN]
        st.subheader("Your uploads")
        if not listed:
            st.caption("Nothing uploaded yet.")
        for upload in listed:
            _show(upload)

    uploads()


def _show(upload: Upload) -> None:
    status = upload.status
    with st.container(border=True):
        sent = datetime.fromtimestamp(upload.request.sent_at).strftime("%d %b %Y %H:%M")
        st.text(f"{upload.request.clip_name} · sent {sent}")  # text: a file name is a person's words
        if status.state is State.DONE:
            reps = status.reps or 0
            st.success(f"Done: {reps} rep{'' if reps == 1 else 's'}, saved to your record.")
            st.text(status.message)
            if status.advice:
                st.text(status.advice)
        elif status.state is State.REFUSED:
            st.error(plain(f"Cannot be judged: {status.message}"))
        elif status.state is State.FAILED:
            st.error(plain(status.message))
        else:
            st.info(SAYS[status.state])
