"""Left against right: each leg's latest session side by side, with the limb symmetry index.

Contract: ``compare_legs(history)`` takes ``SessionResult``s of both legs and returns ``LegComparison``:
each leg's latest figures (reps on tempo, longest hold, range) and the symmetry index per figure (weaker /
stronger × 100; None when a leg has no figure). Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from vision.set_results import SessionResult
from vision.types import Leg


@dataclass(frozen=True)
class LegFigures:
    leg: Leg
    day: date | None
    reps_on_tempo: int | None
    longest_hold_s: float | None
    range_deg: float | None


@dataclass(frozen=True)
class LegComparison:
    left: LegFigures
    right: LegFigures
    symmetry_pct: dict[str, float | None]  # limb symmetry index per figure: weaker / stronger × 100


def _latest_figures(history: list[SessionResult], leg: Leg) -> LegFigures:
    mine = [s for s in history if s.leg == leg]
    if not mine:
        return LegFigures(leg, None, None, None, None)
    s = max(mine, key=lambda s: s.day)
    return LegFigures(leg, s.day, s.best_reps_on_tempo, round(s.longest_hold_s, 1), s.mean_range_deg)


def _symmetry(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or max(a, b) <= 0:
        return None
    return round(100.0 * min(a, b) / max(a, b), 0)


def compare_legs(history: Iterable[SessionResult]) -> LegComparison:
    """Each leg's latest session side by side; the symmetry index is 100 when both legs match."""
    history = list(history)
    left, right = _latest_figures(history, Leg.LEFT), _latest_figures(history, Leg.RIGHT)
    return LegComparison(
        left,
        right,
        {
            "reps_on_tempo": _symmetry(left.reps_on_tempo, right.reps_on_tempo),
            "longest_hold_s": _symmetry(left.longest_hold_s, right.longest_hold_s),
            "range_deg": _symmetry(left.range_deg, right.range_deg),
        },
    )
