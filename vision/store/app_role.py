"""The database role a clinic server's app connects as (PostgreSQL): one that does not own the tables, so
row-level security (migration 0005) applies to every query it makes.

Contract: ``grant_app_role(url, role)``, run as the tables' owner (the CLI on the server), grants ``role``
what the app needs and nothing more: read and write the records' tables (the policies decide which rows),
read the schema version, use the id sequences, and use the upload queue's tables (procrastinate's, when they
are there: the app queues jobs, a worker connected as the same role runs them; they hold upload references
only). ``bypasses_row_security(engine)`` is True when the connected
role would not be held by the policies (it owns the tables, is a superuser, or has BYPASSRLS): the app
refuses to run a clinic server on PostgreSQL so connected (a bug in a page could then read any record).
SQLite has no roles: ``grant_app_role`` says so in one sentence.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from vision.store.database import StoreError, connect

TABLES = ("athletes", "prescriptions", "sessions", "sets", "reps", "notes", "users", "care_team", "audit_log")
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_app_role(url: str | None, role: str) -> None:
    if not _ROLE.match(role):
        raise StoreError("a database role's name is lower-case letters, digits and _ (e.g. calfcheck_app)")
    engine = connect(url)
    try:
        if engine.url.get_backend_name() != "postgresql":
            raise StoreError("only a PostgreSQL database has roles; an SQLite clinic server needs no grant")
        with engine.begin() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) is None:
                raise StoreError(f"there is no database role {role}; create it first (CREATE ROLE {role} LOGIN ...)")
            conn.execute(text(f"GRANT USAGE ON SCHEMA {_schema(conn)} TO {role}"))
            for table in TABLES:
                conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}"))
            conn.execute(text(f"GRANT SELECT ON alembic_version TO {role}"))
            queue = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                      "AND tablename LIKE 'procrastinate%'")).all()  # fmt: skip
            for table in queue:
                conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}"))
            conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {_schema(conn)} TO {role}"))
    finally:
        engine.dispose()


def _schema(conn) -> str:
    return conn.scalar(text("SELECT quote_ident(current_schema())"))


def bypasses_row_security(engine: Engine) -> bool:
    if engine.url.get_backend_name() != "postgresql":
        return False
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT r.rolsuper OR r.rolbypassrls OR pg_has_role(current_user, c.relowner, 'MEMBER') "
                "FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'athletes'::regclass"
            )
        ).scalar()
    return bool(row)
