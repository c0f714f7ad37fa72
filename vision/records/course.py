"""An athlete's course: the stored sessions read through the programme's rules, per leg.

Contract: ``build_course(athlete, prescriptions, sessions, rules, today) -> Course`` reads what the records
service (``vision.records``) fetched: for each leg, the current prescription (or, without one, the step of
the latest session), every training session with the figures the programme reads (``session_result``), the
advice for the next session with its reason, adherence per ISO week, and the ladder over time; plus left
against right. ``history_rows(course, leg=None)`` is the one-row-per-session table the CLI, the app and the PDF
show (``HISTORY_COLUMNS``), each row with the advice as it stood after that session. Pure: no database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from vision.adherence import Adherence, adherence
from vision.leg_comparison import LegComparison, compare_legs
from vision.programme import ProgrammeRules, load_programme
from vision.progression import Advice, Step, advise
from vision.records.days import EARLIEST_DAY
from vision.report import set_result_from_report
from vision.set_results import SessionResult
from vision.store.rows import AthleteInfo, PrescriptionInfo, TrainingSessionInfo
from vision.types import Leg

HISTORY_COLUMNS = [
    "date",
    "source",
    "protocol",
    "leg",
    "band",
    "load_kg",
    "sets",
    "reps",
    "reps_on_tempo",
    "longest_hold_s",
    "mean_score",
    "range_deg",
    "stalls",
    "reviewed",
    "advice",
]


def describe_stall_shares(shares: tuple[float, ...]) -> str:
    """A session's stalls in a few words: how many, and where on the way down (e.g. ``2 at 40-70 %``)."""
    if not shares:
        return ""
    low, high = round(100 * min(shares)), round(100 * max(shares))
    where = f"{low} %" if low == high else f"{low}-{high} %"
    return f"{len(shares)} at {where}"


def session_result(session: TrainingSessionInfo, planned_sets: int = 1, today: date | None = None) -> SessionResult:
    """A training session's figures as the programme reads them (``vision.progression``): complete once its
    protocol's number of sets is done or its day is over."""
    sets = tuple(set_result_from_report(json.loads(s.report_json)) for s in session.sets)
    complete = len(sets) >= planned_sets or session.day < (today or date.today())
    return SessionResult(
        session.day,
        session.protocol,
        session.kind,
        session.leg,
        session.band,
        sets,
        planned_sets,
        complete,
        session.load_kg,
    )


@dataclass(frozen=True)
class LegCourse:
    leg: Leg
    prescription: PrescriptionInfo | None
    step: Step | None  # what the athlete is on now
    sessions: tuple[TrainingSessionInfo, ...]
    results: tuple[SessionResult, ...]  # per session, what the programme reads
    advice: Advice | None  # for the next session; None with no step at all
    advice_after: tuple[Advice, ...]  # per session: the advice as it stood after it
    adherence: Adherence | None


@dataclass(frozen=True)
class Course:
    athlete: AthleteInfo
    legs: dict[Leg, LegCourse]
    comparison: LegComparison
    rules: ProgrammeRules

    @property
    def active_legs(self) -> list[LegCourse]:
        return [c for c in self.legs.values() if c.step is not None]


def _leg_course(
    leg: Leg,
    prescription: PrescriptionInfo | None,
    sessions: tuple[TrainingSessionInfo, ...],
    rules: ProgrammeRules,
    today: date,
    planned_sets: Callable[[TrainingSessionInfo], int],
) -> LegCourse:
    results = tuple(session_result(s, planned_sets(s), today) for s in sessions)
    # As it stood after each session: judged on what was done by then, against no later prescription.
    advice_after = tuple(advise(results[: i + 1], None, rules) for i in range(len(results)))
    prescribed = Step(prescription.protocol, prescription.band, prescription.load_kg) if prescription else None
    latest = sessions[-1] if sessions else None
    step = prescribed or (Step(latest.protocol, latest.band, latest.load_kg) if latest else None)
    advice = advise(results, prescribed, rules) if step else None
    kept = None
    if step is not None:
        per_week = prescription.sessions_per_week if prescription else rules.default_sessions_per_week
        # Days saved before calfcheck refused dates outside its window (a 9999 or 1900 typo) count for nothing
        # here: adherence over them would span thousands of weeks, or past the calendar's end.
        earliest, latest = EARLIEST_DAY, today + timedelta(days=1)
        days = [s.day for s in sessions if earliest <= s.day <= latest]
        start = prescription.start_date if prescription else (days[0] if days else today)
        start = min(max(start, earliest), today, *days)
        kept = adherence(days, per_week, start, today)
    return LegCourse(leg, prescription, step, sessions, results, advice, advice_after, kept)


def build_course(
    athlete: AthleteInfo,
    prescriptions: dict[Leg, PrescriptionInfo | None],
    sessions: dict[Leg, tuple[TrainingSessionInfo, ...]],
    rules: ProgrammeRules | None = None,
    today: date | None = None,
    planned_sets: Callable[[TrainingSessionInfo], int] | None = None,
) -> Course:
    """``planned_sets(session)``: how many sets the session's protocol prescribes (1 when not known)."""
    rules = rules or load_programme()
    today = today or date.today()
    planned = planned_sets or (lambda _session: 1)
    legs = {
        leg: _leg_course(leg, prescriptions.get(leg), sessions.get(leg, ()), rules, today, planned)
        for leg in (Leg.LEFT, Leg.RIGHT)
    }
    results = [r for c in legs.values() for r in c.results]
    return Course(athlete, legs, compare_legs(results, rules.compare_within_days), rules)


def history_rows(course: Course, leg: Leg | None = None) -> list[dict]:
    rows = []
    for c in course.legs.values():
        if leg is not None and c.leg != leg:
            continue
        for session, r, advice in zip(c.sessions, c.results, c.advice_after):
            rows.append(
                {
                    "date": session.day.isoformat(),
                    "source": session.source,
                    "protocol": session.protocol,
                    "leg": session.leg.value,
                    "band": session.band or "",
                    "load_kg": session.load_kg if session.load_kg is not None else "",
                    "sets": len(session.sets),
                    "reps": sum(s.reps for s in r.sets),
                    "reps_on_tempo": sum(s.reps_on_tempo for s in r.sets),
                    "longest_hold_s": round(r.longest_hold_s, 1),
                    "mean_score": r.mean_score,
                    "range_deg": r.mean_range_deg,
                    "stalls": describe_stall_shares(r.stall_shares),
                    "reviewed": "yes" if session.reviewed else "no",
                    "advice": advice.reason,
                    "_session_id": session.id,
                }
            )
    rows.sort(key=lambda row: (row["date"], row["_session_id"]))
    return rows
