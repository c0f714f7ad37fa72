"""The product's memory: athletes, prescriptions, training sessions, sets, reps and notes, read and written
safely. Tables and transactions only: no report parsing, no programme, no policy, no command names.

Contract: ``Store(url)`` opens (and migrates) the database. Every method is one transaction: it commits
whole or leaves nothing (a crash or Ctrl-C mid-save included). Athletes are addressed by id; a name is what
people see, found through ``find_athlete`` by its folded key (``names.name_key``). Methods take and return
the plain frozen dataclasses of ``rows``, never ORM objects, and raise ``StoreError`` with one sentence for
anything a user can cause (unknown or duplicate athlete, a locked, read-only or unreachable database).

Saving: ``save_set(athlete_id, NewSet, day=..., performed_at=...)`` files the set under the athlete's
training session for that day, leg, protocol and band, creating the session if needed. The same clip
(content hash) with the same settings is one set whatever day it is saved on: a second save writes nothing
and returns where the first is (``SavedSet.duplicate``). Saves for one athlete are serialised (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: the athlete's row is locked), so two processes saving at once lose
nothing and split no session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from vision.store.database import BUSY_TIMEOUT_S, StoreError, connect, database_url, describe_url, translate, writer
from vision.store.names import display_name, name_key
from vision.store.rows import (
    AthleteInfo,
    NewSet,
    NoteInfo,
    PrescriptionInfo,
    SavedSet,
    SetInfo,
    TrainingSessionInfo,
)
from vision.store.schema import AthleteRow, NoteRow, PrescriptionRow, RepRow, SetRow, TrainingSessionRow
from vision.types import Leg, ProtocolKind

T = TypeVar("T")
SOURCES = ("live", "upload", "batch", "cli")


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
    def _tx(self, write: bool) -> Iterator[OrmSession]:
        try:
            with OrmSession(writer(self.engine) if write else self.engine, expire_on_commit=False) as s, s.begin():
                yield s
        except StoreError:
            raise
        except IntegrityError:
            raise
        except (DBAPIError, SQLAlchemyError) as exc:
            raise translate(exc, self.url) from None

    def _read(self, fn: Callable[[OrmSession], T]) -> T:
        with self._tx(write=False) as s:
            return fn(s)

    def _write(self, fn: Callable[[OrmSession], T]) -> T:
        with self._tx(write=True) as s:
            return fn(s)

    # --- athletes -----------------------------------------------------------------------------------

    @staticmethod
    def _athlete_row(s: OrmSession, athlete_id: int, lock: bool = False) -> AthleteRow:
        query = select(AthleteRow).where(AthleteRow.id == athlete_id)
        found = s.scalars(query.with_for_update() if lock else query).first()
        if found is None:
            raise StoreError(f"there is no athlete with id {athlete_id}")
        return found

    def add_athlete(self, name: str) -> AthleteInfo:
        shown, key = display_name(name), name_key(name)

        def add(s: OrmSession) -> AthleteInfo:
            clash = s.scalars(select(AthleteRow).where(AthleteRow.name_key == key)).first()
            if clash is not None:
                raise StoreError(f"there is already an athlete called '{clash.name}'")
            athlete = AthleteRow(name=shown, name_key=key, created_at=datetime.now(UTC))
            s.add(athlete)
            s.flush()
            return AthleteInfo(athlete.id, athlete.name, athlete.created_at, 0, None)

        try:
            return self._write(add)
        except IntegrityError:  # another process added the same name a moment ago
            raise StoreError(f"there is already an athlete called '{shown}'") from None

    def _athlete_infos(self, s: OrmSession, *conditions) -> list[AthleteInfo]:
        rows = s.execute(
            select(AthleteRow, func.count(TrainingSessionRow.id), func.max(TrainingSessionRow.day))
            .outerjoin(TrainingSessionRow)
            .where(*conditions)
            .group_by(AthleteRow.id)
            .order_by(AthleteRow.name_key)
        ).all()
        return [AthleteInfo(a.id, a.name, _aware(a.created_at), n, last) for a, n, last in rows]

    def athletes(self) -> list[AthleteInfo]:
        return self._read(self._athlete_infos)

    def find_athlete(self, name: str) -> AthleteInfo | None:
        """The athlete whose name folds to the same key as ``name``, or None."""
        key = name_key(name)
        found = self._read(lambda s: self._athlete_infos(s, AthleteRow.name_key == key))
        return found[0] if found else None

    def athlete(self, athlete_id: int) -> AthleteInfo:
        found = self._read(lambda s: self._athlete_infos(s, AthleteRow.id == athlete_id))
        if not found:
            raise StoreError(f"there is no athlete with id {athlete_id}")
        return found[0]

    # --- prescriptions ------------------------------------------------------------------------------

    def prescribe(
        self,
        athlete_id: int,
        leg: Leg,
        protocol: str,
        band: str | None,
        *,
        sessions_per_week: int,
        start: date | None,
        changed_by: str,
        reason: str,
        protocol_toml: str | None = None,
        at: datetime | None = None,
    ) -> PrescriptionInfo:
        """A new prescription for one leg; the old one stays in the history."""

        def add(s: OrmSession) -> PrescriptionInfo:
            athlete = self._athlete_row(s, athlete_id, lock=True)
            moment = _utc(at)
            row = PrescriptionRow(
                athlete_id=athlete.id,
                leg=Leg(leg).value,
                protocol=protocol,
                protocol_toml=protocol_toml,
                band=band,
                sessions_per_week=sessions_per_week,
                start_date=start or moment.astimezone().date(),
                changed_at=moment,
                changed_by=changed_by[:40],
                reason=reason,
            )
            s.add(row)
            s.flush()
            return _prescription_info(row)

        return self._write(add)

    def prescription_history(self, athlete_id: int, leg: Leg | None = None) -> list[PrescriptionInfo]:
        def read(s: OrmSession) -> list[PrescriptionInfo]:
            athlete = self._athlete_row(s, athlete_id)
            query = select(PrescriptionRow).where(PrescriptionRow.athlete_id == athlete.id)
            if leg is not None:
                query = query.where(PrescriptionRow.leg == Leg(leg).value)
            order = (PrescriptionRow.changed_at, PrescriptionRow.id)
            return [_prescription_info(p) for p in s.scalars(query.order_by(*order))]

        return self._read(read)

    # --- sets ---------------------------------------------------------------------------------------

    def save_set(
        self, athlete_id: int, new: NewSet, *, day: date | None = None, performed_at: datetime | None = None
    ) -> SavedSet:
        """File one scored set in the athlete's record (see the module docstring)."""
        if new.source not in SOURCES:
            raise StoreError(f"unknown source '{new.source}'; use one of {', '.join(SOURCES)}")
        moment = _utc(performed_at)
        day = day or moment.astimezone().date()

        def save(s: OrmSession) -> SavedSet:
            athlete = self._athlete_row(s, athlete_id, lock=True)  # serialises this athlete's saves on PostgreSQL
            same = s.scalars(
                select(SetRow).where(
                    SetRow.athlete_id == athlete.id,
                    SetRow.content_hash == new.content_hash,
                    SetRow.settings == new.settings,
                )
            ).first()
            if same is not None:
                return SavedSet(same.session_id, same.id, same.number, same.session.day, duplicate=True)
            session = s.scalars(
                select(TrainingSessionRow).where(
                    TrainingSessionRow.athlete_id == athlete.id,
                    TrainingSessionRow.day == day,
                    TrainingSessionRow.leg == Leg(new.leg).value,
                    TrainingSessionRow.protocol == new.protocol,
                    TrainingSessionRow.band.is_(None) if new.band is None else TrainingSessionRow.band == new.band,
                )
            ).first()
            if session is None:
                session = TrainingSessionRow(
                    athlete_id=athlete.id,
                    day=day,
                    performed_at=moment,
                    source=new.source,
                    protocol=new.protocol,
                    kind=ProtocolKind(new.kind).value,
                    leg=Leg(new.leg).value,
                    band=new.band,
                    reviewed=False,
                )
                s.add(session)
                s.flush()
            else:
                session.reviewed = False  # a new set since the therapist looked: back in the queue
                session.reviewed_at = None
            number = 1 + (s.scalar(select(func.max(SetRow.number)).where(SetRow.session_id == session.id)) or 0)
            row = SetRow(
                session_id=session.id,
                athlete_id=athlete.id,
                number=number,
                saved_at=datetime.now(UTC),
                clip_name=new.clip_name[:255],
                content_hash=new.content_hash,
                settings=new.settings[:400],
                report_json=new.report_json,
                landmarks=new.landmarks,
                video=new.video,
                rep_count=new.rep_count,
                reps_on_tempo=new.reps_on_tempo,
                longest_hold_s=new.longest_hold_s,
                mean_score=new.mean_score,
                fatigue=new.fatigue,
            )
            row.reps = [
                RepRow(
                    number=r.number,
                    start_s=r.start_s,
                    end_s=r.end_s,
                    concentric_s=r.concentric_s,
                    hold_s=r.hold_s,
                    eccentric_s=r.eccentric_s,
                    peak_deg=r.peak_deg,
                    rom_deg=r.rom_deg,
                    score=r.score,
                    faults=";".join(r.faults),
                    incomplete=r.incomplete,
                )
                for r in new.reps
            ]
            s.add(row)
            s.flush()
            return SavedSet(session.id, row.id, number, day, duplicate=False)

        try:
            return self._write(save)
        except IntegrityError:
            # PostgreSQL: another process saved this very clip between our check and our insert.
            return self._write(save)

    def sessions(self, athlete_id: int, leg: Leg | None = None) -> list[TrainingSessionInfo]:
        """The athlete's training sessions, oldest first."""

        def read(s: OrmSession) -> list[TrainingSessionInfo]:
            athlete = self._athlete_row(s, athlete_id)
            query = _session_query().where(TrainingSessionRow.athlete_id == athlete.id)
            if leg is not None:
                query = query.where(TrainingSessionRow.leg == Leg(leg).value)
            rows = s.scalars(query.order_by(TrainingSessionRow.day, TrainingSessionRow.id)).all()
            return [_session_info(r) for r in rows]

        return self._read(read)

    def session(self, session_id: int) -> TrainingSessionInfo:
        def read(s: OrmSession) -> TrainingSessionInfo:
            row = s.scalars(_session_query().where(TrainingSessionRow.id == session_id)).first()
            if row is None:
                raise StoreError(f"there is no session {session_id}")
            return _session_info(row)

        return self._read(read)

    def landmarks(self, set_id: int) -> bytes | None:
        return self._read(lambda s: s.scalar(select(SetRow.landmarks).where(SetRow.id == set_id)))

    def video(self, set_id: int) -> bytes | None:
        return self._read(lambda s: s.scalar(select(SetRow.video).where(SetRow.id == set_id)))

    # --- review -------------------------------------------------------------------------------------

    def review_queue(self) -> list[TrainingSessionInfo]:
        """Training sessions no therapist has reviewed yet, newest training day first."""

        def read(s: OrmSession) -> list[TrainingSessionInfo]:
            query = _session_query().where(TrainingSessionRow.reviewed.is_(False))
            newest = (
                TrainingSessionRow.day.desc(),
                TrainingSessionRow.performed_at.desc(),
                TrainingSessionRow.id.desc(),
            )
            return [_session_info(r) for r in s.scalars(query.order_by(*newest)).all()]

        return self._read(read)

    def add_note(self, session_id: int, text: str, author: str) -> None:
        def add(s: OrmSession) -> None:
            if s.get(TrainingSessionRow, session_id) is None:
                raise StoreError(f"there is no session {session_id}")
            s.add(NoteRow(session_id=session_id, written_at=datetime.now(UTC), author=author[:120], text=text))

        self._write(add)

    def mark_reviewed(self, session_id: int, reviewed: bool = True) -> None:
        def mark(s: OrmSession) -> None:
            row = s.get(TrainingSessionRow, session_id)
            if row is None:
                raise StoreError(f"there is no session {session_id}")
            row.reviewed = reviewed
            row.reviewed_at = datetime.now(UTC) if reviewed else None

        self._write(mark)


def _session_query():
    return select(TrainingSessionRow).options(
        selectinload(TrainingSessionRow.sets),
        selectinload(TrainingSessionRow.notes),
        selectinload(TrainingSessionRow.athlete),
    )


def _prescription_info(p: PrescriptionRow) -> PrescriptionInfo:
    return PrescriptionInfo(
        p.id,
        p.athlete_id,
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


def _session_info(r: TrainingSessionRow) -> TrainingSessionInfo:
    return TrainingSessionInfo(
        id=r.id,
        athlete_id=r.athlete_id,
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
                x.report_json,
                x.rep_count,
                bool(x.has_landmarks),
                bool(x.has_video),
            )
            for x in r.sets
        ),
        notes=tuple(NoteInfo(_aware(n.written_at), n.author, n.text) for n in r.notes),
    )
