"""The composition root: builds the store, the services, the plugins and the server's app from settings;
nothing else wires objects."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from secrets import token_hex

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine

from slogate import __version__
from slogate.adapters.access_file import AccessFile
from slogate.adapters.api_token import ApiTokens
from slogate.adapters.executors.destination import allow_list_setting
from slogate.adapters.file_checks import CHECKS as FILE_CHECKS
from slogate.adapters.file_checks import query_checks
from slogate.adapters.oidc_provider import HttpOpenIdProvider, OidcConfig
from slogate.adapters.plugins import PluginRegistry
from slogate.adapters.secret_box import SecretBox
from slogate.adapters.session_files import DataDirSessionFiles, SharedSessionFiles
from slogate.adapters.shared_keys import check_keys
from slogate.adapters.store.access_repository import SqlAccessStore, SqlAuditStore
from slogate.adapters.store.catalog_repository import SqlCatalogStore
from slogate.adapters.store.database import open_database, schema_problem, upgrade
from slogate.adapters.store.delivery_repository import SqlDeliveryLog
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.idempotency_repository import SqlIdempotencyStore
from slogate.adapters.store.integration_repository import SqlIntegrationStore
from slogate.adapters.store.lease_repository import SqlLeaseStore
from slogate.adapters.store.log_repository import SqlIntegrationLogStore
from slogate.adapters.store.notifying import NotifyingEventStore
from slogate.adapters.store.replica_repository import SqlReplicaStore, SqlRevokedSessions
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.resource_problem_repository import SqlResourceProblemStore
from slogate.adapters.store.resource_repository import SqlResourceStore
from slogate.adapters.store.secret_repository import SqlSecretStore
from slogate.adapters.store.sequence_repository import SqlSequenceStore
from slogate.adapters.store.wakeups import PgWakeups
from slogate.adapters.yamlfile import load_document, load_plain
from slogate.api.app import DEFAULT_ROUTERS, create_app
from slogate.api.auth import FailureLimiter
from slogate.domain.protocol.evaluation_flow import DEFAULT_SLI_PROVIDER
from slogate.domain.sequencing.remediation import Limits
from slogate.errors import ConfigError
from slogate.ports import EventStore, PendingEvent, ProviderOptions, SLIProvider, SLIProviderFactory
from slogate.ports.executors import ExecutorEnvironment
from slogate.ports.sessions import SessionFiles
from slogate.server_context import ServerContext
from slogate.services.keptn.approval_service import ApprovalService
from slogate.services.keptn.catalog_projector import CatalogProjector
from slogate.services.keptn.executor_coverage import ExecutorCoverage
from slogate.services.keptn.executor_runner import ExecutorLookup, ExecutorRunner
from slogate.services.keptn.get_sli_service import SLIService
from slogate.services.keptn.lighthouse_service import Lighthouse
from slogate.services.keptn.remediation_service import RemediationService
from slogate.services.keptn.shipyard_controller import SequenceService
from slogate.services.runtime.dispatcher import Dispatcher, Listener, Subscriber
from slogate.services.runtime.group_commit import GroupCommit
from slogate.services.runtime.intake import EventIntake
from slogate.services.runtime.metrics import ServerMetrics
from slogate.services.usecases.access import AccessService
from slogate.services.usecases.audit import AuditLog
from slogate.services.usecases.catalog import CatalogService
from slogate.services.usecases.dora import DoraReports
from slogate.services.usecases.integration_logs import IntegrationLogService
from slogate.services.usecases.integrations import IntegrationService
from slogate.services.usecases.replicas import ReplicaService
from slogate.services.usecases.resource_checks import FileChecks, UploadChecks
from slogate.services.usecases.resource_events import ResourceListeners
from slogate.services.usecases.resources import ResourceService
from slogate.services.usecases.secrets import SecretService
from slogate.services.usecases.sequence_queries import SequenceQueries
from slogate.settings import Settings
from slogate.web import login
from slogate.web.app import install_bridge
from slogate.web.session import SessionKeys


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
    """The SLI provider registered as ``name`` (entry-point group ``slogate.sli_providers``), checked
    (``slogate evaluate``: no executor runs, so the registry's executor environment is a placeholder)."""
    return PluginRegistry(ExecutorEnvironment(Path(), _utc_now)).sli_provider(name, options)


def server_context(
    settings: Settings,
    provider_factory: SLIProviderFactory | None = None,
    executor_lookup: ExecutorLookup | None = None,
) -> ServerContext:
    """Everything the API server needs, wired: stores, services, the dispatcher with the sequence
    engine, the approval, remediation and SLI services, lighthouse and the built-in executors
    (``provider_factory``, ``executor_lookup``: replacements of the default SLI provider and of
    the registered executors, for tests)."""
    webhook_allow_list = allow_list_setting(settings.webhook_allow_list)  # checked before any work
    engine = open_database(settings.database())
    upgrade(engine)
    metrics = ServerMetrics()
    delivery_log = SqlDeliveryLog(engine)
    metrics.watch(delivery_log)
    registry = PluginRegistry(
        ExecutorEnvironment(settings.data_dir, _utc_now, webhook_allow_list),
        sli_providers={DEFAULT_SLI_PROVIDER: provider_factory} if provider_factory else None,
    )
    leases = replica_leases(settings, engine)  # None: one process (SQLite)
    sequence_store = SqlSequenceStore(engine, leases)
    dispatch_store = SqlDispatchStore(engine, leases)
    dispatcher = (
        Dispatcher(dispatch_store, [], _utc_now)
        if leases is None
        else Dispatcher(dispatch_store, [], _utc_now, REPLICA_POLL_SECONDS, leases, PgWakeups(engine))
    )
    store = NotifyingEventStore(engine, dispatcher.wake)
    catalog_store = SqlCatalogStore(engine)
    listeners = ResourceListeners()
    resources = ResourceService(
        SqlResourceStore(engine),
        catalog_store,
        settings.max_resource_size_kb * 1024,
        on_shipyard_written=listeners.shipyard_written,  # a user's shipyard.yaml: the catalog first
        on_changed=listeners.changed,
        check_files=UploadChecks(
            FileChecks(load_document, FILE_CHECKS, query_checks()), strict=settings.strict_uploads
        ).check,
        problems=SqlResourceProblemStore(engine),
    )
    catalog = CatalogService(
        catalog_store,
        store,
        load_document,
        on_project_deleted=partial(_forget_project, resources=resources, sequences=sequence_store),
        on_project_created=resources.init_project,
        on_shipyard_updated=resources.store_shipyard,
        on_service_changed=(resources.init_service, resources.remove_service),
    )
    listeners.keep_shipyards(catalog)
    try:
        box, session_files = _keys(settings, engine)
    except ConfigError:  # keys missing or not the other replicas': nothing runs, nothing stays open
        engine.dispose()
        raise
    secrets = SecretService(SqlSecretStore(engine, box))
    replica_store = SqlReplicaStore(engine)
    replicas = ReplicaService(
        replica_store, settings.replica_name, __version__, _utc_now, partial(schema_problem, engine)
    )
    integrations = IntegrationService(
        SqlIntegrationStore(engine), settings.integration_ttl, _utc_now, replicas=replicas
    )
    executors = ExecutorRunner(
        store,
        resources,
        secrets,
        executor_lookup or registry.executor,
        load_plain,
        _utc_now,
        resources.mentions,
        sequence_store.sent_tasks,
        hand_over=leases is not None,
    )
    listeners.cache(executors)
    subscribers: list[Subscriber] = [
        executors,
        ApprovalService(_utc_now),
        Lighthouse(store, resources, secrets, settings, load_document, _utc_now),
        SLIService(resources, secrets, settings, registry, load_document, _utc_now, store),
        RemediationService(store, resources, load_document, _remediation_limits(settings), _utc_now),
    ]  # fmt: skip
    sequences = SequenceService(
        sequence_store,
        catalog.shipyard,
        resources.stage_revision,
        ExecutorCoverage(executors, dispatcher, integrations).takes,
        now=_utc_now,
        task_timeout=timedelta(seconds=settings.task_timeout),
        started_task_timeout=timedelta(seconds=settings.started_task_timeout),
        wake=dispatcher.wake,
        replicas=leases is not None,
    )
    projector = CatalogProjector(catalog.note_events, store, partial(_complete, dispatch_store))
    listeners_in_order: list[Listener] = [sequences, projector, *subscribers]
    for listener in listeners_in_order:
        dispatch_store.start_at_end(listener.name)
        dispatcher.subscribe(listener)
    tokens = ApiTokens(settings.data_dir, settings.api_token.get_secret_value())
    if leases is not None:
        metrics.watch_leases(leases, [listener.name for listener in listeners_in_order])
    return ServerContext(
        settings=settings,
        store=store,
        documents=load_document,
        intake=EventIntake(GroupCommit(store), metrics.event_accepted),
        tokens=tokens,
        metrics=metrics,
        catalog=catalog,
        resources=resources,
        secrets=secrets,
        dispatcher=dispatcher,
        executors=executors,
        integrations=integrations,
        sequences=sequences,
        sequence_queries=SequenceQueries(sequence_store, store, catalog_store),
        idempotency=SqlIdempotencyStore(engine),
        on_close=engine.dispose,
        logs=IntegrationLogService(SqlIntegrationLogStore(engine), _utc_now),
        dora=DoraReports(delivery_log, catalog.shipyard, _utc_now),
        access=AccessService(SqlAccessStore(engine), tokens, _utc_now),
        audit=AuditLog(SqlAuditStore(engine), _utc_now),
        replicas=replicas,
        session_files=session_files,
    )


def api_app(context: ServerContext, routers: Sequence[APIRouter] = DEFAULT_ROUTERS) -> FastAPI:
    """Keptn's API under /api for ``context`` (``routers``: a subset, for tests)."""
    settings = context.settings
    limiter = FailureLimiter(settings.auth_failures_per_second, settings.auth_failure_burst)
    return create_app(context, routers, limiter=limiter)


def server_app(context: ServerContext) -> FastAPI:
    """The whole server: Keptn's API under /api and the Bridge under /bridge."""
    app = api_app(context)
    settings = context.settings
    idle = int(settings.bridge_idle_minutes * 60)
    files = context.session_files or DataDirSessionFiles(settings.data_dir)
    shared = isinstance(files, SharedSessionFiles)  # other replicas log out too: read their revocations
    keys = SessionKeys(
        files, partial(login.credentials, context), idle_seconds=idle, cache_revoked=not shared
    )
    # failed Bridge logins have a limiter of their own, apart from the API's
    logins = FailureLimiter(settings.auth_failures_per_second, settings.auth_failure_burst)
    access = AccessFile(settings.access_file)
    access.check()
    install_bridge(app, keys, logins, oidc_provider(settings), access.grants_for_subjects)
    return app


def oidc_provider(settings: Settings) -> HttpOpenIdProvider | None:
    """The Bridge's OpenID provider from SLOGATE_OIDC_*, None while SLOGATE_OIDC_ISSUER is empty;
    ConfigError for an incomplete configuration."""
    issuer = settings.oidc_issuer.strip()
    if not issuer:
        return None
    if not issuer.startswith(("https://", "http://")):
        raise ConfigError(f"SLOGATE_OIDC_ISSUER: {issuer!r} is not an http(s) URL")
    if not settings.oidc_client_id:
        raise ConfigError(
            "SLOGATE_OIDC_CLIENT_ID is needed with SLOGATE_OIDC_ISSUER: the client registered at the provider"
        )
    secret = settings.oidc_client_secret.get_secret_value()
    if settings.oidc_client_secret_file is not None:
        try:
            secret = settings.oidc_client_secret_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(
                f"SLOGATE_OIDC_CLIENT_SECRET_FILE: cannot read {settings.oidc_client_secret_file}: {error}"
            ) from None
    if "openid" not in settings.oidc_scopes.split():
        raise ConfigError(f"SLOGATE_OIDC_SCOPES: {settings.oidc_scopes!r} lacks 'openid'")
    config = OidcConfig(
        issuer=issuer,
        client_id=settings.oidc_client_id,
        client_secret=secret,
        scopes=settings.oidc_scopes,
        groups_claim=settings.oidc_groups_claim,
        username_claim=settings.oidc_username_claim,
        display_name=settings.oidc_name,
    )
    return HttpOpenIdProvider(config)


def _keys(settings: Settings, engine: Engine) -> tuple[SecretBox, SessionFiles]:
    """The secrets box and the Bridge's session files: from the data dir (one process on SQLite, as
    ever, or from SLOGATE_KEY_DIR); on a shared database (PostgreSQL) checked against the keys of the
    other replicas, with the logged-out sessions kept in the database for all of them."""
    key_dir = settings.key_dir
    box = SecretBox.in_key_dir(key_dir) if key_dir else SecretBox.in_data_dir(settings.data_dir)
    files = DataDirSessionFiles(settings.data_dir, key_dir)
    if engine.dialect.name == "sqlite":  # one process: logouts stay in the data dir
        return box, files
    check_keys(box, files, SqlReplicaStore(engine))
    return box, SharedSessionFiles(files, SqlRevokedSessions(engine))


REPLICA_POLL_SECONDS = 1.0  # replicas: a poll fallback behind LISTEN/NOTIFY


def replica_leases(settings: Settings, engine: Engine) -> SqlLeaseStore | None:
    """On PostgreSQL, the leases of this replica (its name, made unique per process start); none on
    SQLite, where one process runs everything."""
    if engine.dialect.name != "postgresql":
        return None
    if settings.lease_heartbeat >= settings.lease_ttl:
        raise ConfigError(
            f"SLOGATE_LEASE_HEARTBEAT ({settings.lease_heartbeat:g}) must be less than SLOGATE_LEASE_TTL "
            f"({settings.lease_ttl:g}): a lease must be renewed before it expires (e.g. 5 and 15)"
        )
    holder = f"{settings.replica_name}#{token_hex(4)}"
    return SqlLeaseStore(engine, holder, settings.lease_ttl, settings.lease_heartbeat)


def _forget_project(project: str, *, resources: ResourceService, sequences: SqlSequenceStore) -> None:
    """A deleted project leaves no resources and no sequences behind (a new one starts empty)."""
    resources.purge_project(project)
    sequences.delete_project(project)


def _complete(dispatch_store: SqlDispatchStore, name: str, last: PendingEvent) -> None:
    """Move listener ``name``'s cursor past ``last`` (nothing left pending)."""
    dispatch_store.complete(name, last, ())


def _remediation_limits(settings: Settings) -> Limits:
    """The bounds of one remediation: SLOGATE_REMEDIATION_MAX_LOOPS, SLOGATE_REMEDIATION_TIME_BUDGET."""
    budget = timedelta(seconds=settings.remediation_time_budget)
    return Limits(max_loops=settings.remediation_max_loops, time_budget=budget)


def _utc_now() -> datetime:
    return datetime.now(UTC)
