"""An athlete's course: athletes, prescriptions with their history, sessions, scored sets and reps.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "athletes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "prescriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("leg", sa.String(8), nullable=False),
        sa.Column("protocol", sa.String(80), nullable=False),
        sa.Column("protocol_toml", sa.Text),
        sa.Column("band", sa.String(16)),
        sa.Column("sessions_per_week", sa.Integer, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_prescriptions_athlete_id", "prescriptions", ["athlete_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("performed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("protocol", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("leg", sa.String(8), nullable=False),
        sa.Column("band", sa.String(16)),
    )
    op.create_index("ix_sessions_athlete_id", "sessions", ["athlete_id"])
    op.create_index("ix_sessions_day", "sessions", ["day"])
    op.create_table(
        "sets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clip_name", sa.String(255), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("settings", sa.String(400), nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
        sa.Column("landmarks", sa.LargeBinary),
        sa.Column("video", sa.LargeBinary),
        sa.Column("rep_count", sa.Integer, nullable=False),
        sa.Column("reps_on_tempo", sa.Integer, nullable=False),
        sa.Column("longest_hold_s", sa.Float, nullable=False),
        sa.Column("mean_score", sa.Float),
        sa.Column("fatigue", sa.Boolean, nullable=False),
        sa.UniqueConstraint("athlete_id", "content_hash", "settings", name="uq_sets_clip_settings"),
    )
    op.create_index("ix_sets_session_id", "sets", ["session_id"])
    op.create_table(
        "reps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("set_id", sa.Integer, sa.ForeignKey("sets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("start_s", sa.Float),
        sa.Column("end_s", sa.Float),
        sa.Column("concentric_s", sa.Float),
        sa.Column("hold_s", sa.Float),
        sa.Column("eccentric_s", sa.Float),
        sa.Column("peak_deg", sa.Float),
        sa.Column("rom_deg", sa.Float),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("faults", sa.String(400), nullable=False),
        sa.Column("incomplete", sa.Boolean, nullable=False),
    )
    op.create_index("ix_reps_set_id", "reps", ["set_id"])


def downgrade() -> None:
    for table in ("reps", "sets", "sessions", "prescriptions", "athletes"):
        op.drop_table(table)
