"""Fixtures of the store tests: a migrated SQLite database file per test, disposed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The URL of a SQLite file (not created yet) in a directory that does not exist yet."""
    return f"sqlite:///{tmp_path / 'data' / 'slogate.db'}"


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
