"""Storage of athletes' courses: SQLAlchemy 2 models, Alembic migrations, and the ``Store`` that reads and
writes them (SQLite by default, PostgreSQL for a clinic). See ``repository`` for the contract."""

from vision.store.database import StoreError, database_url, default_sqlite_path
from vision.store.repository import AthleteInfo, PrescriptionInfo, SavedSet, SessionInfo, SetInfo, Store

__all__ = [
    "AthleteInfo",
    "PrescriptionInfo",
    "SavedSet",
    "SessionInfo",
    "SetInfo",
    "Store",
    "StoreError",
    "database_url",
    "default_sqlite_path",
]
