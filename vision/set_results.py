"""The figures of stored sets and sessions that the programme reads: typed, whatever the exercise kind.

Contract: ``SetResult`` is one scored set's figures (reps, reps on tempo, holds, scores, fade, stalls and
the per-rep measures its kind adds as data); ``SessionResult`` is one training session on one leg (its
day, protocol, kind, band or load, and sets). Plain frozen values: ``vision.records`` builds them from stored sets,
the programme (``vision.progression``) and the exercise kinds read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from vision.types import Leg


@dataclass(frozen=True)
class SetResult:
    """The figures of one scored set that the programme reads (from a ``calfcheck.score/1`` report)."""

    reps: int  # finished reps
    reps_on_tempo: int  # finished reps with no fault at all (what the athlete sees as "on tempo")
    longest_hold_s: float
    rep_scores: tuple[int, ...]  # finished reps, in order
    fade: bool  # range or tempo fading over the set (the report's summary.fatigue)
    ended_within_band: bool  # the last finished rep had no fault that means "too tough" (types.TOO_TOUGH_FAULTS)
    hold_cut_off: bool  # isometric: the clip ended during the hold
    mean_range_deg: float | None
    # Where the finished reps' lowerings stalled (share of the way down), one entry per stall: information
    # for the therapist (weakness or pain in that part of the range), not a rule of the programme.
    stall_shares: tuple[float, ...] = ()
    # Per finished rep, the measures its exercise kind adds (``ExerciseKind.rep_data``), as data.
    rep_data: tuple[Mapping[str, float], ...] = ()
    # Finished reps with no fault that means the band is too tough: what counts towards the band's limit
    # (a rep whose only fault is technique, such as a return slower than prescribed, counts). None: as reps_on_tempo.
    reps_within_band: int | None = None
    # The limits the set's own protocol prescribed (its TOML's set.max_reps, target.hold_s): one source for
    # each limit; None where the protocol gives none (the programme's default then applies).
    rep_limit: int | None = None
    hold_limit_s: float | None = None
    # Every push fast with no hold: the eccentric-only version saved as the full one, most likely (no evidence).
    looks_eccentric_only: bool = False

    @property
    def counted_reps(self) -> int:
        """The reps that count towards the band's limit."""
        return self.reps_on_tempo if self.reps_within_band is None else self.reps_within_band

    @property
    def mean_score(self) -> float | None:
        return float(np.mean(self.rep_scores)) if self.rep_scores else None

    def collapsed(self, ratio: float) -> bool:
        n = len(self.rep_scores)
        if n < 3:
            return False
        third = max(1, n // 3)
        first, last = np.mean(self.rep_scores[:third]), np.mean(self.rep_scores[-third:])
        return bool(first > 0 and last < ratio * first)


@dataclass(frozen=True)
class SessionResult:
    """One training session on one leg, as the programme reads it: its day, exercise, band and sets.

    ``complete``: the prescribed number of sets is done, or the day is over; an incomplete session neither
    passes nor fails (the programme says how far the athlete is)."""

    day: date
    protocol: str
    kind: str  # the exercise kind's name (vision.kinds)
    leg: Leg
    band: str | None
    sets: tuple[SetResult, ...]
    planned_sets: int = 1
    complete: bool = True
    load_kg: float | None = None  # heel raises: kg held or worn (None: body weight)

    @property
    def best_reps_on_tempo(self) -> int:
        return max((s.reps_on_tempo for s in self.sets), default=0)

    @property
    def best_counted_reps(self) -> int:
        return max((s.counted_reps for s in self.sets), default=0)

    @property
    def longest_hold_s(self) -> float:
        return max((s.longest_hold_s for s in self.sets), default=0.0)

    @property
    def stall_shares(self) -> tuple[float, ...]:
        return tuple(x for s in self.sets for x in s.stall_shares)

    @property
    def mean_range_deg(self) -> float | None:
        values = [s.mean_range_deg for s in self.sets if s.mean_range_deg is not None]
        return round(float(np.mean(values)), 1) if values else None

    @property
    def mean_score(self) -> float | None:
        scores = [x for s in self.sets for x in s.rep_scores]
        return round(float(np.mean(scores)), 1) if scores else None
