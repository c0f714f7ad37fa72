"""Spoken cues (vision.voice): the live tracker fed a synthetic side view whose rep edges are known, and the
words it makes due checked against those edges; the rules for counts, gate sentences and the set's end."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.synthetic import RepSpec, tempo_set, trace, track_from_angles, uniform_times
from vision import quality
from vision.live import LiveTracker
from vision.protocols import load_protocol
from vision.scoring import summarise
from vision.types import Leg, Phase, PoseFrame, SignalKind
from vision.voice import GATE_REPEAT_S, SET_DONE_REST_S, Announcer, Kind, Utterance


def spoken(reps: list[RepSpec], duration_s: float, protocol_id: str = "band-tempo") -> list[Utterance]:
    """Every utterance the announcer makes due while the live tracker follows ``reps`` at 30 frames/s."""
    t = uniform_times(duration_s)
    angle = trace(t, reps, rest=0.0, full_range=35.0) + np.random.default_rng(3).normal(0, 0.3, t.size)
    track = track_from_angles(t, angle)
    protocol = load_protocol(protocol_id)
    live, announcer, said = LiveTracker(protocol), Announcer(protocol), []
    for ti, lm in zip(track.t_s, track.landmarks, strict=True):
        said += announcer.update(live.update(PoseFrame(float(ti), lm), track.width, track.height))
    return said


def test_a_tempo_set_is_pushed_held_returned_and_counted_in_time_then_done():
    reps = tempo_set(3)  # 1-2-3 with 2 s between reps
    last_end = reps[-1].edges[3]
    said = spoken(reps, last_end + SET_DONE_REST_S + 2.0)
    assert [u.text for u in said] == ["Push", "Hold", "Return", "1"] * 1 + ["Push", "Hold", "Return", "2"] + [
        "Push",
        "Hold",
        "Return",
        "3",
        "Set done: 3 reps",
    ]
    assert [u.seq for u in said] == list(range(1, len(said) + 1))
    for i, rep in enumerate(reps):
        push, hold, back, count = said[4 * i : 4 * i + 4]
        c0, c1, e0, e1 = rep.edges
        # Each word within half a second of the movement it names (the causal filter lags a little).
        assert c0 <= push.t_s <= c0 + 0.5, (i, push)
        assert c1 - 0.2 <= hold.t_s <= c1 + 0.5, (i, hold)
        assert e0 - 0.2 <= back.t_s <= e0 + 0.5, (i, back)
        assert e1 - 0.5 <= count.t_s <= e1 + 1.0, (i, count)
        assert count.kind == Kind.COUNT and push.kind == hold.kind == back.kind == Kind.PHASE
    done = said[-1]
    assert done.kind == Kind.DONE and done.t_s >= reps[-1].edges[3] + SET_DONE_REST_S - 1.0


def test_a_hold_past_its_target_hears_return_when_the_target_is_reached_not_when_the_foot_goes():
    rep = RepSpec(2.0, 1.0, 5.0, 3.0)  # the prescription says hold 2 s; the athlete holds 5
    said = spoken([rep], 14.0)
    assert [u.text for u in said] == ["Push", "Hold", "Return", "1"]  # "Return" once, as the prompt
    c1 = rep.edges[1]
    assert c1 + 1.5 <= said[2].t_s <= c1 + 2.8, said[2]  # 2 s into the hold (after the hold was seen)


def test_an_isometric_hold_is_released():
    said = spoken([RepSpec(2.0, 1.0, 8.0, 2.0)], 16.0, "band-isometric")
    assert [u.text for u in said][:3] == ["Push", "Hold", "Release"]


def state_at(t: float, reps: int = 0, phase: Phase = Phase.REST, cue: str = "Push the foot down now", **kw):
    protocol = load_protocol("band-tempo")
    base = LiveTracker(protocol).state
    return replace(base, t_s=t, reps=reps, phase=phase, cue=cue, summary=summarise([], protocol, None), **kw)


def test_a_count_is_said_once_even_when_the_live_count_falls_back():
    announcer = Announcer(load_protocol("band-tempo"))
    texts = []
    for t, reps in enumerate([1, 2, 1, 2, 3]):  # hindsight took rep 2 back, then the athlete did it again
        texts += [u.text for u in announcer.update(state_at(float(t), reps))]
    assert texts == ["1", "2", "3"]


def test_a_phase_left_for_a_frame_and_re_entered_is_not_said_again():
    """The foot lost for a frame mid-hold (the tracker at rest for it, the gate's "Move back" on screen): the hold
    goes on, and a second "Hold" would sound like a new instruction. The next rep is said in full."""
    announcer = Announcer(load_protocol("band-tempo"))
    phases = [Phase.REST, Phase.CONCENTRIC, Phase.HOLD, Phase.REST, Phase.HOLD, Phase.ECCENTRIC, Phase.REST]
    phases += [Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC]
    texts = []
    for t, phase in enumerate(phases):
        texts += [u.text for u in announcer.update(state_at(float(t), phase=phase))]
    assert texts == ["Push", "Hold", "Return", "Push", "Hold", "Return"]


def test_the_quality_gate_is_said_once_it_holds_and_not_again_for_a_while():
    weak = quality.WEAK_SIGNAL[SignalKind.ANGLE]
    assert weak.startswith("Film from the side")
    announcer = Announcer(load_protocol("band-tempo"))
    said = []
    for t in np.arange(0.0, 40.0, 0.1):
        said += announcer.update(state_at(float(t), cue=weak, leg=Leg.RIGHT, visible=True))
    times = [round(u.t_s, 1) for u in said]
    assert [u.text for u in said] == [weak] * 3 and [u.kind for u in said] == [Kind.GATE] * 3
    assert times == pytest.approx([1.0, 1.0 + GATE_REPEAT_S, 1.0 + 2 * GATE_REPEAT_S], abs=0.11)
    # A flicker shorter than the hold is not said at all.
    announcer = Announcer(load_protocol("band-tempo"))
    out = announcer.update(state_at(0.0, cue=weak)) + announcer.update(state_at(0.5, cue=weak))
    assert out + announcer.update(state_at(0.6)) + announcer.update(state_at(2.0)) == []


def test_stop_says_the_set_is_done_once_and_never_for_an_empty_set():
    announcer = Announcer(load_protocol("band-tempo"))
    assert announcer.finish(state_at(1.0)) == []
    announcer.update(state_at(2.0, reps=1))
    [done] = announcer.finish(state_at(3.0, reps=1))
    assert done.text == "Set done: 1 rep" and done.kind == Kind.DONE
    assert announcer.finish(state_at(4.0, reps=1)) == []
