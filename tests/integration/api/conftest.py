"""API test fixtures: a server context on a temporary data dir, and clients with and without a token."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.api.app import DEFAULT_ROUTERS
from slogate.server_context import ServerContext
from slogate.settings import Settings
from tests.support.engines import dispose_engine
from tests.support.postgres import needs_postgres

TOKEN = "test-token-0123456789abcdefghijklmnopqrstuvw"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=needs_postgres),
    ]
)
def context(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerContext]:
    """A server context with its data (token hash, keys, SQLite) under a temporary directory, on
    SQLite or on a new database of the session's throwaway PostgreSQL."""
    database_url, server, name = "", None, ""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        name = server.create_database("template0")
        database_url = server.url(name)
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, api_token=TOKEN)  # type: ignore[arg-type]
    built = bootstrap.server_context(settings)
    try:
        yield built
    finally:
        dispose_engine(built)
        built.close()
        if server is not None:
            server.drop_database(name)


@pytest.fixture
def make_client(context: ServerContext) -> Iterator[Callable[..., TestClient]]:
    """Build a TestClient for ``context`` with the given routers (default: all), sending the token."""
    clients: list[TestClient] = []

    def make(routers: Sequence[APIRouter] = DEFAULT_ROUTERS, token: str | None = TOKEN) -> TestClient:
        client = TestClient(bootstrap.api_app(context, routers), raise_server_exceptions=True)
        if token is not None:
            client.headers["x-token"] = token
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the full app that sends the right token."""
    return make_client()


@pytest.fixture
def anonymous(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the full app without a token."""
    return make_client(token=None)
