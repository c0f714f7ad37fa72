"""The database's tables as SQLAlchemy 2 ORM classes.

Contract: these classes describe the schema at the newest migration (``migrations/versions``); the
schema itself is only ever created and changed by Alembic migrations, never by ``create_all``. Times are
stored in UTC; a session's ``day`` is the athlete's local calendar day of the training.

- ``Athlete``: a person, by unique name.
- ``Prescription``: one row per change of an athlete's prescription for one leg (the newest row is the
  current one): protocol id or a custom protocol's TOML text, band, sessions per week, start date, who
  changed it and why.
- ``TrainingSession``: one leg's training on one day with one protocol and band; source live/upload/batch/cli;
  therapist's ``reviewed`` flag.
- ``ScoredSet``: one scored set: the full ``calfcheck.score/1`` report (JSON text), the compressed
  landmarks (so it can be re-scored without video), the clip's name and content hash, the settings key.
  (athlete, content hash, settings) is unique: the same clip saved twice with the same settings is one set.
- ``RepRow``: each rep of a set as a queryable row.
- ``Note``: a therapist's note on a session.
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


class Athlete(Base):
    __tablename__ = "athletes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    prescriptions: Mapped[list[Prescription]] = relationship(back_populates="athlete", order_by="Prescription.id")
    sessions: Mapped[list[TrainingSession]] = relationship(back_populates="athlete")


class Prescription(Base):
    __tablename__ = "prescriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    leg: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str] = mapped_column(String(80))
    protocol_toml: Mapped[str | None] = mapped_column(Text)  # a therapist's own protocol file, verbatim
    band: Mapped[str | None] = mapped_column(String(16))
    sessions_per_week: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(40))  # athlete | therapist | calfcheck
    reason: Mapped[str] = mapped_column(Text, default="")
    athlete: Mapped[Athlete] = relationship(back_populates="prescriptions")


class TrainingSession(Base):
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
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    athlete: Mapped[Athlete] = relationship(back_populates="sessions")
    sets: Mapped[list[ScoredSet]] = relationship(
        back_populates="session", order_by="ScoredSet.number", cascade="all, delete-orphan"
    )
    notes: Mapped[list[Note]] = relationship(
        back_populates="session", order_by="Note.written_at", cascade="all, delete-orphan"
    )


class ScoredSet(Base):
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
    landmarks: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # vision.store.landmarks
    video: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # only when the user asked
    rep_count: Mapped[int] = mapped_column(Integer)
    reps_on_tempo: Mapped[int] = mapped_column(Integer)
    longest_hold_s: Mapped[float] = mapped_column(Float)
    mean_score: Mapped[float | None] = mapped_column(Float)
    fatigue: Mapped[bool] = mapped_column(Boolean)
    session: Mapped[TrainingSession] = relationship(back_populates="sets")
    reps: Mapped[list[RepRow]] = relationship(order_by="RepRow.number", cascade="all, delete-orphan")


ScoredSet.has_landmarks = column_property(ScoredSet.__table__.c.landmarks.is_not(None))
ScoredSet.has_video = column_property(ScoredSet.__table__.c.video.is_not(None))


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


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    session: Mapped[TrainingSession] = relationship(back_populates="notes")
