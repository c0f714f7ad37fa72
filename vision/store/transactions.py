"""The store's transactions: one database, one transaction per method, errors in one sentence.

Contract: ``Transactions(url)`` opens (and migrates) the database; ``_read(fn)`` and ``_write(fn)`` run
``fn`` on an ORM session inside one transaction that commits whole or leaves nothing, and turn database
errors into ``StoreError``. An SQLite file deleted or moved while it is open (SQLite would go on "saving"
into the unlinked file, and nothing would be on disk) is noticed before every transaction and said. The
table modules (``athletes``, ``sets``, ``review``) build on it; ``Store`` (``repository``) is all of them
together. Times go in as UTC and come back aware (``utc``, ``aware``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession

from vision.store.database import BUSY_TIMEOUT_S, StoreError, connect, database_url, describe_url, translate, writer
from vision.store.schema import AthleteRow

T = TypeVar("T")


def utc(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(UTC)
    return moment if moment.tzinfo else moment.astimezone()  # a naive time is the machine's local time


def aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (stored as UTC); PostgreSQL returns aware ones."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def sqlite_file(engine) -> Path | None:
    """The SQLite database's file, or None for a server database (or an SQLite URI opened as is)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database.startswith("file:"):
        return None
    return Path(url.database).expanduser().resolve()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


class Transactions:
    def __init__(self, url: str | None = None, *, busy_timeout_s: float = BUSY_TIMEOUT_S, create: bool = True) -> None:
        self.url = database_url(url)
        self.engine = connect(self.url, busy_timeout_s, create)
        self._file = sqlite_file(self.engine)
        self._identity = _identity(self._file) if self._file else None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def where(self) -> str:
        return describe_url(self.url)

    # --- transactions -------------------------------------------------------------------------------

    def _check_file(self) -> None:
        if self._file is not None and _identity(self._file) != self._identity:
            raise StoreError(
                f"the database file {self._file} was deleted or moved while calfcheck had it open; nothing was "
                "saved or read. Put it back (or restart calfcheck to start a new one)"
            )

    @contextmanager
    def _tx(self, write: bool) -> Iterator[OrmSession]:
        self._check_file()
        try:
            with OrmSession(writer(self.engine) if write else self.engine, expire_on_commit=False) as s, s.begin():
                yield s
        except StoreError:
            raise
        except IntegrityError:
            raise
        except (DBAPIError, SQLAlchemyError) as exc:
            raise translate(exc, self.url) from None

    def _read(self, fn: Callable[[OrmSession], T]) -> T:
        with self._tx(write=False) as s:
            return fn(s)

    def _write(self, fn: Callable[[OrmSession], T]) -> T:
        with self._tx(write=True) as s:
            return fn(s)

    @staticmethod
    def _athlete_row(s: OrmSession, athlete_id: int, lock: bool = False) -> AthleteRow:
        query = select(AthleteRow).where(AthleteRow.id == athlete_id)
        found = s.scalars(query.with_for_update() if lock else query).first()
        if found is None:
            raise StoreError(f"there is no athlete with id {athlete_id}")
        return found
