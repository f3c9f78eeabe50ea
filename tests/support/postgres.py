"""Real PostgreSQL for tests: a throwaway cluster on a free 127.0.0.1 port, removed afterwards.

:func:`start_postgres` runs Debian's (or any) ``initdb`` into a fresh temporary directory and starts
the server with ``pg_ctl``: TCP on 127.0.0.1 only, its socket inside that directory, ``trust``
authentication for the superuser ``slogate``, UTF-8, no fsync. As root it runs them as the
``postgres`` system user (PostgreSQL refuses to run as root), who then owns the directory. Like many
production servers, and unlike SQLite, it sorts text linguistically (ICU's ``en-US``), and its time
zone is not UTC: the store must not depend on either.

Pytest fixtures (enabled in ``tests/conftest.py``): ``postgres_server`` (session; the running
cluster) and ``postgres_database_url`` (a new empty database per test, dropped afterwards; a
SQLAlchemy URL ``postgresql+psycopg://slogate@127.0.0.1:<port>/test_<n>``). Tests that need them
carry the :data:`needs_postgres` mark: they skip where PostgreSQL or psycopg is not installed, except
in CI (``CI`` set), where they fail instead.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.prometheus import free_port

if TYPE_CHECKING:
    import psycopg  # a dev dependency: imported where used, so that its absence only skips

DEBIAN_ROOT = Path("/usr/lib/postgresql")  # Debian: /usr/lib/postgresql/<major>/bin
SERVER_USER = "postgres"  # the system user Debian's package creates; used when running as root
SUPERUSER = "slogate"
SERVER_TIMEZONE = "Asia/Kolkata"  # +05:30, no daylight saving: anything but UTC
BINARIES = ("initdb", "pg_ctl", "postgres")
# a superuser without password on an empty cluster, UTF-8
INITDB_OPTIONS = ("-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--no-sync")
# text sorts as on a typical production server (linguistically, not bytewise), from ICU (PostgreSQL
# 15 and later), so that it does not depend on the locales the machine has; older ones sort bytewise
ICU_COLLATION = ("--locale-provider=icu", "--icu-locale=en-US", "--locale=C")
# the data is thrown away: no crash safety needed
SERVER_OPTIONS = "-c fsync=off -c full_page_writes=off"


def _version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name)) or (0,)


def find_bindir() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``: Debian's newest, else ``PATH``'s."""
    debian = sorted((path.parent for path in DEBIAN_ROOT.glob("*/bin/initdb")), key=_version)
    candidates = [*reversed(debian)]
    on_path = shutil.which("initdb")
    if on_path is not None:
        candidates.append(Path(on_path).resolve().parent)
    for bindir in candidates:
        if all((bindir / name).is_file() for name in BINARIES):
            return bindir
    return None


def _missing() -> list[str]:
    missing = []
    if find_bindir() is None:
        missing.append("PostgreSQL's initdb, pg_ctl and postgres (apt-get install postgresql)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            missing.append(f"the {SERVER_USER} system user to run the server as (apt-get install postgresql)")
    if importlib.util.find_spec("psycopg") is None:
        missing.append("the psycopg driver (pip install 'psycopg[binary]')")
    return missing


MISSING = _missing()
MISSING_REASON = f"missing {' and '.join(MISSING) or 'nothing'}; with CI set, these tests fail instead"
needs_postgres = pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"), reason=MISSING_REASON)


@dataclass
class PostgresServer:
    """A running throwaway PostgreSQL cluster and how to reach it."""

    port: int
    directory: Path
    bindir: Path
    host: str = "127.0.0.1"
    _admin: psycopg.Connection[Any] | None = field(default=None, repr=False)  # to the postgres database
    _names: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run ``sql`` outside a transaction in the ``postgres`` database (CREATE/DROP DATABASE)."""
        if self._admin is None:
            import psycopg

            self._admin = psycopg.connect(
                host=self.host, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
            )
        self._admin.execute(sql)

    def create_database(self, template: str = "template0") -> str:
        """A new database, a copy of ``template`` (by default an empty one); its name.

        Nobody may be connected to ``template`` meanwhile (PostgreSQL waits up to 5 s, then fails).
        """
        name = f"test_{next(self._names)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending the connections a test may have left open."""
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def log(self) -> str:
        """What the server wrote to its log so far."""
        path = self.directory / "postgres.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop the server at once (its data is thrown away) and remove its directory."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        _stop(self.bindir, self.directory)
        shutil.rmtree(self.directory, ignore_errors=True)


def _as_server_user(command: Sequence[str | Path]) -> list[str]:
    arguments = [str(part) for part in command]
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *arguments]
    return arguments


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    return subprocess.run(
        _as_server_user(command),
        cwd=cwd,
        env={**environment, "LC_ALL": "C"},
        capture_output=True,
        text=True,
        check=False,
    )


def _major(bindir: Path) -> int:
    """The major version of the PostgreSQL in ``bindir`` (``initdb (PostgreSQL) 15.14`` gives 15)."""
    found = re.search(r"(\d+)", _run(bindir / "initdb", "--version", cwd=Path("/")).stdout)
    return int(found.group(1)) if found else 0


def _stop(bindir: Path, directory: Path) -> None:
    """Stop the cluster in ``directory`` without a checkpoint, if it runs."""
    if (directory / "data" / "postmaster.pid").exists():
        _run(bindir / "pg_ctl", "stop", "-w", "-D", directory / "data", "-m", "immediate", cwd=directory)


def start_postgres(ready_timeout: float = 30.0) -> PostgresServer:
    """Create a cluster in a new temporary directory, start it on a free port, wait until it answers."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL's initdb not found: apt-get install postgresql")
    directory = Path(tempfile.mkdtemp(prefix="slogate-postgres-"))  # short: the socket path is limited
    try:
        (directory / "socket").mkdir()
        if os.geteuid() == 0:
            for path in (directory, directory / "socket"):
                shutil.chown(path, SERVER_USER, SERVER_USER)
        data, log = directory / "data", directory / "postgres.log"
        collation = ICU_COLLATION if _major(bindir) >= 15 else ("--no-locale",)
        created = _run(bindir / "initdb", "-D", data, *INITDB_OPTIONS, *collation, cwd=directory)
        if created.returncode != 0:
            raise RuntimeError(f"initdb failed ({created.returncode}): {created.stderr or created.stdout}")
        for _attempt in range(3):  # the free port may be taken again before the server binds it
            server = PostgresServer(free_port(), directory, bindir)
            options = (
                f"-p {server.port} -k {directory / 'socket'} -c listen_addresses={server.host} "
                f"-c TimeZone={SERVER_TIMEZONE} {SERVER_OPTIONS}"
            )
            wait = ("-w", "-t", str(int(ready_timeout)))
            started = _run(
                bindir / "pg_ctl", "start", *wait, "-D", data, "-l", log, "-o", options, cwd=directory
            )
            if started.returncode == 0 and _wait_ready(server, ready_timeout):
                return server
            _stop(bindir, directory)
            if "already in use" not in server.log():
                break
        raise RuntimeError(f"PostgreSQL did not start; its log:\n{server.log()[-3000:]}")
    except BaseException:
        _stop(bindir, directory)
        shutil.rmtree(directory, ignore_errors=True)
        raise


def _wait_ready(server: PostgresServer, timeout: float) -> bool:
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            server.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            time.sleep(0.05)
    return False


def _require_binaries() -> None:
    if MISSING:
        pytest.fail(f"these tests need a real PostgreSQL: {MISSING_REASON}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the whole session; stopped and removed at the end."""
    _require_binaries()
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new empty database on :func:`postgres_server`, dropped after the test."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
