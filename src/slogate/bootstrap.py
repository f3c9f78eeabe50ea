"""The composition root: builds stores and providers from settings; nothing else wires objects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from slogate.adapters.api_token import ApiTokens
from slogate.adapters.plugins import EXECUTORS, SLI_PROVIDERS, load_plugin
from slogate.adapters.secret_box import SecretBox
from slogate.adapters.store.catalog_repository import SqlCatalogStore
from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.integration_repository import SqlIntegrationStore
from slogate.adapters.store.notifying import NotifyingEventStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.resource_repository import SqlResourceStore
from slogate.adapters.store.secret_repository import SqlSecretStore
from slogate.adapters.store.sequence_repository import SqlSequenceStore
from slogate.adapters.yamlfile import load_document, load_plain
from slogate.api.context import ServerContext
from slogate.api.telemetry import ServerMetrics
from slogate.ports import EventStore, ProviderOptions, SLIProvider, SLIProviderFactory
from slogate.ports.executors import ExecutorEnvironment, ExecutorFactory, TaskExecutor
from slogate.services.keptn.approval_service import ApprovalService
from slogate.services.keptn.catalog_projector import CatalogProjector
from slogate.services.keptn.executor_coverage import ExecutorCoverage
from slogate.services.keptn.executor_runner import ExecutorLookup, ExecutorRunner
from slogate.services.keptn.get_sli_service import SLIService
from slogate.services.keptn.lighthouse_service import Lighthouse
from slogate.services.keptn.shipyard_controller import SequenceService
from slogate.services.runtime.dispatcher import Dispatcher, Listener, Subscriber
from slogate.services.usecases.catalog import CatalogService
from slogate.services.usecases.integrations import IntegrationService
from slogate.services.usecases.resources import ResourceService
from slogate.services.usecases.secrets import SecretService
from slogate.services.usecases.sequence_queries import SequenceQueries
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


def task_executor(name: str, environment: ExecutorEnvironment) -> TaskExecutor:
    """The executor registered as ``name`` (entry-point group ``slogate.executors``)."""
    factory = cast(ExecutorFactory, load_plugin(EXECUTORS, name))
    return factory(environment)


def server_context(
    settings: Settings,
    provider_factory: SLIProviderFactory | None = None,
    executor_lookup: ExecutorLookup | None = None,
) -> ServerContext:
    """Everything the API server needs, wired: stores, services, the dispatcher with the sequence
    engine, the approval service, lighthouse, the SLI service and the built-in executors
    (``provider_factory``, ``executor_lookup``: replacements of the configured SLI provider and of
    the registered executors, for tests)."""
    engine = open_database(settings.database())
    upgrade(engine)
    metrics = ServerMetrics()
    sequence_store = SqlSequenceStore(engine)
    dispatch_store = SqlDispatchStore(engine)
    dispatcher = Dispatcher(dispatch_store, [], _utc_now)
    store = NotifyingEventStore(engine, dispatcher.wake)
    catalog_store = SqlCatalogStore(engine)
    resources = ResourceService(
        SqlResourceStore(engine),
        catalog_store,
        settings.max_resource_size_kb * 1024,
        # a user's write of shipyard.yaml goes to the catalog first; bound late: it is built below
        on_shipyard_written=lambda project, text: catalog.replace_shipyard(project, text),
        on_changed=lambda: executors.forget(),  # bound late too
    )
    catalog = CatalogService(
        catalog_store,
        store,
        load_document,
        on_project_deleted=lambda project: _forget_project(project, resources, sequence_store),
        on_project_created=resources.init_project,
        on_shipyard_updated=resources.store_shipyard,
    )
    secrets = SecretService(SqlSecretStore(engine, SecretBox.in_data_dir(settings.data_dir)))
    integrations = IntegrationService(SqlIntegrationStore(engine), settings.integration_ttl, _utc_now)
    environment = ExecutorEnvironment(settings.data_dir, _utc_now)
    executors = ExecutorRunner(
        store,
        resources,
        secrets,
        executor_lookup or (lambda name: task_executor(name, environment)),
        load_plain,
        _utc_now,
        resources.mentions,
    )
    subscribers: list[Subscriber] = [
        executors,
        ApprovalService(_utc_now),
        Lighthouse(
            store, resources, secrets, settings, load_document, _utc_now,
            on_finished=lambda result: metrics.evaluations.labels(result).inc(),
        ),
        SLIService(
            resources, secrets, settings, provider_factory or _provider_factory, load_document, _utc_now
        ),
    ]  # fmt: skip
    sequences = SequenceService(
        sequence_store,
        catalog.shipyard,
        resources.stage_revision,
        ExecutorCoverage(executors, dispatcher, integrations).takes,
        now=_utc_now,
        task_timeout=timedelta(seconds=settings.task_timeout),
        wake=dispatcher.wake,
    )
    projector = CatalogProjector(
        catalog.note_events, store, lambda name, last: dispatch_store.complete(name, last, ())
    )
    listeners: list[Listener] = [sequences, projector, *subscribers]
    for listener in listeners:
        dispatch_store.start_at_end(listener.name)
        dispatcher.subscribe(listener)
    return ServerContext(
        settings=settings,
        engine=engine,
        store=store,
        tokens=ApiTokens(settings.data_dir, settings.api_token.get_secret_value()),
        metrics=metrics,
        catalog=catalog,
        resources=resources,
        secrets=secrets,
        dispatcher=dispatcher,
        executors=executors,
        integrations=integrations,
        sequences=sequences,
        sequence_queries=SequenceQueries(sequence_store, store, catalog_store),
    )


def _forget_project(project: str, resources: ResourceService, sequences: SqlSequenceStore) -> None:
    """A deleted project leaves no resources and no sequences behind (a new one starts empty)."""
    resources.purge_project(project)
    sequences.delete_project(project)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _provider_factory(options: ProviderOptions) -> SLIProvider:
    return sli_provider("prometheus", options)
