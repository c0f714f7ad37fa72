"""Where the database is, opening it, bringing its schema to the newest migration, and its errors in words.

Contract: ``database_url(explicit=None)`` resolves ``--db`` > ``CALFCHECK_DB`` > SQLite in the user's data
folder (``platformdirs``). ``connect(url)`` returns an ``Engine`` whose schema is at Alembic's head
(migrations run on first use; a database from a newer calfcheck is refused, never touched).
``describe_url`` shows a URL without its password (in the user part or the query string). An in-memory
SQLite database is refused (it would keep nothing); an SQLite file is created only in a folder that exists
(or the default one), readable by its owner only (0600), and only when the caller may create one
(``create=True``: adding an athlete, the app); a command that reads names the missing file instead of
quietly starting an empty database (a typo, or a database deleted or moved). ``StoreError`` carries one
sentence for the user; ``translate(exc, url)`` turns a driver's error (locked, read-only, unreachable, ...)
into one.

SQLite: foreign keys on, a busy timeout so a second writer waits instead of failing, and write
transactions opened with ``BEGIN IMMEDIATE`` (``writer(engine)``) so two processes saving at once queue
up rather than deadlock; WAL journal so readers never block the writer.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from vision.errors import CalfcheckError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DB_ENV = "CALFCHECK_DB"
BUSY_TIMEOUT_S = 30.0  # a batch's saves queue behind each other for at most this long


class StoreError(CalfcheckError):
    """The database cannot be used as asked; the message says why in one sentence."""


def default_sqlite_path() -> Path:
    return Path(platformdirs.user_data_dir("calfcheck", appauthor=False)) / "calfcheck.db"


def database_url(explicit: str | None = None) -> str:
    """``--db`` if given, else ``CALFCHECK_DB``, else SQLite in the user's data folder."""
    url = explicit or os.environ.get(DB_ENV)
    if url:
        return url
    return f"sqlite:///{default_sqlite_path()}"


def describe_url(url: str) -> str:
    """The URL as a user may see it in a message: no password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "(not a database URL)"
    secret = {k: "***" for k in parsed.query if "password" in k.lower() or k.lower() == "passfile"}
    shown = (parsed.update_query_dict(secret) if secret else parsed).render_as_string(hide_password=True)
    return shown.replace("%2A%2A%2A", "***")


def _alembic_config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def _sqlite_setup(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event below opens transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # A writer takes the write lock at once: two savers queue instead of both reading, then one failing.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writer") else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same database, for a transaction that will write (SQLite: ``BEGIN IMMEDIATE``)."""
    return engine.execution_options(writer=True)


def translate(exc: BaseException, url: str) -> StoreError:
    """A driver error in one sentence that says what to do; never the SQL or a password."""
    where = describe_url(url)
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else ""
    low = text.lower()
    if "locked" in low or "busy" in low:
        return StoreError(f"the database {where} is locked by another program; try again when it has finished")
    if "readonly" in low or "read-only" in low or "read only" in low:
        return StoreError(f"the database {where} is read-only; calfcheck cannot save to it")
    if "unable to open" in low:
        return StoreError(f"the database {where} cannot be opened (check that its folder exists and is writable)")
    if "not a database" in low or "malformed" in low:
        return StoreError(f"{where} is not a calfcheck database (the file is damaged or something else)")
    # The server answered (a wrong password, no such database) before "could not connect" wording wraps it.
    if "password authentication failed" in low or "authentication" in low or "no password supplied" in low:
        return StoreError(f"the database server at {where} refused the user name or password")
    if "does not exist" in low and "database" in low:
        return StoreError(f"the database named in {where} does not exist on that server")
    if "connection refused" in low or "could not connect" in low or "connection failed" in low:
        return StoreError(f"cannot reach the database server at {where}; is PostgreSQL running?")
    return StoreError(f"the database {where} failed: {text or type(exc).__name__}")


def connect(url: str | None = None, busy_timeout_s: float = BUSY_TIMEOUT_S, create: bool = True) -> Engine:
    """An engine on ``url`` (resolved by ``database_url``) with its schema at the newest migration.

    ``busy_timeout_s``: how long a save waits for another writer before reporting the database locked."""
    url = database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"'{describe_url(url)}' is not a database URL; use e.g. sqlite:///path/to/calfcheck.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from None
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and (not parsed.database or parsed.database == ":memory:" or "mode=memory" in str(parsed)):
        raise StoreError(
            "an in-memory database keeps nothing once calfcheck exits; give a file, e.g. sqlite:///path/calfcheck.db"
        )
    # An SQLite URI ("file:...?mode=ro&uri=true") names a file to open as is: never create folders from it.
    if sqlite and not parsed.database.startswith("file:"):
        path = Path(parsed.database).expanduser()
        _prepare_sqlite_file(path, default=url == f"sqlite:///{default_sqlite_path()}", create=create)
        if _read_only_place(path.parent):
            # SQLite's WAL needs its -shm file beside the database even to read: in a folder nobody can write
            # to, open the file read-only and immutable (nothing can change it there), so it can be read;
            # a save then says "read-only" in words.
            read_only = {"mode": "ro", "immutable": "1", "uri": "true"}
            parsed = parsed.set(database=f"file:{path.resolve()}", query=read_only)
    try:
        connect_args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StoreError(f"calfcheck has no driver for {describe_url(url)} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        _sqlite_setup(engine, busy_timeout_s)
    try:
        upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise translate(exc, url) from None
    return engine


def _prepare_sqlite_file(path: Path, default: bool, create: bool) -> None:
    """Create the default database's folder if needed; elsewhere a missing folder is a typo, said in one
    sentence rather than a new empty database somewhere unexpected. A new file is the owner's alone."""
    folder = path.parent
    if not create and not path.exists():
        raise StoreError(
            f"there is no calfcheck database at {path} yet; 'calfcheck athlete add NAME' starts one (or check --db)"
        )
    if not folder.is_dir():
        if not default:
            raise StoreError(f"there is no folder {folder} for the database {path.name}; check the path")
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # health data: the user's own folder
        except OSError as exc:
            raise StoreError(f"cannot create the database folder {folder}: {exc.strerror}") from None
    if not path.exists():
        # SQLite gives its journal and WAL files the same mode. A read-only folder: SQLite's own error says
        # so in words (translate).
        with contextlib.suppress(OSError):
            path.touch(mode=0o600, exist_ok=True)


def _read_only_place(folder: Path) -> bool:
    """A folder on a read-only file system (or one this user may not write to)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)
    except OSError:
        return False


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return MigrationContext.configure(conn).get_current_revision()
        except CommandError:  # two rows in alembic_version: not something calfcheck wrote
            raise StoreError(
                f"the database {describe_url(str(engine.url))} has a damaged version table (more than one "
                "schema version); restore it from a backup"
            ) from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision``; refuse a database whose schema is newer than this calfcheck."""
    script = ScriptDirectory.from_config(_alembic_config(None))
    found = current_revision(engine)
    if found is not None and found not in {s.revision for s in script.walk_revisions()}:
        raise StoreError(
            f"the database {describe_url(str(engine.url))} was made by a newer calfcheck (schema {found}); "
            "update calfcheck to use it"
        )
    if found == script.get_current_head() and revision == "head":
        return
    sqlite = engine.url.get_backend_name() == "sqlite"
    with writer(engine).connect() as conn:
        if sqlite:
            # A migration that rebuilds a table (SQLite cannot alter a constraint in place) drops the old
            # one: with foreign keys on, ON DELETE CASCADE would empty every child table with it. SQLite's
            # own procedure: keys off outside the transaction, rebuild, check, commit (sqlite.org/lang_altertable).
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                command.upgrade(_alembic_config(conn), revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise StoreError("upgrading the database would break its links between tables; nothing was changed")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        raw = engine.raw_connection()  # outside any transaction: SQLite cannot change journal mode inside one
        try:
            raw.cursor().execute("PRAGMA journal_mode=WAL")
        finally:
            raw.close()
