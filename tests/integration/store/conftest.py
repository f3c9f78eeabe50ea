"""Fixtures of the store tests: a migrated database per test on each backend, disposed afterwards.

``database_url`` is parametrised: ``sqlite`` (a file in the test's directory) and ``postgresql`` (a
new database on the session's throwaway server, see ``tests/support/postgres.py``), so every test
that uses it, ``engine`` or ``store`` runs on both. A test about SQLite only narrows it with
``@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)``, which overrides the fixture's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from tests.support.postgres import PostgresServer, needs_postgres

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=needs_postgres),
]


@pytest.fixture(scope="session")
def postgres_migrated_template(postgres_server: PostgresServer) -> str:
    """The name of a PostgreSQL database migrated to head once per session, nobody connected to it."""
    name = postgres_server.create_database()
    engine = open_database(postgres_server.url(name))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return name


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new database: a SQLite file (not created yet) in a directory that does not exist
    yet, or a new PostgreSQL database, dropped after the test.

    The PostgreSQL database is empty, except for tests that use ``engine``: they get a copy of
    :func:`postgres_migrated_template` (``upgrade`` then finds it at head), since migrating every
    test's database from scratch takes longer than most tests (the migration tests start empty).
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'slogate.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template = "template0"
    if "engine" in request.fixturenames:
        template = request.getfixturevalue("postgres_migrated_template")
    name = server.create_database(template)
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a freshly migrated database; disposed after the test."""
    engine = open_database(database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlEventStore:
    """The event store over ``engine``."""
    return SqlEventStore(engine)
