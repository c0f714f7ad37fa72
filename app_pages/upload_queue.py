"""An athlete's "Upload a set" on a clinic server with PostgreSQL: the clip is queued, a worker scores it.

Contract: ``background_scoring()`` is True for a logged-in athlete on a clinic server whose records are on
PostgreSQL (``CALFCHECK_DB``); otherwise the review page scores in the page as before (the local app, a
therapist's Clip review, a clinic on SQLite). ``upload_and_follow(prescription)`` shows the uploader and the
athlete's uploads with their state (queued / scoring / done with the advice / cannot be judged: the quality
gate's sentence / failed), refreshed every few seconds; the athlete may close the browser and come back.

The clip streams from the browser to the server's upload endpoint (``calfcheck upload-server``, behind the same
Caddy: ``PUT /_calfcheck/upload``), which writes it to the server's inbox (``vision.upload_queue``, under the
server's data folder, the athlete's own subfolder) as it arrives and queues its job: it is never whole in the
server's memory (README, "Uploads from phones"). The page holds no clip: it shows a small upload component (a file
input and a few lines of JavaScript, XMLHttpRequest for the progress) and gives it a short-lived upload ticket
signed for the logged-in athlete and the prescription (``vision.upload_queue.tickets``); the endpoint takes who is
uploading, for what, and the size limit (Streamlit's ``server.maxUploadSize``) from that ticket only. The ticket
and the texts reach the component as JSON escaped for a script, and the component writes only ``textContent``.
The job carries only the upload's reference. Everything a person typed or named (a clip's name, a message that
quotes it) is shown as text, never Markdown or HTML.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict
from datetime import date, datetime

import streamlit as st
import streamlit.components.v1 as components

from app_pages.clinic import clinic_mode, current_actor, user_folder
from app_pages.plain import plain
from app_pages.ui import Prescription
from vision.records import Role
from vision.upload_queue import Inbox, State, Upload, UploadRequest
from vision.upload_queue import tickets as upload_tickets
from vision.upload_queue.endpoint import NAME_HEADER, PATH, TICKET_HEADER
from vision.upload_queue.jobs import Queue, QueueUnavailable

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
    _uploader(inbox, prescription, limit_mb)
    inbox.sweep(_owner(inbox))
    with contextlib.suppress(QueueUnavailable):  # said when the athlete uploads; the list still shows what waits
        _queue(os.environ["CALFCHECK_DB"]).send_waiting(inbox, _owner(inbox))
    _follow(inbox, _owner(inbox))


def _ticket(inbox: Inbox, prescription: Prescription, limit_mb: int) -> str:
    """The upload ticket for this athlete and prescription, kept while it has more than half its life left: the
    component is redrawn (and an upload under way in it cut off) only when the ticket changes."""
    actor = current_actor()
    # clip_name and sent_at are the endpoint's to fill in, from the upload itself.
    request = UploadRequest(
        user_id=actor.user_id,
        user_key=actor.key,
        clip_name="",
        protocol=prescription.protocol.id,
        leg=prescription.leg.value if prescription.leg else None,
        band=prescription.band,
        day=date.today().isoformat(),
        sent_at=0.0,
    )
    wanted = json.dumps([_owner(inbox), asdict(request), limit_mb])
    kept = st.session_state.get("upload-ticket")
    if kept and kept[0] == wanted and kept[2] - time.time() > upload_tickets.TTL_S / 2:
        return kept[1]
    key = upload_tickets.secret(inbox.root.parent)
    text = upload_tickets.mint(key, _owner(inbox), request, limit_mb << 20)
    st.session_state["upload-ticket"] = (wanted, text, time.time() + upload_tickets.TTL_S)
    return text


def _script_json(value) -> str:
    """JSON safe inside a <script> element: no ``</script>`` or ``<!--`` can be spelled by a name or a message."""
    return json.dumps(value).replace("<", "\\u003c")


def _uploader(inbox: Inbox, prescription: Prescription, limit_mb: int) -> None:
    settings = {
        "url": PATH,
        "ticket": _ticket(inbox, prescription, limit_mb),
        "ticketHeader": TICKET_HEADER,
        "nameHeader": NAME_HEADER,
        "maxBytes": limit_mb << 20,
        "accept": ",".join(f".{t}" for t in CLIP_TYPES),
        "says": {
            "choose": "Choose a clip",
            "sending": "Sending {name}: {percent}%",
            "queued": "{name} is queued: it is scored in the background.",
            "tooLarge": f"This clip is larger than the {limit_mb} MB the clinic accepts.",
            "failed": "The clip was not sent: the connection was lost. Try again.",
            "noServer": "The clinic's upload service is not answering: try again in a while, or tell the clinic.",
        },
    }
    components.html(_UPLOADER.replace("SETTINGS_JSON", _script_json(settings)), height=118)


# The component: a file input, a progress bar and one line of text. Everything shown is set as textContent.
_UPLOADER = """<!doctype html>
<html><head><meta charset="utf-8"><style>
  body { font-family: "Source Sans Pro", sans-serif; color: #1d2a25; margin: 0; }
  label { display: inline-block; padding: 0.45rem 0.9rem; border: 1px solid #1f7a5a; border-radius: 0.5rem;
          color: #1f7a5a; background: #fff; cursor: pointer; font-size: 1rem; }
  input[type=file] { position: absolute; opacity: 0; width: 1px; height: 1px; }
  [hidden] { display: none !important; }
  progress { display: block; width: 100%; height: 0.6rem; margin-top: 0.6rem; accent-color: #1f7a5a; }
  #said { margin-top: 0.4rem; font-size: 0.95rem; overflow-wrap: anywhere; }
  .bad { color: #b42318; } .good { color: #1f7a5a; }
</style></head><body>
<label><input type="file" id="clip"><span id="choose"></span></label>
<progress id="bar" max="1" value="0" hidden></progress>
<div id="said" role="status" aria-live="polite"></div>
<script>
const S = SETTINGS_JSON;
const input = document.getElementById("clip"), bar = document.getElementById("bar");
const said = document.getElementById("said");
input.accept = S.accept;
document.getElementById("choose").textContent = S.says.choose;
function say(text, kind) { said.textContent = text; said.className = kind || ""; }
function fill(text, name, percent) { return text.replace("{percent}", percent).replace("{name}", name); }
input.addEventListener("change", () => {
  const file = input.files[0];
  if (!file) return;
  if (file.size > S.maxBytes) { say(S.says.tooLarge, "bad"); input.value = ""; return; }
  const xhr = new XMLHttpRequest();
  xhr.open("PUT", S.url);
  xhr.setRequestHeader(S.ticketHeader, S.ticket);
  xhr.setRequestHeader(S.nameHeader, encodeURIComponent(file.name));
  xhr.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    bar.value = e.loaded / e.total;
    say(fill(S.says.sending, file.name, Math.floor(100 * e.loaded / e.total)));
  };
  const done = () => { bar.hidden = true; input.disabled = false; input.value = ""; };
  xhr.onload = () => {
    let answer = {};
    try { answer = JSON.parse(xhr.responseText); } catch (e) {}
    done();
    if (xhr.status === 200 && answer.name) say(fill(S.says.queued, answer.name, 100), "good");
    else say(answer.error || S.says.noServer, "bad");  // no JSON: Caddy's 502, or no upload server behind it
  };
  xhr.onerror = xhr.onabort = () => { done(); say(S.says.failed, "bad"); };
  bar.hidden = false; bar.value = 0; input.disabled = true;
  say(fill(S.says.sending, file.name, 0));
  xhr.send(file);
});
</script></body></html>
"""


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
