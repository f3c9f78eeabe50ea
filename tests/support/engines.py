"""A test's own SQLAlchemy engine on a server context's database (the context holds none)."""

from __future__ import annotations

from sqlalchemy import Engine

from slogate.adapters.store.database import open_database
from slogate.server_context import ServerContext

_OPEN: dict[int, Engine] = {}


def engine_of(context: ServerContext) -> Engine:
    """An engine on ``context``'s database, the same one for every call; ``dispose_engine`` ends it."""
    engine = _OPEN.get(id(context))
    if engine is None:
        engine = _OPEN[id(context)] = open_database(context.settings.database())
    return engine


def dispose_engine(context: ServerContext) -> None:
    """Close the engine ``engine_of(context)`` opened, if any."""
    engine = _OPEN.pop(id(context), None)
    if engine is not None:
        engine.dispose()
