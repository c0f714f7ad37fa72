"""Judge reps against a protocol; summarise a set; advise on the band.

Contract: ``score_reps(reps, protocol)`` gives each rep a 0-100 score and ``Fault`` codes; ``summarise``
turns the scored set into counts, fatigue and ``BandAdvice`` and, when the current band colour is known,
the colour for next time. Pure functions; no I/O. The fault codes are ``vision.types.Fault`` (stable:
reports and other tools read them).
"""

from __future__ import annotations

import numpy as np

from vision.kinds.base import finished_phases
from vision.programme import band_ladder, colour_of, has_eccentric_only_version, is_half_step
from vision.protocols import ExerciseProtocol
from vision.types import BandAdvice, Fault, Phase, Rep, RepScore, Summary

FAULT_TEXT = {
    Fault.PUSH_TOO_FAST: "push too fast", Fault.PUSH_TOO_SLOW: "push too slow",
    Fault.HOLD_TOO_SHORT: "hold too short", Fault.HOLD_TOO_LONG: "hold too long",
    Fault.RETURN_TOO_FAST: "return too fast", Fault.RETURN_TOO_SLOW: "return too slow",
    Fault.PARTIAL_RANGE: "partial range", Fault.HOLD_CUT_OFF: "hold cut off by the end of the clip",
    Fault.RETURN_STALLED: "the return stalled partway: lower in one continuous movement",
}  # fmt: skip
PARTIAL_RANGE_PENALTY = 30
STALL_PENALTY = 20


def reference_range(reps: list[Rep]) -> float:
    """The athlete's full range in this set: a high percentile, so one big rep does not set it.

    Read from the finished reps (a rep the clip cut off may not have reached its top)."""
    finished = [r for r in reps if not r.incomplete] or reps
    if not finished:
        return 0.0
    return float(np.percentile([r.range_of_motion for r in finished], 75))


def _stalled(rep: Rep, protocol: ExerciseProtocol) -> bool:
    """Under a protocol that asks for a continuous lowering (``max_stall_s``), a stall longer than it allows.
    Elsewhere a stall is information (where in the range the athlete paused), never a fault."""
    if protocol.max_stall_s is None or Phase.ECCENTRIC not in finished_phases(rep):
        return False
    return any(st.interval.duration_s > protocol.max_stall_s for st in rep.stalls)


def score_reps(reps: list[Rep], protocol: ExerciseProtocol, cut_off: set[int] | None = None) -> list[RepScore]:
    full = reference_range(reps)
    cut_off = cut_off or set()
    kind = protocol.exercise_kind
    scored = []
    for rep in reps:
        faults, penalty = kind.judge(rep, protocol)
        if full > 0 and rep.range_of_motion < protocol.partial_range_fraction * full:
            faults.append(Fault.PARTIAL_RANGE)
            penalty += PARTIAL_RANGE_PENALTY
        if rep.index in cut_off:
            faults.append(Fault.HOLD_CUT_OFF)
        if _stalled(rep, protocol):
            faults.append(Fault.RETURN_STALLED)
            penalty += STALL_PENALTY
        score = int(round(max(0.0, 100.0 - penalty)))
        scored.append(RepScore(rep, score, tuple(faults), kind.rep_data(rep, protocol)))
    return scored


def _fatigue(scores: list[RepScore], protocol: ExerciseProtocol) -> bool:
    """Range or tempo fading: the last third of the set against the first third."""
    if len(scores) < 4:
        return False
    third = max(1, len(scores) // 3)
    first, last = scores[:third], scores[-third:]
    rom_first = np.mean([s.rep.range_of_motion for s in first])
    rom_last = np.mean([s.rep.range_of_motion for s in last])
    if rom_first > 0 and rom_last < 0.85 * rom_first:
        return True
    phases = protocol.scored_phases or (Phase.CONCENTRIC,)
    for phase in phases:
        d_first = np.mean([s.rep.interval(phase).duration_s for s in first])
        d_last = np.mean([s.rep.interval(phase).duration_s for s in last])
        if abs(d_last - d_first) > max(protocol.tolerance_s.get(phase, 0.5), 0.3):
            return True
    return False


def band_advice(scores: list[RepScore], protocol: ExerciseProtocol) -> BandAdvice:
    """The set's verdict on the band, by its exercise kind's rule (``ExerciseKind.band_advice``)."""
    if not scores:
        return BandAdvice.STAY
    return protocol.exercise_kind.band_advice(scores, protocol)


def next_band(current: str | None, advice: BandAdvice) -> str | None:
    """The colour this set points to on the programme's ladder (from a half step such as ``red+``: green
    when harder, red when easier); None when no band was given, it is not on the ladder, or there is no
    band beyond."""
    bands = band_ladder(half_steps=False)
    colour = colour_of(current)
    if current not in band_ladder() or colour not in bands:
        return None
    i = bands.index(colour)
    if advice == BandAdvice.HARDER:
        return bands[i + 1] if i + 1 < len(bands) else None
    if advice == BandAdvice.EASIER:
        return colour if is_half_step(current) else (bands[i - 1] if i > 0 else None)
    return current


def summarise(scores: list[RepScore], protocol: ExerciseProtocol, band: str | None = None) -> Summary:
    """Counts, fatigue and band advice from the finished reps; a rep the clip cut off counts for nothing."""
    scores = [s for s in scores if not s.incomplete]
    advice = band_advice(scores, protocol)
    return Summary(
        rep_count=len(scores),
        good_rep_count=sum(1 for s in scores if not s.faults),
        longest_hold_s=round(max((s.rep.hold.duration_s for s in scores), default=0.0), 2),
        mean_score=round(float(np.mean([s.score for s in scores])), 1) if scores else None,
        band_advice=advice,
        next_band=next_band(band, advice),
        fatigue=_fatigue(scores, protocol),
        looks_eccentric_only=has_eccentric_only_version(protocol.id)
        and protocol.exercise_kind.looks_eccentric_only([s.faults for s in scores]),
    )


def describe_faults(faults: tuple[Fault, ...] | list[Fault]) -> str:
    return ", ".join(FAULT_TEXT[Fault(f)] for f in faults)


INCOMPLETE_TEXT = "incomplete: the clip ended during this rep (not counted)"


def describe_stalls(rep: Rep) -> str:
    """The return's stalls in words, e.g. ``stalled 0.6 s at 40 % of the way down``; empty when none."""
    return "; ".join(
        f"stalled {st.interval.duration_s:.1f} s at {100 * st.share_of_the_way_down:.0f} % of the way down"
        for st in rep.stalls
    )


def describe_rep(score: RepScore) -> str:
    """The verdict on one rep in words: on target, its faults, or that the clip cut it off."""
    parts = [INCOMPLETE_TEXT] if score.incomplete else []
    if score.faults:
        parts.append(describe_faults(score.faults))
    return "; ".join(parts) or "on target"
