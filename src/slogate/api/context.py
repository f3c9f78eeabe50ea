"""The FastAPI dependency that hands a request handler the server's context (``slogate.server_context``)."""

from __future__ import annotations

from fastapi import Request

from slogate.server_context import ServerContext

__all__ = ["ServerContext", "server_context"]


async def server_context(request: Request) -> ServerContext:
    """FastAPI dependency: the context of the app serving ``request`` (async: no thread hop)."""
    context: ServerContext = request.app.state.context
    return context
