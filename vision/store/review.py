"""The review workflow: the queue of unreviewed training sessions, notes, and marking reviewed.

Contract: ``ReviewTables`` (part of ``Store``) lists the sessions no therapist has reviewed (newest training
day first), adds a note signed by its author, and marks a session reviewed (or not) with the time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session as OrmSession

from vision.store.database import StoreError
from vision.store.rows import AuditEntry, TrainingSessionInfo
from vision.store.schema import NoteRow, TrainingSessionRow
from vision.store.sets import session_info, session_query
from vision.store.transactions import Transactions


class ReviewTables(Transactions):
    def review_queue(self) -> list[TrainingSessionInfo]:
        """Training sessions no therapist has reviewed yet, newest training day first."""

        def read(s: OrmSession) -> list[TrainingSessionInfo]:
            query = session_query().where(TrainingSessionRow.reviewed.is_(False))
            newest = (
                TrainingSessionRow.day.desc(),
                TrainingSessionRow.performed_at.desc(),
                TrainingSessionRow.id.desc(),
            )
            return [session_info(r) for r in s.scalars(query.order_by(*newest)).all()]

        return self._read(read)

    def add_note(
        self, session_id: int, text: str, author: str, *, shared: bool = False, audit: AuditEntry | None = None
    ) -> None:
        """``shared``: the athlete sees it too (otherwise only their therapists)."""

        def add(s: OrmSession) -> None:
            if s.get(TrainingSessionRow, session_id) is None:
                raise StoreError(f"there is no session {session_id}")
            now = datetime.now(UTC)
            s.add(NoteRow(session_id=session_id, written_at=now, author=author[:120], text=text, shared=shared))

        self._write(add, None if audit is None else lambda _: audit)

    def mark_reviewed(self, session_id: int, reviewed: bool = True, *, audit: AuditEntry | None = None) -> None:
        def mark(s: OrmSession) -> None:
            row = s.get(TrainingSessionRow, session_id)
            if row is None:
                raise StoreError(f"there is no session {session_id}")
            row.reviewed = reviewed
            row.reviewed_at = datetime.now(UTC) if reviewed else None

        self._write(mark, None if audit is None else lambda _: audit)
