"""The database's tables as SQLAlchemy 2 ORM classes.

Contract: these classes describe the schema at the newest migration (``migrations/versions``); the
schema itself is only ever created and changed by Alembic migrations, never by ``create_all``. Times are
stored in UTC; a session's ``day`` is the athlete's local calendar day of the training.

- ``AthleteRow``: a person: a name people see and a key it is compared by (``names.name_key``), unique.
- ``PrescriptionRow``: one row per change of an athlete's prescription for one leg (the newest row is the
  current one): protocol id or a custom protocol's TOML text, band (or a heel raise's load in kg), sessions
  per week, start date, who changed it (the actor's name) and why.
- ``TrainingSessionRow``: one leg's training on one day with one protocol and band (or load); source
  live/upload/batch/cli; therapist's ``reviewed`` flag.
- ``SetRow``: one scored set: the full ``calfcheck.score/1`` report (JSON text), the compressed
  landmarks (so it can be re-scored without video), the clip's name and content hash, the settings key.
  (athlete, content hash, settings) is unique: the same clip saved twice with the same settings is one set
  (both computed by ``vision.records.set_key``, never here).
- ``RepRow``: each rep of a set as a queryable row.
- ``NoteRow``: a therapist's note on a session; ``shared`` notes are shown to the athlete too (the others
  stay among the athlete's therapists).
- ``UserRow``: a person who may log in to a clinic server: role (admin, therapist, athlete), the email an
  invitation was sent to, and once they have logged in the identity provider's issuer and subject (the key);
  an athlete's user is linked to their athlete record.
- ``CareTeamRow``: a therapist looks after an athlete (several therapists may share one athlete).
- ``AuditRow``: who did what to whose record and when: never the notes' text, never video.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship


class Base(DeclarativeBase):
    pass


# No RETURNING on the tables a clinic server's users add rows to that they may not read back (an athlete's
# audit entry, a therapist's new athlete before its care-team row): under PostgreSQL's row-level security a
# RETURNING row must pass the reading policy too. The new id comes from the sequence first instead.
NO_RETURNING = {"implicit_returning": False}


class AthleteRow(Base):
    __tablename__ = "athletes"
    __table_args__ = (UniqueConstraint("name_key", name="uq_athletes_name_key"), NO_RETURNING)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)  # as people see it (NFC)
    name_key: Mapped[str] = mapped_column(String(480))  # as it is compared (store.names)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    prescriptions: Mapped[list[PrescriptionRow]] = relationship(back_populates="athlete", order_by="PrescriptionRow.id")
    sessions: Mapped[list[TrainingSessionRow]] = relationship(back_populates="athlete")


class PrescriptionRow(Base):
    __tablename__ = "prescriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    leg: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str] = mapped_column(String(80))
    protocol_toml: Mapped[str | None] = mapped_column(Text)  # a therapist's own protocol file, verbatim
    band: Mapped[str | None] = mapped_column(String(16))
    load_kg: Mapped[float | None] = mapped_column(Float)  # heel raises: kg held or worn (None: body weight)
    sessions_per_week: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(40))  # who: the actor's name
    reason: Mapped[str] = mapped_column(Text, default="")
    athlete: Mapped[AthleteRow] = relationship(back_populates="prescriptions")


class TrainingSessionRow(Base):
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    performed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))  # live | upload | batch | cli
    protocol: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    leg: Mapped[str] = mapped_column(String(8))
    band: Mapped[str | None] = mapped_column(String(16))
    load_kg: Mapped[float | None] = mapped_column(Float)  # heel raises: kg held or worn (None: body weight)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    athlete: Mapped[AthleteRow] = relationship(back_populates="sessions")
    sets: Mapped[list[SetRow]] = relationship(
        back_populates="session", order_by="SetRow.number", cascade="all, delete-orphan"
    )
    notes: Mapped[list[NoteRow]] = relationship(
        back_populates="session", order_by="NoteRow.written_at", cascade="all, delete-orphan"
    )


class SetRow(Base):
    __tablename__ = "sets"
    __table_args__ = (UniqueConstraint("athlete_id", "content_hash", "settings", name="uq_sets_clip_settings"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 within the session
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    clip_name: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))  # the clip's SHA-256, or the landmarks' for live sets
    settings: Mapped[str] = mapped_column(String(400))
    report_json: Mapped[str] = mapped_column(Text)  # the calfcheck.score/1 report
    # Large: loaded only when asked for (deferred); listings read the has_* flags below instead.
    landmarks: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # vision.records.landmarks
    video: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # only when the user asked
    rep_count: Mapped[int] = mapped_column(Integer)
    reps_on_tempo: Mapped[int] = mapped_column(Integer)
    longest_hold_s: Mapped[float] = mapped_column(Float)
    mean_score: Mapped[float | None] = mapped_column(Float)
    fatigue: Mapped[bool] = mapped_column(Boolean)
    session: Mapped[TrainingSessionRow] = relationship(back_populates="sets")
    reps: Mapped[list[RepRow]] = relationship(order_by="RepRow.number", cascade="all, delete-orphan")


SetRow.has_landmarks = column_property(SetRow.__table__.c.landmarks.is_not(None))
SetRow.has_video = column_property(SetRow.__table__.c.video.is_not(None))


class RepRow(Base):
    __tablename__ = "reps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # the rep's index in the set (1, 2, ...)
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    concentric_s: Mapped[float | None] = mapped_column(Float)
    hold_s: Mapped[float | None] = mapped_column(Float)
    eccentric_s: Mapped[float | None] = mapped_column(Float)
    peak_deg: Mapped[float | None] = mapped_column(Float)
    rom_deg: Mapped[float | None] = mapped_column(Float)
    score: Mapped[int] = mapped_column(Integer)
    faults: Mapped[str] = mapped_column(String(400))  # ';'-joined fault codes
    incomplete: Mapped[bool] = mapped_column(Boolean)


class NoteRow(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # shown to the athlete too
    session: Mapped[TrainingSessionRow] = relationship(back_populates="notes")


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email", name="uq_users_email"),
        UniqueConstraint("issuer", "subject", name="uq_users_login"),
        NO_RETURNING,
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # lower case: only ever matched to an invitation
    role: Mapped[str] = mapped_column(String(16))  # admin | therapist | athlete
    athlete_id: Mapped[int | None] = mapped_column(ForeignKey("athletes.id", ondelete="SET NULL"))
    issuer: Mapped[str | None] = mapped_column(String(400))  # None until their first login
    subject: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120), default="")  # as the identity provider gives it
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    invited_by: Mapped[str] = mapped_column(String(120))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CareTeamRow(Base):
    __tablename__ = "care_team"
    __table_args__ = NO_RETURNING
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = NO_RETURNING
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the trail outlives a removed user
    actor: Mapped[str] = mapped_column(String(254))  # who, as they were known then (email, or the local user)
    action: Mapped[str] = mapped_column(String(40))  # view, save, note, review, prescribe, invite, ...
    athlete_id: Mapped[int | None] = mapped_column(Integer, index=True)  # whose record (None: not a record)
    detail: Mapped[str] = mapped_column(String(400), default="")  # ids and names of things, never notes' text
