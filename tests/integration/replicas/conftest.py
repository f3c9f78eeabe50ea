"""Fixtures of the replica tests: server contexts ("replicas") on one new PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from slogate import bootstrap
from slogate.server_context import ServerContext
from slogate.settings import Settings
from tests.support.engines import dispose_engine
from tests.support.postgres import PostgresServer

TOKEN = "test-token-0123456789abcdefghijklmnopqrstuvw"
MakeReplica = Callable[..., ServerContext]


@pytest.fixture
def shared_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new empty PostgreSQL database the replicas of a test share."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def make_replica(tmp_path: Path) -> Iterator[MakeReplica]:
    """Build a replica: its own data dir ``tmp_path/<name>``, the database URL and key dir given."""
    built: list[ServerContext] = []

    def make(name: str, url: str, key_dir: Path | None = None) -> ServerContext:
        settings = Settings(
            data_dir=tmp_path / name.replace(":", "-"),
            database_url=url,
            api_token=TOKEN,  # type: ignore[arg-type]
            key_dir=key_dir,
            replica_name=name,
        )
        context = bootstrap.server_context(settings)
        built.append(context)
        return context

    yield make
    for context in built:
        dispose_engine(context)
        context.close()
