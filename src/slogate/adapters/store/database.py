"""Opening the database (SQLite file by default, PostgreSQL by URL) and migrating it to the current schema."""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from slogate.adapters.private_files import private_directory, touch_private
from slogate.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
URL_EXAMPLES = "sqlite:///path/to/slogate.db or postgresql+psycopg://user:password@host:5432/slogate"
_WRITE_OPTION = "slogate_write"  # execution option of write transactions
MIGRATION_LOCK = 0x736C6F67617465  # "slogate": the advisory lock replicas starting together queue on
# PostgreSQL: a dead peer's connection is noticed within about a minute (TCP keepalives), a connection
# attempt gives up after 10 s, and a pooled connection is tested before use (a restarted server)
_LIBPQ_ARGS = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
               "keepalives_count": 3}  # fmt: skip
_DRIVER_PACKAGES = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary", "asyncpg": "asyncpg"}


def open_database(url: str) -> Engine:
    """An engine for ``url`` whose database is reachable; ``ConfigError`` with the fix otherwise.

    SQLite: the file's directory is created (mode 0700) and the file (mode 0600), and every connection
    uses WAL journaling, foreign keys and a busy timeout; SQLAlchemy emits BEGIN itself so that SQLite
    transactions are real ones.
    """
    parsed = _parse(url)
    shown = _masked(parsed)
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        _create_parent_directory(parsed, shown)
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
        if _in_memory(parsed):
            connect_args["check_same_thread"] = False
            options["poolclass"] = StaticPool
    else:
        options["pool_pre_ping"] = True
        if _libpq(parsed):
            connect_args.update({key: value for key, value in _LIBPQ_ARGS.items() if key not in parsed.query})
    try:
        engine = create_engine(parsed, connect_args=connect_args, **options)
    except (ArgumentError, NoSuchModuleError) as error:
        raise ConfigError(
            f"unusable database URL {shown}: {_first_line(error)}; use a URL like {URL_EXAMPLES}"
        ) from None
    except ImportError as error:
        package = _DRIVER_PACKAGES.get(parsed.get_driver_name(), error.name or parsed.get_driver_name())
        raise ConfigError(
            f"cannot open the database {shown}: its driver is not installed; pip install '{package}'"
        ) from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        engine.dispose()
        raise ConfigError(f"cannot open the database {shown}: {_reason(error)}; {_fix(parsed)}") from None
    return engine


def upgrade(engine: Engine) -> None:
    """Apply every pending migration in one transaction; a database already at head is left alone.

    On PostgreSQL the transaction first takes an advisory lock, so that of several replicas starting
    together one migrates and the others wait, then find the schema current.
    """
    shown = _masked(engine.url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    except CommandError as error:
        raise ConfigError(
            f"cannot migrate the database {shown}: {_first_line(error)}; "
            "it was probably created by a newer slogate — upgrade slogate or use another database"
        ) from None
    except DBAPIError as error:
        raise ConfigError(
            f"cannot migrate the database {shown}: {_reason(error)}; {_fix(engine.url)}"
        ) from None


def schema_problem(engine: Engine) -> str | None:
    """Why the database cannot serve (it does not answer, or its schema is not the current one), or
    None when it can: the readiness of a replica."""
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except DBAPIError as error:
        return f"the database does not answer ({type(error.orig).__name__})"
    expected = _expected_heads()
    if current != expected:
        found = ", ".join(sorted(current)) or "none"
        return f"the database schema is at revision {found}, not {', '.join(sorted(expected))}"
    return None


@functools.cache
def _expected_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def alembic_config() -> Config:
    """Alembic's configuration built in code: the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        shown = re.sub(r":[^:/@]*@", ":***@", url)  # unparsed, so mask anything shaped like :password@
        raise ConfigError(
            f"unusable database URL {shown!r}: not a URL; use a URL like {URL_EXAMPLES}"
        ) from None


def _masked(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _in_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or url.query.get("mode") == "memory"


def _create_parent_directory(url: URL, shown: str) -> None:
    database = url.database or ""
    if _in_memory(url) or database.startswith("file:"):
        return
    directory = Path(database).parent
    try:
        private_directory(directory)
    except OSError as error:
        raise ConfigError(
            f"cannot create the directory {directory} of the database {shown}: "
            f"{error.strerror or error}; choose a writable location"
        ) from None
    try:
        touch_private(Path(database))  # SQLite gives its -wal and -shm files the database file's mode
    except OSError as error:
        raise ConfigError(
            f"cannot create the database file {database}: {error.strerror or error}; "
            "choose a writable location"
        ) from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (below), not the driver
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write transaction takes the write lock at BEGIN, waiting up to the busy timeout: a deferred
        # one that read first fails at once ("database is locked") when it then writes after another
        # connection committed, which the busy timeout cannot help. Reads stay deferred (WAL: no lock).
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _libpq(url: URL) -> bool:
    """Whether ``url``'s driver talks through libpq (psycopg 3 or 2), which takes keepalive options."""
    backend, _, driver = url.drivername.partition("+")
    return backend == "postgresql" and driver in ("", "psycopg", "psycopg2")


def _reason(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return _first_line(original if original is not None else error)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _fix(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "check that the path is a writable file location (not a directory)"
    return "check that the server is running and reachable, and the database, user and password exist"


class Sessions:
    """Sessions over one engine: ``()`` for reads, ``begin()`` for a write transaction.

    SQLite has one writer at a time. Its busy handler makes a waiting writer sleep in growing steps
    (1, 2, 5, 10… ms), so writers of this process queue on a lock instead and start the moment the
    previous one commits; other processes still meet the write lock taken at BEGIN.
    """

    def __init__(self, engine: Engine) -> None:
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._writer_engine = engine.execution_options(**{_WRITE_OPTION: True})
        self._write = sessionmaker(self._writer_engine, expire_on_commit=False)
        self._writers = _writer_lock(engine)

    def __call__(self) -> Session:
        """A session for reading (autobegins a deferred transaction)."""
        return self._read()

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A write transaction, committed at the end of the block (rolled back on an exception)."""
        with self._writers, self._write.begin() as session:
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A write transaction on a Core connection (no ORM session: cheaper for plain inserts),
        under the same writer lock as ``begin``; committed at the end (rolled back on an exception)."""
        with self._writers, self._writer_engine.begin() as connection:
            yield connection


_WRITER_LOCKS: weakref.WeakKeyDictionary[Engine, AbstractContextManager[Any]] = weakref.WeakKeyDictionary()


def _writer_lock(engine: Engine) -> AbstractContextManager[Any]:
    """One lock per SQLite engine (re-entrant: a writer may call another store); none elsewhere."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    return _WRITER_LOCKS.setdefault(engine, threading.RLock())
