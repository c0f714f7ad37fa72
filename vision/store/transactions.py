"""The store's transactions: one database, one transaction per method, errors in one sentence.

Contract: ``Transactions(url)`` opens (and migrates) the database; ``_read(fn)`` and ``_write(fn)`` run
``fn`` on an ORM session inside one transaction that commits whole or leaves nothing, and turn database
errors into ``StoreError``. The table modules (``athletes``, ``sets``, ``review``) build on it; ``Store``
(``repository``) is all of them together. Times go in as UTC and come back aware (``utc``, ``aware``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
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


class Transactions:
    def __init__(self, url: str | None = None, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.url = database_url(url)
        self.engine = connect(self.url, busy_timeout_s)

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

    @contextmanager
    def _tx(self, write: bool) -> Iterator[OrmSession]:
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
