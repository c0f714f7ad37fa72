"""Adherence: sessions per ISO week against the prescription.

Contract: ``adherence(days, sessions_per_week, start, today)`` counts training days per ISO week from the
week of ``start`` to the week of ``today`` and returns ``Adherence`` (each week against its target, the
streak of weeks met, the longest gap, the share met). Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class WeekAdherence:
    year: int
    week: int
    sessions: int
    target: int

    @property
    def met(self) -> bool:
        return self.sessions >= self.target

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(frozen=True)
class Adherence:
    weeks: tuple[WeekAdherence, ...]
    streak_weeks: int  # weeks in a row meeting the target, up to the latest finished (or met) week
    longest_gap_weeks: int  # longest run of weeks with no session at all
    share_met: float  # fraction of weeks that met the target


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def adherence(days: Iterable[date], sessions_per_week: int, start: date, today: date) -> Adherence:
    """Sessions per ISO week from the week of ``start`` to the week of ``today``, against the target.

    The current week counts (towards the streak, the share of weeks met and the gaps) only once it has met
    the target: it is not over yet, so it is never a missed week. Every face reads these same figures.
    """
    counts: dict[date, int] = {}
    for d in days:
        counts[_monday(d)] = counts.get(_monday(d), 0) + 1
    first, last = _monday(min([start, *counts])), _monday(max([today, *counts]))
    weeks = []
    monday = first
    while monday <= last:
        iso = monday.isocalendar()
        weeks.append(WeekAdherence(iso.year, iso.week, counts.get(monday, 0), sessions_per_week))
        monday += timedelta(days=7)
    unfinished = bool(weeks) and _monday(today) == last and not weeks[-1].met
    judged = weeks[:-1] if unfinished else weeks  # the week in progress, not yet met, is not judged yet
    streak = 0
    for w in reversed(judged):
        if not w.met:
            break
        streak += 1
    gap = longest = 0
    for w in judged:
        gap = gap + 1 if w.sessions == 0 else 0
        longest = max(longest, gap)
    share = sum(w.met for w in judged) / len(judged) if judged else 0.0
    return Adherence(tuple(weeks), streak, longest, round(share, 2))
