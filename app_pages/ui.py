"""Shared page pieces: the prescription picker, styling, and the set-summary block."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from app_pages.plain import plain
from vision.errors import ProtocolError
from vision.programme import band_ladder
from vision.protocols import DEFAULT_PROTOCOL, ExerciseProtocol, Tempo, builtin_protocols
from vision.types import LEG_OPTIONS, Leg, Summary, leg_from_option

CSS = """
<style>
.block-container {padding-top: 1.6rem; max-width: 1280px;}
.cc-card {background: #ffffff; border: 1px solid #dce6e1; border-radius: 12px; padding: 14px 18px; margin-bottom: 12px;}
.cc-big {font-size: 2.1rem; font-weight: 700; line-height: 1.1; margin: 0;}
.cc-label {color: #5b6b64; font-size: 0.85rem; text-transform: uppercase; letter-spacing: .04em; margin: 0;}
.cc-card .cc-cue {font-size: 1.35rem; font-weight: 600; color: #1f7a5a;}
/* ".cc-card .x": Streamlit's own paragraph style (a class and an element) would win over a class alone. */
.cc-card .cc-count {font-size: 2.4rem;}
.cc-card .cc-phase {font-size: 1.5rem;}
/* A phone in portrait: the athlete reads the count and the cue at arm's length, the leg crossed, the phone on
   the floor or a chair; the page's side margins go to the video. */
@media (max-width: 640px) {
  .block-container {padding-left: 0.6rem; padding-right: 0.6rem;}
  /* columns stack on a phone: the desktop's wide gap between them would part the video from the count */
  [data-testid="stHorizontalBlock"] {row-gap: 0.6rem !important;}
  /* a touch screen shows the charts' tool bar all the time, over their titles; pinch-zoom needs none */
  .modebar-container {display: none !important;}
  .cc-card {padding: 10px 14px;}
  .cc-card .cc-count {font-size: 3.6rem;}
  .cc-card .cc-phase {font-size: 2rem;}
  .cc-card .cc-cue {font-size: 1.8rem; line-height: 1.2;}
}
</style>
"""


@dataclass(frozen=True)
class Prescription:
    protocol: ExerciseProtocol
    leg: Leg | None
    band: str | None


def header(title: str, subtitle: str) -> None:
    st.markdown(CSS, unsafe_allow_html=True)
    st.title(title)
    st.caption(subtitle)


def prescription_picker(key: str, disabled: bool = False) -> Prescription:
    cols = st.columns([2.2, 1, 1, 1])
    protocols = {p.id: p for p in builtin_protocols()}  # labels are the TOML files' names
    ids = list(protocols)
    pid = cols[0].selectbox(
        "Exercise",
        ids,
        index=ids.index(DEFAULT_PROTOCOL),
        format_func=lambda i: protocols[i].name,
        key=f"{key}-protocol",
        disabled=disabled,
    )
    leg = cols[1].selectbox(
        "Working leg",
        list(LEG_OPTIONS),
        key=f"{key}-leg",
        disabled=disabled,
        help="auto picks the foot that moves most",
    )
    band = cols[2].selectbox("Band colour", ["(not set)", *band_ladder()], key=f"{key}-band", disabled=disabled)
    protocol = _with_tempo(protocols[pid], cols[3], key, disabled)
    return Prescription(protocol, leg_from_option(leg), None if band == "(not set)" else band)


def own_tempo(protocol: ExerciseProtocol) -> str:
    """The protocol file's own tempo as push-hold-return seconds, or a dash for the phases it leaves free."""
    return "-".join(
        f"{protocol.target_s[p]:g}" if p in protocol.target_s else "·" for p in ("concentric", "hold", "eccentric")
    )


def _with_tempo(protocol: ExerciseProtocol, column, key: str, disabled: bool) -> ExerciseProtocol:
    """A tempo the therapist prescribes (3-0-3, 1-0-6...) instead of the protocol file's own; an isometric
    hold has none. A tempo that cannot be read is said in one sentence, and the file's own is used."""
    if protocol.exercise_kind.tempo_phases is None:  # a hold: no tempo to prescribe
        column.text_input("Tempo (s)", value="hold", key=f"{key}-tempo-none", disabled=True)
        return protocol
    text = column.text_input(
        "Tempo (s)",
        key=f"{key}-tempo",
        placeholder=own_tempo(protocol),
        disabled=disabled,
        help="Push, hold and return seconds, e.g. 3-0-3 for slow heavy reps or 1-0-6 for slow lowerings; empty: the"
        " exercise's own tempo",
    ).strip()
    if not text:
        return protocol
    try:
        return protocol.with_tempo(Tempo.parse(text))
    except ProtocolError as exc:
        column.error(str(exc))
        return protocol


def summary_block(summary: Summary, protocol: ExerciseProtocol) -> None:
    cols = st.columns(4)
    cols[0].metric("Reps", summary.rep_count, help="reps found in the set")
    cols[1].metric("On tempo", summary.good_rep_count)
    cols[2].metric("Longest hold", f"{summary.longest_hold_s:.1f} s")
    cols[3].metric("Mean score", "-" if summary.mean_score is None else f"{summary.mean_score:.0f}")
    if summary.rep_count == 0:
        st.info("No reps to judge yet.")
        return
    # The set described against its band's limit; the next band is the programme's decision alone, made
    # from whole sessions once the set is saved to an athlete's record (one answer, said once).
    text = protocol.exercise_kind.describe_set(summary, protocol)
    st.info(plain(text[:1].upper() + text[1:]))
