"""The live page's voice: says the announcer's utterances (vision.voice) with the browser's own speech synthesis.

Contract: ``voice(utterances, now_s, on)`` mounts one small Streamlit component (components v2: it runs in the
page itself, no iframe) and hands it the latest utterances; the browser says each one it has not said yet,
in order. Nothing is downloaded: ``speechSynthesis.speak`` uses the device's own voices; a browser without
speech synthesis beeps instead (Web Audio), one pitch per kind. Texts are ours (the announcer's), set as an
utterance's text and never as HTML.

Why this design: the frames are analysed on the server (streamlit-webrtc's worker thread), and the page
already polls the engine's state in a fragment; the announcer runs on the video thread on every analysed
frame, so no phase is missed between polls, and numbers each utterance so the browser says each exactly once.
The page polls every ``POLL_S`` while a set runs, so a word reaches the browser within about that long of its
frame. A WebRTC data channel would be quicker by at most that, but streamlit-webrtc opens none (its Python API
has no data channel), and a per-poll iframe (``st.iframe``) would be rebuilt on every poll, cutting speech off
mid-word. A phase word that arrives late (after a stall) is dropped rather than said wrong,
and a newer phase word cuts a stale one short; a count, a gate sentence and the end of the set are always said.
"""

from __future__ import annotations

import streamlit as st

from vision.voice import Utterance

POLL_S = 0.25  # the voice fragment's rerun while a set runs: words reach the browser within about this
SAY_LATE_S = 1.5  # a phase word older than this when it arrives is not said (the athlete has moved on)

_JS = """
const PITCH = {phase: 660, count: 880, gate: 330, done: 520};

function beep(kind) {
  // No speech synthesis in this browser: one short tone per utterance, its pitch by kind.
  const s = window.__calfcheckVoice;
  s.audio = s.audio || new (window.AudioContext || window.webkitAudioContext)();
  const o = s.audio.createOscillator(), g = s.audio.createGain();
  o.frequency.value = PITCH[kind] || 660; g.gain.value = 0.2; o.connect(g); g.connect(s.audio.destination);
  o.start(); o.stop(s.audio.currentTime + (kind === "phase" ? 0.08 : 0.25));
}

function say(seq, text, kind, due) {
  const s = window.__calfcheckVoice, synth = window.speechSynthesis;
  if (!synth || typeof SpeechSynthesisUtterance === "undefined") { beep(kind); return; }
  // A newer phase word makes an older one wrong: cut it short, unless a count or sentence is still due.
  if (kind === "phase" && s.mustSay === 0 && (synth.speaking || synth.pending)) synth.cancel();
  const u = new SpeechSynthesisUtterance(text);
  u.rate = 1.15;
  u.calfcheckDue = due;  // the server's wall time the word became due (benchmarks/bench_voice.py reads it)
  u.calfcheckSeq = seq;
  if (kind !== "phase") {
    s.mustSay += 1;
    u.onend = u.onerror = () => { s.mustSay = Math.max(0, s.mustSay - 1); };
  }
  s.keep.push(u); if (s.keep.length > 20) s.keep.shift();  // Chrome drops events of collected utterances
  synth.speak(u);
}

function prime() {
  // Some phone browsers speak only from inside a touch's handler the first time: a silent word unlocks speech.
  if (!window.speechSynthesis || typeof SpeechSynthesisUtterance === "undefined") return;
  const u = new SpeechSynthesisUtterance("");
  u.volume = 0;
  window.speechSynthesis.speak(u);
}

export default function ({ data }) {
  // One state for the page (not per render): the last utterance said survives every rerun of the fragment.
  if (!window.__calfcheckVoice) document.addEventListener("pointerdown", prime, {once: true, capture: true});
  const s = (window.__calfcheckVoice = window.__calfcheckVoice || {last: null, mustSay: 0, keep: [], dropped: []});
  const items = data.items || [];
  const newest = items.length ? items[items.length - 1][0] : 0;
  if (s.last === null || newest < s.last) { s.last = newest; return; }  // a page opened mid-set: nothing old
  for (const [seq, t, text, kind, due] of items) {
    if (seq <= s.last) continue;
    s.last = seq;
    if (!data.on) continue;
    if (kind === "phase" && data.now - t > data.late) {
      // Kept (the last few) so that a page slow to poll can be told from a word never sent.
      s.dropped.push({seq, text, late: data.now - t}); if (s.dropped.length > 20) s.dropped.shift();
      continue;
    }
    say(seq, text, kind, due);
  }
}
"""

_component = st.components.v2.component("calfcheck_voice", js=_JS)


def voice(utterances: list[tuple[Utterance, float]], now_s: float, on: bool) -> None:
    """Mount the voice with the latest utterances (oldest first, each with the wall time it was due: what
    benchmarks/bench_voice.py measures the delay from) and the newest frame's time."""
    items = [[u.seq, round(u.t_s, 3), u.text, u.kind.value, round(due, 3)] for u, due in utterances]
    _component(key="calfcheck-voice", data={"items": items, "now": round(now_s, 3), "late": SAY_LATE_S, "on": on})
