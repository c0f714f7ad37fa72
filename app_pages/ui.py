"""Shared page pieces: the prescription picker, styling, and the set-summary block."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from vision.protocols import ExerciseProtocol, builtin_protocols
from vision.scoring import BANDS
from vision.types import LEG_OPTIONS, BandAdvice, Leg, Summary, leg_from_option

ADVICE_TEXT = {
    BandAdvice.HARDER: "Time for a tougher band.",
    BandAdvice.EASIER: "Drop to a lighter band until the tempo is under control.",
    BandAdvice.STAY: "Keep this band for now.",
}
DEFAULT_PROTOCOL = "band-tempo"

CSS = """
<style>
.block-container {padding-top: 1.6rem; max-width: 1280px;}
.cc-card {background: #ffffff; border: 1px solid #dce6e1; border-radius: 12px; padding: 14px 18px; margin-bottom: 12px;}
.cc-big {font-size: 2.1rem; font-weight: 700; line-height: 1.1; margin: 0;}
.cc-label {color: #5b6b64; font-size: 0.85rem; text-transform: uppercase; letter-spacing: .04em; margin: 0;}
.cc-cue {font-size: 1.35rem; font-weight: 600; color: #1f7a5a;}
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
    cols = st.columns([2.2, 1, 1])
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
    band = cols[2].selectbox("Band colour", ["(not set)", *BANDS], key=f"{key}-band", disabled=disabled)
    return Prescription(protocols[pid], leg_from_option(leg), None if band == "(not set)" else band)


def summary_block(summary: Summary, protocol: ExerciseProtocol) -> None:
    cols = st.columns(4)
    cols[0].metric("Reps", summary.rep_count, help="reps found in the set")
    cols[1].metric("On tempo", summary.good_rep_count)
    cols[2].metric("Longest hold", f"{summary.longest_hold_s:.1f} s")
    cols[3].metric("Mean score", "-" if summary.mean_score is None else f"{summary.mean_score:.0f}")
    if summary.rep_count == 0:
        st.info("No reps to judge yet, so no band advice.")
        return
    advice = ADVICE_TEXT[summary.band_advice]
    if summary.next_band:
        advice += f" Next time: **{summary.next_band}** band."
    if summary.fatigue:
        advice += " Range or tempo faded over the set: the set was taken to fatigue."
    box = st.success if summary.band_advice == BandAdvice.STAY else st.info
    box(f"**Band advice: {summary.band_advice}.** {advice}")
