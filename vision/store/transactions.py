"""The store's transactions: one database, one transaction per method, errors in one sentence.

Contract: ``Transactions(url)`` opens (and migrates) the database; ``_read(fn)`` and ``_write(fn)`` run
``fn`` on an ORM session inside one transaction that commits whole or leaves nothing, and turn database
errors into ``StoreError``. An SQLite file deleted or moved while it is open (SQLite would go on "saving"
into the unlinked file, and nothing would be on disk) is noticed before every transaction and said. The
table modules (``athletes``, ``sets``, ``review``) build on it; ``Store`` (``repository``) is all of them
together. Times go in as UTC and come back aware (``utc``, ``aware``).

Who is acting: ``as_user(user_id, actor)`` is the same database (the same engine) on behalf of one person.
On PostgreSQL every transaction then starts with ``set_config('calfcheck.user', user_id, true)`` (local to
that transaction), which the row-level security policies of migration 0005 read: a role that does not own the
tables sees and writes only that person's rows. ``_write(fn, audit=...)`` adds the audit log's entry in the
same transaction as the change it describes, signed by that actor (a change is never without its entry).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self, TypeVar

from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession

from vision.store.database import BUSY_TIMEOUT_S, StoreError, connect, database_url, describe_url, translate, writer
from vision.store.rows import AuditEntry
from vision.store.schema import AthleteRow, AuditRow

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
        self.user_id: int | None = None  # who is acting (a clinic server's user), for row-level security
        self.actor_label = "local user"  # how the audit log names them

    def as_user(self, user_id: int | None, actor_label: str) -> Self:
        """The same database (one engine, one pool) on behalf of ``user_id``."""
        view = copy.copy(self)
        view.user_id, view.actor_label = user_id, actor_label
        return view

    @property
    def postgresql(self) -> bool:
        return self.engine.url.get_backend_name() == "postgresql"

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
    def _tx(self, write: bool, login: dict[str, str] | None = None) -> Iterator[OrmSession]:
        """``login``: a login in progress (issuer, subject, email) instead of a user: on PostgreSQL the policies
        then show only the one user row that login may claim."""
        self._check_file()
        try:
            with OrmSession(writer(self.engine) if write else self.engine, expire_on_commit=False) as s, s.begin():
                if self.postgresql:
                    settings = {"user": "" if self.user_id is None else str(self.user_id)}
                    settings.update({f"login_{k}": v for k, v in (login or {}).items()})
                    for name, value in settings.items():  # local to this transaction (the third argument)
                        s.execute(text("SELECT set_config(:n, :v, true)"), {"n": f"calfcheck.{name}", "v": value})
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

    def _write(self, fn: Callable[[OrmSession], T], audit: Callable[[T], AuditEntry] | None = None) -> T:
        with self._tx(write=True) as s:
            result = fn(s)
            if audit is not None:
                self._audit(s, audit(result))
            return result

    def _audit(self, s: OrmSession, entry: AuditEntry) -> None:
        # A plain INSERT, no RETURNING: under row-level security an athlete may write their entry, not read it.
        s.execute(
            insert(AuditRow).values(
                at=datetime.now(UTC), user_id=self.user_id, actor=self.actor_label[:254], action=entry.action,
                athlete_id=entry.athlete_id, detail=entry.detail[:400],
            )
        )  # fmt: skip

    def record(self, entry: AuditEntry) -> None:
        """An entry on its own (a view of a record: nothing else is written)."""
        self._write(lambda s: self._audit(s, entry))

    @staticmethod
    def _athlete_row(s: OrmSession, athlete_id: int, lock: bool = False) -> AthleteRow:
        query = select(AthleteRow).where(AthleteRow.id == athlete_id)
        found = s.scalars(query.with_for_update() if lock else query).first()
        if found is None:
            raise StoreError(f"there is no athlete with id {athlete_id}")
        return found
