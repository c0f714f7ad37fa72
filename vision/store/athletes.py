"""Athletes and their prescriptions: added, found by their folded name, prescribed per leg.

Contract: ``AthleteTables`` (part of ``Store``) adds athletes (a name unique after Unicode folding,
``names.name_key``), lists and finds them, and keeps each leg's prescription history (who changed it, when
and why). Values in and out are ``rows``' frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from vision.store.database import StoreError
from vision.store.names import display_name, name_key
from vision.store.rows import AthleteInfo, AuditEntry, PrescriptionInfo
from vision.store.schema import AthleteRow, CareTeamRow, PrescriptionRow, TrainingSessionRow
from vision.store.transactions import Transactions, aware, utc
from vision.types import Leg


class AthleteTables(Transactions):
    def add_athlete(
        self, name: str, *, care_of: int | None = None, audit: Callable[[AthleteInfo], AuditEntry] | None = None
    ) -> AthleteInfo:
        """``care_of``: the therapist (a user id) who adds the athlete looks after them from now on (same
        transaction: under row-level security a therapist could not see an athlete outside their care team)."""
        shown, key = display_name(name), name_key(name)

        def add(s: OrmSession) -> AthleteInfo:
            clash = s.scalars(select(AthleteRow).where(AthleteRow.name_key == key)).first()
            if clash is not None:
                raise StoreError(f"there is already an athlete called '{clash.name}'")
            now = datetime.now(UTC)
            # No RETURNING (schema.NO_RETURNING): the new row is not the therapist's to read until the care-team
            # row exists.
            added = s.execute(insert(AthleteRow).values(name=shown, name_key=key, created_at=now))
            new_id = added.inserted_primary_key[0]
            if care_of is not None:
                s.execute(insert(CareTeamRow).values(therapist_id=care_of, athlete_id=new_id))
            return AthleteInfo(new_id, shown, now, 0, None)

        try:
            return self._write(add, audit)
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
        return [AthleteInfo(a.id, a.name, aware(a.created_at), n, last) for a, n, last in rows]

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
        load_kg: float | None = None,
        audit: AuditEntry | None = None,
    ) -> PrescriptionInfo:
        """A new prescription for one leg; the old one stays in the history."""

        def add(s: OrmSession) -> PrescriptionInfo:
            athlete = self._athlete_row(s, athlete_id, lock=True)
            moment = utc(at)
            row = PrescriptionRow(
                athlete_id=athlete.id,
                leg=Leg(leg).value,
                protocol=protocol,
                protocol_toml=protocol_toml,
                band=band,
                load_kg=load_kg,
                sessions_per_week=sessions_per_week,
                start_date=start or moment.astimezone().date(),
                changed_at=moment,
                changed_by=changed_by[:40],
                reason=reason,
            )
            s.add(row)
            s.flush()
            return _prescription_info(row)

        return self._write(add, None if audit is None else lambda _: audit)

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
        aware(p.changed_at),
        p.changed_by,
        p.reason,
        p.load_kg,
    )
