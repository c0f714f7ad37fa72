"""Spoken cues for live coaching: what the live page says aloud, and on which frame it became worth saying.

Contract: ``Announcer(protocol).update(state)`` is fed every ``LiveState`` the live tracker produces (each
analysed frame, on the video thread) and returns the ``Utterance`` s that frame made due, in order:

- the phase's word as the tracker enters it: "Push", "Hold", then "Return" ("Release" for an isometric hold);
  the return word comes early, as a prompt, once the hold has lasted its target (said once per rep); never the
  same word twice in a row (a phase left for a frame and re-entered is the same phase);
- the rep count ("1", "2", ...) when a rep is counted (never again for a number already said: the live count
  can fall back by one when hindsight shows a rise was sway, and a repeat would sound like a new rep);
- the quality gate's sentence ("Film from the side: ...", "Move back so your whole leg ...") once it has held
  for ``GATE_HOLD_S``, and not again within ``GATE_REPEAT_S``;
- "Set done: N reps" after ``SET_DONE_REST_S`` at rest following the last rep, or at ``finish`` (STOP).

Every utterance gets a sequence number that only grows, so a browser that polls can say exactly the ones it has
not said yet. The texts are ours (never a user's). Nothing here speaks: the browser does (app_pages/voice.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vision import quality
from vision.live import LiveState
from vision.protocols import ExerciseProtocol
from vision.types import Phase

GATE_HOLD_S = 1.0  # a gate message that flickers for a frame or two is not worth interrupting the tempo for
GATE_REPEAT_S = 15.0  # said again at most this often while it lasts: a nag every second drowns the count
SET_DONE_REST_S = 10.0  # the guide rests 2 s between reps; this much rest after a rep means the set is over


class Kind(StrEnum):
    """What an utterance is: the browser lets a newer phase word cut an older one short (a phase word said
    late is wrong), but never cuts a count, a gate sentence or the end of the set."""

    PHASE = "phase"
    COUNT = "count"
    GATE = "gate"
    DONE = "done"


@dataclass(frozen=True)
class Utterance:
    seq: int  # 1, 2, 3 ... across the announcer's life, never reused
    t_s: float  # the frame time that made it due
    text: str
    kind: Kind


def phase_words(protocol: ExerciseProtocol) -> dict[Phase, str]:
    """The words the tempo guide shows for push, hold and return (an isometric hold releases)."""
    labels = [label for label, _ in protocol.exercise_kind.guide(protocol)]
    moving = (Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC)
    return {phase: label.capitalize() for phase, label in zip(moving, labels, strict=True)}


class Announcer:
    """The state between frames: the last phase, the last count said, how long a gate message has held."""

    def __init__(self, protocol: ExerciseProtocol, last_seq: int = 0) -> None:
        """``last_seq``: the previous set's last number, so that numbers keep growing across sets."""
        self.words = phase_words(protocol)
        self._gate_texts = set(quality.WEAK_SIGNAL.values())
        self._seq = last_seq
        self._phase = Phase.REST
        self._word_phase: Phase | None = None  # the phase whose word was said last
        self._said = 0  # the highest count said this set
        self._return_said = False  # the hold's return prompt, this rep
        self._gate: tuple[str, float] | None = None  # (text, since)
        self._gate_said_at: dict[str, float] = {}
        self._last_rep_t: float | None = None
        self._done_said = False

    @property
    def last_seq(self) -> int:
        return self._seq

    def _say(self, t: float, text: str, kind: Kind) -> Utterance:
        self._seq += 1
        return Utterance(self._seq, t, text, kind)

    def update(self, state: LiveState) -> list[Utterance]:
        t, out = state.t_s, []
        if state.phase != self._phase:
            # A phase the tracker left for a moment and re-entered (a frame where the foot was lost mid-hold)
            # is the same phase: said again, it would sound like a new instruction.
            again = state.phase == self._word_phase
            if state.phase == Phase.CONCENTRIC and not again:
                self._return_said = False
            if state.phase != Phase.REST and not again and not (state.phase == Phase.ECCENTRIC and self._return_said):
                out.append(self._say(t, self.words[state.phase], Kind.PHASE))
            if state.phase != Phase.REST:
                self._word_phase = state.phase
            self._phase = state.phase
        elif (
            state.phase == Phase.HOLD
            and not self._return_said
            and state.phase_target_s
            and state.phase_elapsed_s >= state.phase_target_s
        ):
            self._return_said = True  # the hold is long enough: prompt the return now, not when it is seen
            self._word_phase = Phase.ECCENTRIC
            out.append(self._say(t, self.words[Phase.ECCENTRIC], Kind.PHASE))
        if state.reps > self._said:
            self._said, self._last_rep_t, self._done_said = state.reps, t, False
            out.append(self._say(t, str(state.reps), Kind.COUNT))
        out += self._gate_message(state)
        if (
            not self._done_said
            and self._last_rep_t is not None
            and state.phase == Phase.REST
            and t - self._last_rep_t >= SET_DONE_REST_S
        ):
            out += self.finish(state)
        return out

    def _gate_message(self, state: LiveState) -> list[Utterance]:
        """The gate's sentence once it has held a while (the cue itself: what the page shows, said aloud)."""
        gated = state.cue in self._gate_texts or (state.leg is not None and not state.visible)
        if not gated:
            self._gate = None
            return []
        if self._gate is None or self._gate[0] != state.cue:
            self._gate = (state.cue, state.t_s)
        text, since = self._gate
        last = self._gate_said_at.get(text)
        if state.t_s - since < GATE_HOLD_S or (last is not None and state.t_s - last < GATE_REPEAT_S):
            return []
        self._gate_said_at[text] = state.t_s
        return [self._say(state.t_s, text, Kind.GATE)]

    def finish(self, state: LiveState) -> list[Utterance]:
        """The set is over (STOP, or a long rest): its count, said once."""
        if self._done_said or state.reps == 0:
            return []
        self._done_said = True
        reps = f"{state.reps} rep" + ("s" if state.reps != 1 else "")
        return [self._say(state.t_s, f"Set done: {reps}", Kind.DONE)]
