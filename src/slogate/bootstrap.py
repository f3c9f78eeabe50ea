"""The composition root: builds stores and providers from settings; nothing else wires objects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from slogate.adapters.api_token import ApiTokens
from slogate.adapters.plugins import SLI_PROVIDERS, load_plugin
from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.api.context import ServerContext
from slogate.ports import EventStore, ProviderOptions, SLIProvider, SLIProviderFactory
from slogate.settings import Settings


@contextmanager
def open_store(settings: Settings, db_path: Path | None = None) -> Iterator[EventStore]:
    """The event store (``--db``, else ``SLOGATE_DATABASE_URL``, else the data dir), migrated;
    its connections are closed when the block ends."""
    engine = open_database(settings.database(db_path))
    try:
        upgrade(engine)
        yield SqlEventStore(engine)
    finally:
        engine.dispose()


def sli_provider(name: str, options: ProviderOptions) -> SLIProvider:
    """The SLI provider registered as ``name`` (entry-point group ``slogate.sli_providers``)."""
    factory = cast(SLIProviderFactory, load_plugin(SLI_PROVIDERS, name))
    return factory(options)


def server_context(settings: Settings) -> ServerContext:
    """Everything the API server needs: migrated database, event store, API tokens."""
    engine = open_database(settings.database())
    upgrade(engine)
    tokens = ApiTokens(settings.data_dir, settings.api_token.get_secret_value())
    return ServerContext(settings=settings, engine=engine, store=SqlEventStore(engine), tokens=tokens)
