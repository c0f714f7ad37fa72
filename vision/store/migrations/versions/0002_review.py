"""The therapist's review: a reviewed flag and time per session, and notes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        # Sessions saved before review existed start unreviewed: they belong in the queue.
        batch.add_column(sa.Column("reviewed", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True)))
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_notes_session_id", "notes", ["session_id"])


def downgrade() -> None:
    op.drop_table("notes")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed")
