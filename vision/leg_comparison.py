"""Left against right: each leg's latest session side by side, with the limb symmetry index, like with like.

Contract: ``compare_legs(history, within_days=14)`` takes ``SessionResult``s of both legs and returns
``LegComparison``: each leg's latest figures (reps on tempo, longest hold, range) and, when the two latest
sessions are comparable (the same exercise and band or load, at most ``within_days`` apart), the symmetry index per
figure (weaker / stronger × 100; None when a leg has no figure). Otherwise ``comparable`` is False and
``why_not`` says why in words, and there is no index: red against black is not "100 % symmetric". Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from vision.programme import load_text
from vision.set_results import SessionResult
from vision.types import Leg


@dataclass(frozen=True)
class LegFigures:
    leg: Leg
    day: date | None
    protocol: str | None
    band: str | None
    reps_on_tempo: int | None
    longest_hold_s: float | None
    range_deg: float | None
    load_kg: float | None = None  # heel raises: kg held or worn


@dataclass(frozen=True)
class LegComparison:
    left: LegFigures
    right: LegFigures
    symmetry_pct: dict[str, float | None]  # limb symmetry index per figure: weaker / stronger × 100
    why_not: str | None = None  # why the two legs' latest sessions are not comparable; None when they are

    @property
    def comparable(self) -> bool:
        return self.why_not is None


def _latest_figures(history: list[SessionResult], leg: Leg) -> LegFigures:
    mine = [s for s in history if s.leg == leg]
    if not mine:
        return LegFigures(leg, None, None, None, None, None, None)  # no session: no load either
    s = max(mine, key=lambda s: s.day)
    return LegFigures(
        leg,
        s.day,
        s.protocol,
        s.band,
        s.best_reps_on_tempo,
        round(s.longest_hold_s, 1),
        s.mean_range_deg,
        s.load_kg,
    )


def _why_not(left: LegFigures, right: LegFigures, within_days: int) -> str | None:
    if left.day is None or right.day is None:
        return "only one leg has a session"
    if left.protocol != right.protocol:
        return f"different exercises (left {left.protocol}, right {right.protocol})"
    if left.band != right.band:
        return f"different bands (left {left.band or 'none'}, right {right.band or 'none'})"
    if left.load_kg != right.load_kg:
        return f"different loads (left {load_text(left.load_kg)}, right {load_text(right.load_kg)})"
    apart = abs((left.day - right.day).days)
    if apart > within_days:
        return f"{apart} days apart (comparable within {within_days})"
    return None


def _symmetry(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or max(a, b) <= 0:
        return None
    return round(100.0 * min(a, b) / max(a, b), 0)


FIGURES = ("reps_on_tempo", "longest_hold_s", "range_deg")


def compare_legs(history: Iterable[SessionResult], within_days: int = 14) -> LegComparison:
    """Each leg's latest session side by side; the symmetry index (100 when both legs match) only for
    comparable sessions (module contract)."""
    history = list(history)
    left, right = _latest_figures(history, Leg.LEFT), _latest_figures(history, Leg.RIGHT)
    why_not = _why_not(left, right, within_days)
    if why_not is not None:
        return LegComparison(left, right, dict.fromkeys(FIGURES), why_not)
    return LegComparison(left, right, {k: _symmetry(getattr(left, k), getattr(right, k)) for k in FIGURES})
