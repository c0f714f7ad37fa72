"""A clinic server: users (admin, therapist, athlete; invited by email, keyed by issuer and subject once they
log in), care teams, the audit log, notes shared with the athlete; on PostgreSQL, row-level security.

Row-level security (PostgreSQL only; SQLite has none, and the records service's actor rules are the one
place isolation is decided either way): every table's rows are visible to a role that does not own them only
through the policies below, which read the user the records service sets per transaction
(``set_config('calfcheck.user', id, true)``). The table owner (the migrations, the CLI on the server) is not
subject to them. With no user set, nothing is visible. The helper functions are ``SECURITY DEFINER`` (they
read ``users`` and ``care_team`` as the owner) so a policy never recurses into another table's policy.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("athletes", "prescriptions", "sessions", "sets", "reps", "notes", "users", "care_team", "audit_log")

FUNCTIONS = [
    """CREATE FUNCTION calfcheck_user() RETURNS integer LANGUAGE sql STABLE
       AS $$ SELECT nullif(current_setting('calfcheck.user', true), '')::integer $$""",
    """CREATE FUNCTION calfcheck_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
       AS $$ SELECT role FROM users WHERE id = calfcheck_user() $$""",
    # The athletes whose records the current user may see: an athlete their own, a therapist their care team.
    """CREATE FUNCTION calfcheck_athletes() RETURNS SETOF integer LANGUAGE sql STABLE SECURITY DEFINER
       SET search_path FROM CURRENT AS $$
         SELECT u.athlete_id FROM users u
          WHERE u.id = calfcheck_user() AND u.role = 'athlete' AND u.athlete_id IS NOT NULL
         UNION
         SELECT c.athlete_id FROM care_team c JOIN users u ON u.id = c.therapist_id
          WHERE u.id = calfcheck_user() AND u.role = 'therapist' $$""",
]

VISIBLE = "athlete_id IN (SELECT calfcheck_athletes())"
THERAPIST = "calfcheck_role() = 'therapist'"
ADMIN = "calfcheck_role() = 'admin'"
# A login in progress (no user set yet) may see and claim only its own row: the one already keyed by its
# issuer and subject, or an invitation not yet claimed sent to its verified email.
LOGIN = (
    "calfcheck_user() IS NULL AND ("
    "(issuer = current_setting('calfcheck.login_issuer', true) "
    "AND subject = current_setting('calfcheck.login_subject', true)) "
    "OR (issuer IS NULL AND email = current_setting('calfcheck.login_email', true)))"
)

POLICIES = [
    ("athletes_read", "athletes", "SELECT", "USING (id IN (SELECT calfcheck_athletes()))"),
    # SELECT ... FOR UPDATE (a save locks the athlete's row) needs an UPDATE policy.
    ("athletes_lock", "athletes", "UPDATE", "USING (id IN (SELECT calfcheck_athletes()))"),
    ("athletes_add", "athletes", "INSERT", f"WITH CHECK ({THERAPIST})"),
    ("prescriptions_read", "prescriptions", "SELECT", f"USING ({VISIBLE})"),
    ("prescriptions_add", "prescriptions", "INSERT", f"WITH CHECK ({VISIBLE} AND {THERAPIST})"),
    ("sessions_read", "sessions", "SELECT", f"USING ({VISIBLE})"),
    ("sessions_add", "sessions", "INSERT", f"WITH CHECK ({VISIBLE})"),
    ("sessions_change", "sessions", "UPDATE", f"USING ({VISIBLE})"),
    ("sets_read", "sets", "SELECT", f"USING ({VISIBLE})"),
    ("sets_add", "sets", "INSERT", f"WITH CHECK ({VISIBLE})"),
    ("reps_read", "reps", "SELECT", "USING (set_id IN (SELECT id FROM sets))"),
    ("reps_add", "reps", "INSERT", "WITH CHECK (set_id IN (SELECT id FROM sets))"),
    ("notes_read", "notes", "SELECT",
     f"USING (session_id IN (SELECT id FROM sessions) AND (shared OR {THERAPIST}))"),
    ("notes_add", "notes", "INSERT", f"WITH CHECK (session_id IN (SELECT id FROM sessions) AND {THERAPIST})"),
    ("users_read", "users", "SELECT",
     f"USING (id = calfcheck_user() OR {ADMIN} OR ({THERAPIST} AND {VISIBLE}))"),
    ("users_login", "users", "SELECT", f"USING ({LOGIN})"),
    ("users_claim", "users", "UPDATE", f"USING ({LOGIN})"),
    ("users_admin", "users", "ALL", f"USING ({ADMIN})"),
    ("users_invite", "users", "INSERT", f"WITH CHECK ({THERAPIST} AND role = 'athlete')"),
    ("care_team_read", "care_team", "SELECT",
     f"USING (therapist_id = calfcheck_user() OR {VISIBLE} OR {ADMIN})"),
    ("care_team_add", "care_team", "INSERT",
     f"WITH CHECK ((therapist_id = calfcheck_user() AND {THERAPIST}) OR {ADMIN})"),
    ("care_team_remove", "care_team", "DELETE", f"USING ({ADMIN})"),
    ("audit_read", "audit_log", "SELECT", f"USING ({ADMIN} OR ({THERAPIST} AND {VISIBLE}))"),
    ("audit_add", "audit_log", "INSERT", "WITH CHECK (user_id = calfcheck_user())"),
]  # fmt: skip


def upgrade() -> None:
    # Notes written before were the therapist's own: they stay therapist-only.
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id", ondelete="SET NULL")),
        sa.Column("issuer", sa.String(400)),
        sa.Column("subject", sa.String(255)),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by", sa.String(120), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("issuer", "subject", name="uq_users_login"),
    )
    op.create_table(
        "care_team",
        sa.Column("therapist_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("athlete_id", sa.Integer),
        sa.Column("detail", sa.String(400), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_athlete_id", "audit_log", ["athlete_id"])
    if op.get_bind().dialect.name == "postgresql":
        for statement in FUNCTIONS:
            op.execute(statement)
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for name, table, command, rule in POLICIES:
            op.execute(f"CREATE POLICY {name} ON {table} FOR {command} {rule}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _command, _rule in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
        for table in ("athletes", "prescriptions", "sessions", "sets", "reps", "notes"):
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_table("audit_log")
    op.drop_table("care_team")
    op.drop_table("users")
    if op.get_bind().dialect.name == "postgresql":
        for function in ("calfcheck_athletes", "calfcheck_role", "calfcheck_user"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("shared")
