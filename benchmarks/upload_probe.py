"""A one-widget Streamlit page for bench_upload_memory.py: an upload handled as the clinic's queued "Upload a set"
page handled it before the upload server (Streamlit's uploader; written to the inbox in 1 MB pieces, then dropped
from Streamlit's memory), without the login and the database, so only the
upload's own memory is measured: the benchmark's "before". The benchmark also runs it, idle, beside the upload
server."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402

from vision.upload_queue import Inbox, UploadRequest  # noqa: E402

CHUNK = 1 << 20


def _pieces(upload):
    """Streamlit's upload in 1 MB pieces (as the page took it before the upload server)."""
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


inbox = Inbox(Path(os.environ["PROBE_INBOX"]))
round_ = st.session_state.setdefault("round", 0)
upload = st.file_uploader("Clip", key=f"clip-{round_}")
if upload is not None:
    request = UploadRequest(0, "probe", upload.name, "band-tempo", None, None, "2026-12-04", time.time())
    ref = inbox.put(f"probe{os.getpid()}", upload.name, _pieces(upload), request)
    st.session_state["stored"] = inbox.clip(ref).stat().st_size
    inbox.forget(ref)
    _release(upload)
    st.session_state["round"] += 1
    st.rerun()
if "stored" in st.session_state:
    st.write(f"stored {st.session_state['stored']} bytes")
