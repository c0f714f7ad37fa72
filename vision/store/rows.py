"""What crosses the storage boundary: plain frozen dataclasses in, plain frozen dataclasses out.

Contract: ``NewSet`` (with its ``NewRep`` rows) is a scored set shaped as the tables keep it; the records
service (``vision.records``) builds it from an analysed set, so storage never reads a report. The
``*Info`` classes are what every read returns: never ORM objects, never tied to a database session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from vision.types import Leg


@dataclass(frozen=True)
class AthleteInfo:
    id: int
    name: str
    created_at: datetime
    sessions: int
    last_day: date | None


@dataclass(frozen=True)
class PrescriptionInfo:
    id: int
    athlete_id: int
    leg: Leg
    protocol: str
    protocol_toml: str | None
    band: str | None
    sessions_per_week: int
    start_date: date
    changed_at: datetime
    changed_by: str
    reason: str
    load_kg: float | None = None  # heel raises: kg held or worn (None: body weight)


@dataclass(frozen=True)
class NewRep:
    number: int
    start_s: float | None
    end_s: float | None
    concentric_s: float | None
    hold_s: float | None
    eccentric_s: float | None
    peak_deg: float | None
    rom_deg: float | None
    score: int
    faults: tuple[str, ...]
    incomplete: bool


@dataclass(frozen=True)
class NewSet:
    """One scored set to file under the training session of (day, leg, protocol, band, load)."""

    leg: Leg
    protocol: str
    kind: str  # the exercise kind's name
    band: str | None
    source: str  # live | upload | batch | cli
    clip_name: str
    content_hash: str
    settings: str  # the duplicate key's settings part (vision.records.set_key)
    report_json: str  # the calfcheck.score/1 report, kept verbatim
    rep_count: int
    reps_on_tempo: int
    longest_hold_s: float
    mean_score: float | None
    fatigue: bool
    reps: tuple[NewRep, ...]
    landmarks: bytes | None = None
    video: bytes | None = None
    load_kg: float | None = None  # heel raises: kg held or worn (None: body weight)


@dataclass(frozen=True)
class SetInfo:
    id: int
    number: int
    clip_name: str
    content_hash: str
    settings: str
    report_json: str
    rep_count: int
    has_landmarks: bool
    has_video: bool


@dataclass(frozen=True)
class NoteInfo:
    written_at: datetime
    author: str
    text: str
    shared: bool = False  # shown to the athlete too; otherwise among their therapists only


@dataclass(frozen=True)
class UserInfo:
    """Someone who may log in to a clinic server (an invitation until ``logged_in``)."""

    id: int
    email: str
    role: str  # admin | therapist | athlete
    athlete_id: int | None  # an athlete's own record
    name: str
    logged_in: bool  # has claimed the invitation (issuer and subject known)
    therapists: tuple[str, ...] = ()  # an athlete's therapists' emails


@dataclass(frozen=True)
class AuditEntry:
    """What an actor did (the store adds who and when): never a note's text, never video."""

    action: str  # view | save | note | review | prescribe | add athlete | invite | remove user | login
    athlete_id: int | None
    detail: str = ""


@dataclass(frozen=True)
class AuditInfo:
    at: datetime
    actor: str
    action: str
    athlete_id: int | None
    detail: str


@dataclass(frozen=True)
class TrainingSessionInfo:
    """One leg's training on one day with one protocol and band: its sets and the therapist's notes."""

    id: int
    athlete_id: int
    athlete: str
    day: date
    performed_at: datetime
    source: str
    protocol: str
    kind: str  # the exercise kind's name
    leg: Leg
    band: str | None
    reviewed: bool
    sets: tuple[SetInfo, ...]
    notes: tuple[NoteInfo, ...]
    load_kg: float | None = None  # heel raises: kg held or worn (None: body weight)


@dataclass(frozen=True)
class SavedSet:
    session_id: int
    set_id: int
    number: int
    day: date  # the training day the set is filed under (for a duplicate: where it already was)
    duplicate: bool  # this clip with these settings was already saved: nothing new was written
