"""Training sessions and their sets: filing a scored set, reading sessions back.

Contract: ``SetTables`` (part of ``Store``) files one scored set and reads sessions, a session, and a set's
landmarks or video. ``save_set(athlete_id, NewSet, day=..., performed_at=...)`` files the set under the
athlete's training session for that day, leg, protocol and band (or load), creating the session if needed. The same
clip (content hash) with the same settings is one set whatever day it is saved on: a second save writes
nothing and returns where the first is (``SavedSet.duplicate``). Saves for one athlete are serialised
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the athlete's row is locked), so two processes saving at once
lose nothing and split no session. ``session_query`` and ``session_info`` are shared with the review
workflow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from vision.store.database import StoreError
from vision.store.rows import AuditEntry, NewSet, NoteInfo, SavedSet, SetInfo, TrainingSessionInfo
from vision.store.schema import RepRow, SetRow, TrainingSessionRow
from vision.store.transactions import Transactions, aware, utc
from vision.types import Leg

SOURCES = ("live", "upload", "batch", "cli")


class SetTables(Transactions):
    def save_set(
        self,
        athlete_id: int,
        new: NewSet,
        *,
        day: date | None = None,
        performed_at: datetime | None = None,
        audit: Callable[[SavedSet], AuditEntry] | None = None,
    ) -> SavedSet:
        """File one scored set in the athlete's record (the module contract says where and when it is one set)."""
        if new.source not in SOURCES:
            raise StoreError(f"unknown source '{new.source}'; use one of {', '.join(SOURCES)}")
        moment = utc(performed_at)
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
                    TrainingSessionRow.load_kg.is_(None)
                    if new.load_kg is None
                    else TrainingSessionRow.load_kg == new.load_kg,
                )
            ).first()
            if session is None:
                session = TrainingSessionRow(
                    athlete_id=athlete.id,
                    day=day,
                    performed_at=moment,
                    source=new.source,
                    protocol=new.protocol,
                    kind=str(new.kind),
                    leg=Leg(new.leg).value,
                    band=new.band,
                    load_kg=new.load_kg,
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
            return self._write(save, audit)
        except IntegrityError:
            # PostgreSQL: another process saved this very clip between our check and our insert.
            return self._write(save, audit)

    def sessions(self, athlete_id: int, leg: Leg | None = None) -> list[TrainingSessionInfo]:
        """The athlete's training sessions, oldest first."""

        def read(s: OrmSession) -> list[TrainingSessionInfo]:
            athlete = self._athlete_row(s, athlete_id)
            query = session_query().where(TrainingSessionRow.athlete_id == athlete.id)
            if leg is not None:
                query = query.where(TrainingSessionRow.leg == Leg(leg).value)
            rows = s.scalars(query.order_by(TrainingSessionRow.day, TrainingSessionRow.id)).all()
            return [session_info(r) for r in rows]

        return self._read(read)

    def session(self, session_id: int) -> TrainingSessionInfo:
        def read(s: OrmSession) -> TrainingSessionInfo:
            row = s.scalars(session_query().where(TrainingSessionRow.id == session_id)).first()
            if row is None:
                raise StoreError(f"there is no session {session_id}")
            return session_info(row)

        return self._read(read)

    def landmarks(self, set_id: int) -> bytes | None:
        return self._read(lambda s: s.scalar(select(SetRow.landmarks).where(SetRow.id == set_id)))

    def video(self, set_id: int) -> bytes | None:
        return self._read(lambda s: s.scalar(select(SetRow.video).where(SetRow.id == set_id)))

    def set_athlete(self, set_id: int) -> int | None:
        """Whose set this is (None: there is no such set)."""
        return self._read(lambda s: s.scalar(select(SetRow.athlete_id).where(SetRow.id == set_id)))

    def session_athlete(self, session_id: int) -> int | None:
        """Whose session this is (None: there is no such session)."""
        query = select(TrainingSessionRow.athlete_id).where(TrainingSessionRow.id == session_id)
        return self._read(lambda s: s.scalar(query))


def session_query():
    return select(TrainingSessionRow).options(
        selectinload(TrainingSessionRow.sets),
        selectinload(TrainingSessionRow.notes),
        selectinload(TrainingSessionRow.athlete),
    )


def session_info(r: TrainingSessionRow) -> TrainingSessionInfo:
    return TrainingSessionInfo(
        id=r.id,
        athlete_id=r.athlete_id,
        athlete=r.athlete.name,
        day=r.day,
        performed_at=aware(r.performed_at),
        source=r.source,
        protocol=r.protocol,
        kind=r.kind,
        leg=Leg(r.leg),
        band=r.band,
        load_kg=r.load_kg,
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
        notes=tuple(NoteInfo(aware(n.written_at), n.author, n.text, bool(n.shared)) for n in r.notes),
    )
