"""Storage of athletes' records: SQLAlchemy 2 tables (``schema``), Alembic migrations, and the ``Store``
that reads and writes them (SQLite by default, PostgreSQL for a clinic). Tables and transactions only:
everything a person does with the records goes through ``vision.records``, which is the only user of this
package outside it. See ``repository`` for the contract."""

from vision.store.database import StoreError, database_url, default_sqlite_path
from vision.store.repository import Store
from vision.store.rows import (
    AthleteInfo,
    AuditEntry,
    AuditInfo,
    NewRep,
    NewSet,
    NoteInfo,
    PrescriptionInfo,
    SavedSet,
    SetInfo,
    TrainingSessionInfo,
    UserInfo,
)

__all__ = [
    "AthleteInfo",
    "AuditEntry",
    "AuditInfo",
    "NewRep",
    "NewSet",
    "NoteInfo",
    "PrescriptionInfo",
    "SavedSet",
    "SetInfo",
    "Store",
    "StoreError",
    "TrainingSessionInfo",
    "UserInfo",
    "database_url",
    "default_sqlite_path",
]
