"""What every request handler can reach: settings, the database engine, the event store, the tokens."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from slogate.adapters.api_token import ApiTokens
from slogate.ports import EventStore
from slogate.settings import Settings


@dataclass(frozen=True)
class ServerContext:
    """The server's long-lived objects, built once by :mod:`slogate.bootstrap`."""

    settings: Settings
    engine: Engine
    store: EventStore
    tokens: ApiTokens


def server_context(request: Request) -> ServerContext:
    """FastAPI dependency: the context of the app serving ``request``."""
    context: ServerContext = request.app.state.context
    return context
