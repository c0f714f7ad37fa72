"""The product's memory: athletes, prescriptions, sessions, sets, reps, notes, read and written safely.

Contract: ``Store(url)`` opens (and migrates) the database. Every method is one transaction: it
commits whole or leaves nothing (a crash or Ctrl-C mid-save included). Methods return plain frozen
dataclasses (``AthleteInfo``, ``PrescriptionInfo``, ``SessionInfo``, ``SetInfo``), never ORM objects, and
raise ``StoreError`` with one sentence for anything a user can cause (unknown or duplicate athlete, a
locked, read-only or unreachable database).

Saving: ``save_set`` files a scored set (a ``calfcheck.score/1`` report, optionally its landmarks) under
the athlete's session for that day, leg, protocol and band, creating the session if needed. The same
clip (content hash) with the same settings is saved once: a second save returns the first
(``SavedSet.duplicate``). Saves for one athlete are serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL:
the athlete's row is locked), so two processes saving at once lose nothing and split no session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from vision.progression import SessionResult, SetResult
from vision.report import SCHEMA
from vision.store.database import BUSY_TIMEOUT_S, StoreError, connect, database_url, describe_url, translate, writer
from vision.store.schema import Athlete, Note, Prescription, RepRow, ScoredSet, TrainingSession
from vision.types import Leg, ProtocolKind

T = TypeVar("T")
SOURCES = ("live", "upload", "batch", "cli")
MAX_NAME = 120


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
    leg: Leg
    protocol: str
    protocol_toml: str | None
    band: str | None
    sessions_per_week: int
    start_date: date
    changed_at: datetime
    changed_by: str
    reason: str


@dataclass(frozen=True)
class SetInfo:
    id: int
    number: int
    clip_name: str
    content_hash: str
    settings: str
    report: dict
    has_landmarks: bool
    has_video: bool


@dataclass(frozen=True)
class NoteInfo:
    written_at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class SessionInfo:
    id: int
    athlete: str
    day: date
    performed_at: datetime
    source: str
    protocol: str
    kind: ProtocolKind
    leg: Leg
    band: str | None
    reviewed: bool
    sets: tuple[SetInfo, ...]
    notes: tuple[NoteInfo, ...]

    @property
    def result(self) -> SessionResult:
        """The figures the programme reads (``vision.progression``)."""
        return SessionResult(
            self.day,
            self.protocol,
            self.kind,
            self.leg,
            self.band,
            tuple(SetResult.from_report(s.report) for s in self.sets),
        )


@dataclass(frozen=True)
class SavedSet:
    session_id: int
    set_id: int
    number: int
    duplicate: bool  # this clip with these settings was already saved: nothing new was written


def clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise StoreError("an athlete needs a name")
    if len(text) > MAX_NAME:
        raise StoreError(f"an athlete's name may have at most {MAX_NAME} characters")
    if any(not ch.isprintable() for ch in text):
        raise StoreError("an athlete's name may not contain control characters")
    return text


def _utc(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(UTC)
    return moment if moment.tzinfo else moment.astimezone()  # a naive time is the machine's local time


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (stored as UTC); PostgreSQL returns aware ones."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Store:
    def __init__(self, url: str | None = None, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.url = database_url(url)
        self.engine = connect(self.url, busy_timeout_s)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def where(self) -> str:
        return describe_url(self.url)

    # --- transactions -------------------------------------------------------------------------------

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Session]:
        try:
            with Session(writer(self.engine) if write else self.engine, expire_on_commit=False) as s, s.begin():
                yield s
        except StoreError:
            raise
        except IntegrityError:
            raise
        except (DBAPIError, SQLAlchemyError) as exc:
            raise translate(exc, self.url) from None

    def _read(self, fn: Callable[[Session], T]) -> T:
        with self._tx(write=False) as s:
            return fn(s)

    def _write(self, fn: Callable[[Session], T]) -> T:
        with self._tx(write=True) as s:
            return fn(s)

    # --- athletes -----------------------------------------------------------------------------------

    def _athlete(self, s: Session, name: str, lock: bool = False) -> Athlete:
        wanted = clean_name(name)
        query = select(Athlete).where(func.lower(Athlete.name) == wanted.lower())
        if lock:
            query = query.with_for_update()
        found = s.scalars(query).first()
        if found is None:  # other patients' names are not listed: messages end up in logs
            raise StoreError(
                f"no athlete called '{wanted}'; 'calfcheck athlete list' shows them, 'calfcheck athlete add' adds one"
            )
        return found

    def add_athlete(self, name: str) -> AthleteInfo:
        wanted = clean_name(name)

        def add(s: Session) -> AthleteInfo:
            clash = s.scalars(select(Athlete).where(func.lower(Athlete.name) == wanted.lower())).first()
            if clash is not None:
                raise StoreError(f"there is already an athlete called '{clash.name}'")
            athlete = Athlete(name=wanted, created_at=datetime.now(UTC))
            s.add(athlete)
            s.flush()
            return AthleteInfo(athlete.id, athlete.name, athlete.created_at, 0, None)

        try:
            return self._write(add)
        except IntegrityError:  # another process added the same name a moment ago
            raise StoreError(f"there is already an athlete called '{wanted}'") from None

    def athletes(self) -> list[AthleteInfo]:
        def read(s: Session) -> list[AthleteInfo]:
            rows = s.execute(
                select(Athlete, func.count(TrainingSession.id), func.max(TrainingSession.day))
                .outerjoin(TrainingSession)
                .group_by(Athlete.id)
                .order_by(func.lower(Athlete.name))
            ).all()
            return [AthleteInfo(a.id, a.name, _aware(a.created_at), n, last) for a, n, last in rows]

        return self._read(read)

    def athlete(self, name: str) -> AthleteInfo:
        wanted = clean_name(name)
        for a in self.athletes():
            if a.name.lower() == wanted.lower():
                return a
        return self._read(lambda s: self._athlete(s, wanted))  # raises the "no athlete" sentence

    # --- prescriptions ------------------------------------------------------------------------------

    def prescribe(
        self,
        name: str,
        leg: Leg,
        protocol: str,
        band: str | None,
        *,
        sessions_per_week: int = 2,
        start: date | None = None,
        changed_by: str = "therapist",
        reason: str = "",
        protocol_toml: str | None = None,
        at: datetime | None = None,
    ) -> PrescriptionInfo:
        """A new prescription for one leg; the old one stays in the history."""
        if not 1 <= sessions_per_week <= 14:
            raise StoreError("sessions per week must be from 1 to 14")

        def add(s: Session) -> PrescriptionInfo:
            athlete = self._athlete(s, name, lock=True)
            moment = _utc(at)
            row = Prescription(
                athlete_id=athlete.id,
                leg=Leg(leg).value,
                protocol=protocol,
                protocol_toml=protocol_toml,
                band=band,
                sessions_per_week=sessions_per_week,
                start_date=start or moment.astimezone().date(),
                changed_at=moment,
                changed_by=changed_by,
                reason=reason,
            )
            s.add(row)
            s.flush()
            return _prescription_info(row)

        return self._write(add)

    def prescription(self, name: str, leg: Leg) -> PrescriptionInfo | None:
        history = self.prescription_history(name, leg)
        return history[-1] if history else None

    def prescription_history(self, name: str, leg: Leg | None = None) -> list[PrescriptionInfo]:
        def read(s: Session) -> list[PrescriptionInfo]:
            athlete = self._athlete(s, name)
            query = select(Prescription).where(Prescription.athlete_id == athlete.id)
            if leg is not None:
                query = query.where(Prescription.leg == Leg(leg).value)
            return [_prescription_info(p) for p in s.scalars(query.order_by(Prescription.changed_at, Prescription.id))]

        return self._read(read)

    # --- sessions -----------------------------------------------------------------------------------

    def save_set(
        self,
        name: str,
        report: dict,
        *,
        clip_name: str,
        content_hash: str,
        settings: str,
        source: str,
        landmarks: bytes | None = None,
        video: bytes | None = None,
        performed_at: datetime | None = None,
        day: date | None = None,
    ) -> SavedSet:
        """File one scored set in the athlete's record (see the module docstring)."""
        if report.get("schema") != SCHEMA or "summary" not in report:
            raise StoreError("only a calfcheck.score/1 report can be saved")
        quality = report.get("quality") or {}
        if quality.get("reliable") is False:
            # A recording the pose model could not follow says nothing about the athlete: saved, it would
            # read as a failed session and could move them down a band.
            why = "; ".join(quality.get("warnings") or []) or "the working leg was not reliably in view"
            raise StoreError(f"not saved, because this clip cannot be judged: {why}")
        if source not in SOURCES:
            raise StoreError(f"unknown source '{source}'; use one of {', '.join(SOURCES)}")
        moment = _utc(performed_at)
        day = day or moment.astimezone().date()

        def save(s: Session) -> SavedSet:
            athlete = self._athlete(s, name, lock=True)  # serialises this athlete's saves on PostgreSQL
            same = s.scalars(
                select(ScoredSet).where(
                    ScoredSet.athlete_id == athlete.id,
                    ScoredSet.content_hash == content_hash,
                    ScoredSet.settings == settings,
                )
            ).first()
            if same is not None:
                return SavedSet(same.session_id, same.id, same.number, duplicate=True)
            session = s.scalars(
                select(TrainingSession).where(
                    TrainingSession.athlete_id == athlete.id,
                    TrainingSession.day == day,
                    TrainingSession.leg == report["leg"],
                    TrainingSession.protocol == report["protocol"],
                    TrainingSession.band.is_(None)
                    if report["band"] is None
                    else TrainingSession.band == report["band"],
                )
            ).first()
            if session is None:
                session = TrainingSession(
                    athlete_id=athlete.id,
                    day=day,
                    performed_at=moment,
                    source=source,
                    protocol=report["protocol"],
                    kind=report["prescription"]["kind"],
                    leg=report["leg"],
                    band=report["band"],
                    reviewed=False,
                )
                s.add(session)
                s.flush()
            else:
                session.reviewed = False  # a new set since the therapist looked: back in the queue
                session.reviewed_at = None
            number = 1 + (s.scalar(select(func.max(ScoredSet.number)).where(ScoredSet.session_id == session.id)) or 0)
            summary = report["summary"]
            finished = [r for r in report["reps"] if not r.get("incomplete")]
            row = ScoredSet(
                session_id=session.id,
                athlete_id=athlete.id,
                number=number,
                saved_at=datetime.now(UTC),
                clip_name=clip_name[:255],
                content_hash=content_hash,
                settings=settings[:400],
                report_json=json.dumps(report, allow_nan=False),
                landmarks=landmarks,
                video=video,
                rep_count=summary["rep_count"],
                reps_on_tempo=sum(1 for r in finished if not r["faults"]),
                longest_hold_s=float(summary["longest_hold_s"] or 0.0),
                mean_score=summary["mean_score"],
                fatigue=bool(summary["fatigue"]),
            )
            row.reps = [
                RepRow(
                    number=r["index"],
                    start_s=r["start_s"],
                    end_s=r["end_s"],
                    concentric_s=r["concentric_s"],
                    hold_s=r["hold_s"],
                    eccentric_s=r["eccentric_s"],
                    peak_deg=r["peak_deg"],
                    rom_deg=r["rom_deg"],
                    score=r["score"],
                    faults=";".join(r["faults"]),
                    incomplete=bool(r.get("incomplete")),
                )
                for r in report["reps"]
            ]
            s.add(row)
            s.flush()
            return SavedSet(session.id, row.id, number, duplicate=False)

        try:
            return self._write(save)
        except IntegrityError:
            # PostgreSQL: another process saved this very clip between our check and our insert.
            return self._write(save)

    def sessions(self, name: str, leg: Leg | None = None) -> list[SessionInfo]:
        """The athlete's sessions, oldest first."""

        def read(s: Session) -> list[SessionInfo]:
            athlete = self._athlete(s, name)
            query = _session_query().where(TrainingSession.athlete_id == athlete.id)
            if leg is not None:
                query = query.where(TrainingSession.leg == Leg(leg).value)
            rows = s.scalars(query.order_by(TrainingSession.day, TrainingSession.id)).all()
            return [_session_info(r) for r in rows]

        return self._read(read)

    def session(self, session_id: int) -> SessionInfo:
        def read(s: Session) -> SessionInfo:
            row = s.scalars(_session_query().where(TrainingSession.id == session_id)).first()
            if row is None:
                raise StoreError(f"there is no session {session_id}")
            return _session_info(row)

        return self._read(read)

    def review_queue(self) -> list[SessionInfo]:
        """Sessions no therapist has reviewed yet, newest training day first."""

        def read(s: Session) -> list[SessionInfo]:
            query = _session_query().where(TrainingSession.reviewed.is_(False))
            newest = (TrainingSession.day.desc(), TrainingSession.performed_at.desc(), TrainingSession.id.desc())
            rows = s.scalars(query.order_by(*newest)).all()
            return [_session_info(r) for r in rows]

        return self._read(read)

    def landmarks(self, set_id: int) -> bytes | None:
        return self._read(lambda s: s.scalar(select(ScoredSet.landmarks).where(ScoredSet.id == set_id)))

    def video(self, set_id: int) -> bytes | None:
        return self._read(lambda s: s.scalar(select(ScoredSet.video).where(ScoredSet.id == set_id)))

    def add_note(self, session_id: int, text: str, author: str = "therapist") -> None:
        text = (text or "").strip()
        if not text:
            raise StoreError("a note needs some text")

        def add(s: Session) -> None:
            if s.get(TrainingSession, session_id) is None:
                raise StoreError(f"there is no session {session_id}")
            s.add(Note(session_id=session_id, written_at=datetime.now(UTC), author=author[:120], text=text))

        self._write(add)

    def mark_reviewed(self, session_id: int, reviewed: bool = True) -> None:
        def mark(s: Session) -> None:
            row = s.get(TrainingSession, session_id)
            if row is None:
                raise StoreError(f"there is no session {session_id}")
            row.reviewed = reviewed
            row.reviewed_at = datetime.now(UTC) if reviewed else None

        self._write(mark)


def _session_query():
    return select(TrainingSession).options(
        selectinload(TrainingSession.sets), selectinload(TrainingSession.notes), selectinload(TrainingSession.athlete)
    )


def _prescription_info(p: Prescription) -> PrescriptionInfo:
    return PrescriptionInfo(
        p.id,
        Leg(p.leg),
        p.protocol,
        p.protocol_toml,
        p.band,
        p.sessions_per_week,
        p.start_date,
        _aware(p.changed_at),
        p.changed_by,
        p.reason,
    )


def _session_info(r: TrainingSession) -> SessionInfo:
    return SessionInfo(
        id=r.id,
        athlete=r.athlete.name,
        day=r.day,
        performed_at=_aware(r.performed_at),
        source=r.source,
        protocol=r.protocol,
        kind=ProtocolKind(r.kind),
        leg=Leg(r.leg),
        band=r.band,
        reviewed=bool(r.reviewed),
        sets=tuple(
            SetInfo(
                x.id,
                x.number,
                x.clip_name,
                x.content_hash,
                x.settings,
                json.loads(x.report_json),
                bool(x.has_landmarks),
                bool(x.has_video),
            )
            for x in r.sets
        ),
        notes=tuple(NoteInfo(_aware(n.written_at), n.author, n.text) for n in r.notes),
    )
