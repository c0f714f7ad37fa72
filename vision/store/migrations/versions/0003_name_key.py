"""Athletes compared by a Unicode-folded key: "Élodie" and "élodie", "José" composed and decomposed, are one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _key(name: str) -> str:
    # Frozen here on purpose (vision.store.names may change; a migration must not).
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


def upgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.add_column(sa.Column("name_key", sa.String(480), nullable=True))
    athletes = sa.table("athletes", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("name_key", sa.String))  # fmt: skip
    conn = op.get_bind()
    taken: set[str] = set()
    for athlete_id, name in conn.execute(sa.select(athletes.c.id, athletes.c.name).order_by(athletes.c.id)).all():
        key = _key(name)
        if key in taken:
            # Two records that an older calfcheck let in as two people ("Élodie" and "élodie"): both are
            # kept (nothing is merged without a person deciding); the later one is found by its id.
            key = f"{key}#{athlete_id}"
        taken.add(key)
        conn.execute(sa.update(athletes).where(athletes.c.id == athlete_id).values(name_key=key))
    with op.batch_alter_table("athletes") as batch:
        batch.alter_column("name_key", existing_type=sa.String(480), nullable=False)
        batch.create_unique_constraint("uq_athletes_name_key", ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.drop_constraint("uq_athletes_name_key", type_="unique")
        batch.drop_column("name_key")
