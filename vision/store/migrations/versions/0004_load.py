"""Heel raises carry a load: kilograms held or worn, on training sessions and prescriptions (NULL: body
weight, or a band exercise).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable with no default: every session and prescription saved before had no load (body weight).
    for table in ("sessions", "prescriptions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("load_kg", sa.Float, nullable=True))


def downgrade() -> None:
    for table in ("sessions", "prescriptions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("load_kg")
