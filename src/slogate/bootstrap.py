"""The composition root: builds stores and providers from settings; nothing else wires objects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from slogate.adapters.api_token import ApiTokens
from slogate.adapters.plugins import SLI_PROVIDERS, load_plugin
from slogate.adapters.secret_box import SecretBox
from slogate.adapters.store.catalog_repository import SqlCatalogStore
from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.notifying import NotifyingEventStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.resource_repository import SqlResourceStore
from slogate.adapters.store.secret_repository import SqlSecretStore
from slogate.adapters.yamlfile import load_document
from slogate.api.context import ServerContext
from slogate.api.telemetry import ServerMetrics
from slogate.ports import EventStore, ProviderOptions, SLIProvider, SLIProviderFactory
from slogate.services.catalog import CatalogService
from slogate.services.dispatch import Dispatcher, Subscriber
from slogate.services.evaluation_sequence import EvaluationSequence
from slogate.services.lighthouse import Lighthouse
from slogate.services.resources import ResourceService
from slogate.services.secrets import SecretService
from slogate.services.sli_service import SLIService
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
    """Everything the API server needs, wired: stores, services, the dispatcher with lighthouse."""
    engine = open_database(settings.database())
    upgrade(engine)
    metrics = ServerMetrics()
    dispatch_store = SqlDispatchStore(engine)
    dispatcher = Dispatcher(dispatch_store, [], _utc_now)
    store = NotifyingEventStore(engine, dispatcher.wake)
    catalog_store = SqlCatalogStore(engine)
    resources = ResourceService(SqlResourceStore(engine), catalog_store, settings.max_resource_size_kb * 1024)
    secrets = SecretService(SqlSecretStore(engine, SecretBox.in_data_dir(settings.data_dir)))
    subscribers: list[Subscriber] = [
        EvaluationSequence(store, _utc_now),
        Lighthouse(
            store, resources, secrets, settings, load_document, _utc_now,
            on_finished=lambda result: metrics.evaluations.labels(result).inc(),
        ),
        SLIService(resources, secrets, settings, _provider_factory, load_document, _utc_now),
    ]  # fmt: skip
    for subscriber in subscribers:
        dispatch_store.start_at_end(subscriber.name)
        dispatcher.subscribe(subscriber)
    return ServerContext(
        settings=settings,
        engine=engine,
        store=store,
        tokens=ApiTokens(settings.data_dir, settings.api_token.get_secret_value()),
        metrics=metrics,
        catalog=CatalogService(
            catalog_store, store, load_document, on_project_deleted=resources.purge_project
        ),
        resources=resources,
        secrets=secrets,
        dispatcher=dispatcher,
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _provider_factory(options: ProviderOptions) -> SLIProvider:
    return sli_provider("prometheus", options)
