"""Live coaching page: webcam in through WebRTC, cues out, the same tracker as the CLI.

Threads: ``queued_video_frames_callback`` runs on streamlit-webrtc's worker thread. It only calls the
``LiveCoach`` and stores its immutable ``LiveState``; it makes no ``st.*`` calls. The page polls that
state from a fragment that reruns every half second while a set runs. The spoken cues are chosen on that
thread too, on every analysed frame (``vision.voice.Announcer``), and collected by a second fragment every
``voice.POLL_S`` while a set runs, which hands them to the browser to say (app_pages/voice.py says why this design).

Across networks (``app_pages.live_network``): opened over plain HTTP from another machine the page says in one
sentence that the browser cannot open a camera there; the ICE servers (TURN credentials minted per session)
come from the server's settings, never a library's default; and at most ``max_athletes`` streams are analysed
at once: the next athlete is told the server is busy (before START, or on the status panel if two pressed
START for the last seat together) instead of getting a frozen page.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import av
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from app_pages.live_network import BUSY, live_seats, live_settings, rtc_configs
from app_pages.plain import plain
from app_pages.records import DraftStore, save_panel
from app_pages.tempo_guide import guide_html
from app_pages.ui import Prescription, header, prescription_picker, summary_block
from app_pages.voice import POLL_S, voice
from vision import report
from vision.annotate import PHASE_COLOURS
from vision.live import LiveState
from vision.live_seats import LiveSeats
from vision.pipeline import LiveCoach, recent_in_queue
from vision.scoring import describe_rep
from vision.secure_origin import camera_allowed
from vision.types import Frame
from vision.voice import Announcer, Utterance

DRAFTS = DraftStore.for_user()  # the logged-in user's own (on a clinic server)
FACING = {"Front": "user", "Rear": "environment"}  # the camera's label → getUserMedia's facingMode
SPOKEN_KEPT = 16  # utterances handed to the browser on each poll: far more than one poll can make due
PHASE_CSS = {phase.name: "#{:02x}{:02x}{:02x}".format(*rgb) for phase, rgb in PHASE_COLOURS.items()}
INSECURE = (
    "This page was opened over plain HTTP from another machine, where browsers never open a camera:"
    " open calfcheck at its https:// address."
)


class LiveHolder:
    """Crosses threads: the video thread writes coach/state under a lock; the page reads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.prescription: Prescription | None = None
        self.coach: LiveCoach | None = None
        self.error: str | None = None
        self.frames = 0
        self.seats: LiveSeats | None = None
        self.refused = False  # no seat was free when this set started: frames pass through unanalysed
        self.announcer: Announcer | None = None
        self.spoken: deque[tuple[Utterance, float]] = deque(maxlen=SPOKEN_KEPT)  # with the wall time it was due

    def start_set(self, prescription: Prescription, seats: LiveSeats) -> None:
        with self.lock:
            if self.coach is not None:
                self.coach.close()
            self.prescription, self.coach, self.error, self.frames = prescription, None, None, 0
            self.seats, self.refused = seats, not seats.claim(self, time.monotonic())
            last = self.announcer.last_seq if self.announcer else 0
            self.announcer = Announcer(prescription.protocol, last)

    def _announce(self, state: LiveState) -> None:
        """Every analysed frame's state (video thread): what became worth saying on it."""
        with self.lock:  # the page's thread may be finishing the set (STOP) meanwhile
            if self.announcer is not None:
                self.spoken.extend((u, time.time()) for u in self.announcer.update(state))

    def finish_set(self) -> None:
        """STOP pressed: the set's end is said (once; not for a set with no reps)."""
        with self.lock:
            if self.coach is not None and self.announcer is not None:
                self.spoken.extend((u, time.time()) for u in self.announcer.finish(self.coach.state))

    def utterances(self) -> tuple[list[tuple[Utterance, float]], float]:
        """The latest utterances with the wall time each was due, oldest first, and the newest frame's time."""
        with self.lock:
            spoken = list(self.spoken)
        state = self.state()
        return spoken, state.t_s if state else 0.0

    def stop_set(self) -> None:
        if self.seats is not None:
            self.seats.release(self)

    async def callback(self, queued: list[av.VideoFrame]) -> list[av.VideoFrame]:
        """Every frame that arrived since the last call (a burst, after network jitter): all analysed."""
        with self.lock:
            if self.refused or self.seats is None:
                return queued[-1:]
            # Claiming again is the heartbeat: a seat whose stream has gone quiet is freed (live_seats).
            if not self.seats.claim(self, time.monotonic()):
                self.refused = True  # our seat went stale (a long network stall) and someone else took it
                return queued[-1:]
            if self.coach is None and self.prescription is not None:
                p = self.prescription
                self.coach = LiveCoach(p.protocol, p.leg, p.band)  # one landmarker per stream
            coach = self.coach
        if coach is None:
            return queued[-1:]
        times = [float(f.time) if f.time is not None else time.monotonic() for f in queued]
        recent = recent_in_queue(times)  # a backlog too old to be worth analysing is not even converted
        frames = [Frame(queued[i].to_ndarray(format="rgb24"), times[i], self.frames + n) for n, i in enumerate(recent)]
        try:
            annotated, _ = coach.process_queued(frames, on_state=self._announce)
        except Exception as exc:  # keep the stream alive; the page shows the message
            self.error = f"{type(exc).__name__}: {exc}"
            return queued[-1:]
        self.frames += len(frames)
        return [av.VideoFrame.from_ndarray(image, format="rgb24") for image in annotated]

    def state(self) -> LiveState | None:
        coach = self.coach
        return coach.state if coach is not None else None


header("Live coaching", "Sit side-on to the camera with the working leg crossed over, the whole leg and foot in view.")
if not camera_allowed(st.context.url):
    st.warning(INSECURE)  # instead of a video box that could never start
    st.stop()
holder: LiveHolder = st.session_state.setdefault("live_holder", LiveHolder())
was_playing = st.session_state.get("live_playing", False)
settings = live_settings()
seats = live_seats()
browser_rtc, server_rtc = rtc_configs(settings)


@st.fragment(run_every=3)
def follow_the_seats(busy: bool) -> None:
    """Before START the page follows the server's seats: the busy sentence stays until a seat is free, then the
    camera is offered again by itself; a camera offered while the last seat is taken turns into the sentence."""
    if seats.busy(holder, time.monotonic()) != busy:
        st.rerun(scope="app")
    if busy:
        st.warning(BUSY)
        st.page_link("app_pages/review.py", label="Upload a recorded set")  # in every menu that has this page


if not was_playing:
    busy = seats.busy(holder, time.monotonic())
    follow_the_seats(busy)
    if busy:
        st.stop()  # one sentence, no camera box, no picker for a set that cannot start

prescription = prescription_picker("live", disabled=was_playing)
switches = st.columns(3)
# On by default: the athlete watches the foot, not the screen (issue 22). The device's own voice, nothing fetched.
spoken_on = switches[0].toggle("Spoken cues", value=True, help="push, hold, return, the count and 'set done', aloud")
audio = switches[1].toggle("Audio tick in the tempo guide", value=False)
# A phone's front camera shows the athlete the screen; the rear one films better. The browser takes it as a
# preference ("ideal"): a laptop with one camera uses that one, and streamlit-webrtc's "Select Device" still lists
# every camera.
facing = (
    switches[2].segmented_control("Camera", list(FACING), default="Front", key="live-camera", disabled=was_playing)
    or "Front"
)
st.iframe(guide_html(prescription.protocol, audio), height=90)

video_col, panel_col = st.columns([3, 2], gap="large")
with video_col:
    ctx = webrtc_streamer(
        key="calfcheck-live",
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=browser_rtc,
        server_rtc_configuration=server_rtc,  # aiortc on the server: the same TURN, its own credentials
        media_stream_constraints={
            "video": {"width": {"ideal": 960}, "facingMode": {"ideal": FACING[facing]}},
            "audio": False,
        },
        queued_video_frames_callback=holder.callback,  # every frame, even those arriving in a burst
        async_processing=True,  # analysis runs beside the stream; a backlog is capped so cues stay current
        video_html_attrs={
            "style": {"width": "100%", "borderRadius": "12px"},
            "autoPlay": True,
            "controls": False,
            "muted": True,
        },
    )
playing = bool(ctx.state.playing)
if playing and not was_playing:
    holder.start_set(prescription, seats)
elif was_playing and not playing:
    holder.finish_set()
    holder.stop_set()
st.session_state["live_playing"] = playing


@st.fragment(run_every=POLL_S if playing else None)
def voice_panel() -> None:
    spoken, now = holder.utterances()
    voice(spoken, now, spoken_on)


# Polled only while a set runs: the count cannot change otherwise, and an idle page rerunning a fragment twice
# a second only adds reruns that meet the page's own (a tap on Save set, the busy page's switch; see
# runner.fastReruns in .streamlit/config.toml).
@st.fragment(run_every=0.5 if playing else None)
def status_panel() -> None:
    state = holder.state()
    reps = state.reps if state else 0
    phase = state.phase.name if state else "REST"
    st.markdown(
        f"<div class='cc-card'><p class='cc-label'>set</p>"
        f"<p class='cc-big cc-count' id='cc-reps'>Reps: {reps}</p>"
        f"<p class='cc-big cc-phase' id='cc-phase' style='color:{PHASE_CSS[phase]}'>Phase: {phase}</p></div>",
        unsafe_allow_html=True,
    )
    cue = state.cue if state else "Press START, then push the foot down when you are ready"
    st.markdown(
        f"<div class='cc-card'><p class='cc-label'>next</p><p class='cc-cue'>{cue}</p></div>", unsafe_allow_html=True
    )
    if state and state.last_rep:
        st.markdown(
            f"<div class='cc-card'><p class='cc-label'>last rep</p><p id='cc-last'>{state.last_rep_text}</p></div>",
            unsafe_allow_html=True,
        )
    if state:
        st.caption(
            f"{state.fps:.0f} frames/s analysed · {state.latency_ms:.0f} ms per frame · "
            f"leg: {state.leg.value if state.leg else 'finding…'}"
        )
    if holder.refused:
        st.warning(BUSY)
    if holder.error:
        st.warning("The live analysis hit a problem with a frame and skipped it. If cues stop, press STOP and START.")


voice_panel()  # draws nothing: below the columns, so a phone shows no gap between the video and the count
with panel_col:
    status_panel()

if not playing and holder.coach is not None and holder.coach.scores:
    st.subheader("Set summary")
    session = holder.coach.to_session()
    summary_block(session.summary, session.protocol)
    rows = [
        {
            "rep": s.rep.index,
            "push s": f"{s.rep.concentric.duration_s:.1f}",
            "hold s": f"{s.rep.hold.duration_s:.1f}",
            "return s": f"{s.rep.eccentric.duration_s:.1f}",
            "score": s.score,
            "faults": describe_rep(s),
        }
        for s in session.scores
    ]
    st.table(rows)
    st.download_button(
        "Download JSON report", report.to_json(session), file_name="calfcheck-live.json", mime="application/json"
    )
    # Kept as a draft at once: a refreshed browser finds it below, until it is saved or discarded.
    draft_id = st.session_state.get("live_draft_for")
    if draft_id is None or draft_id[0] is not holder.coach:
        st.session_state["live_draft_for"] = (holder.coach, DRAFTS.put(session))

drafts = DRAFTS.list()
if drafts and not playing:
    st.subheader("Sets not saved yet")
    for draft in drafts:
        when = time.strftime("%H:%M", time.localtime(draft.finished_at))
        with st.expander(plain(f"Set finished at {when}: {draft.reps} reps ({draft.protocol})"), expanded=True):
            save_panel(DRAFTS.item(draft.name), source="live", key=f"draft-{draft.name}",
                       on_saved=lambda stem=draft.name: DRAFTS.discard(stem))  # fmt: skip
            if st.button("Discard this set", key=f"discard-{draft.name}"):
                DRAFTS.discard(draft.name)
                st.rerun()
