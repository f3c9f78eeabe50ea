"""What the server's request handlers reach: settings, the event store, the use-case services, metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from slogate.domain.sequencing.engine_io import Command
from slogate.errors import NotFoundError
from slogate.ports import DocumentLoader, EventQueries, EventStore
from slogate.ports.idempotency import IdempotencyStore
from slogate.ports.sessions import SessionFiles
from slogate.ports.tokens import ApiTokenStore
from slogate.services.keptn.executor_runner import ExecutorRunner
from slogate.services.keptn.shipyard_controller import SequenceService
from slogate.services.runtime.dispatcher import Dispatcher
from slogate.services.runtime.intake import EventIntake
from slogate.services.runtime.metrics import ServerMetrics
from slogate.services.usecases.access import AccessService
from slogate.services.usecases.audit import AuditLog
from slogate.services.usecases.catalog import CatalogService
from slogate.services.usecases.dora import DoraReports
from slogate.services.usecases.integration_logs import IntegrationLogService
from slogate.services.usecases.integrations import IntegrationService
from slogate.services.usecases.problems import ProblemService
from slogate.services.usecases.replicas import ReplicaService
from slogate.services.usecases.resources import ResourceService
from slogate.services.usecases.secrets import SecretService
from slogate.services.usecases.sequence_queries import SequenceQueries
from slogate.settings import Settings


@dataclass(frozen=True)
class ServerContext:
    """The server's long-lived services and ports, built once by :func:`slogate.bootstrap.server_context`;
    ``close()`` releases the database connections."""

    settings: Settings
    store: EventStore
    documents: DocumentLoader
    intake: EventIntake
    tokens: ApiTokenStore
    metrics: ServerMetrics
    catalog: CatalogService
    resources: ResourceService
    secrets: SecretService
    dispatcher: Dispatcher
    executors: ExecutorRunner
    integrations: IntegrationService
    sequences: SequenceService
    sequence_queries: SequenceQueries
    idempotency: IdempotencyStore
    logs: IntegrationLogService
    on_close: Callable[[], None]
    dora: DoraReports
    access: AccessService
    audit: AuditLog
    replicas: ReplicaService | None = None  # this replica's heartbeat and readiness (None: in tests)
    session_files: SessionFiles | None = None  # the Bridge's session key and logouts (None: data dir)

    @cached_property
    def problems(self) -> ProblemService:
        """Problems in (Alertmanager, Keptn problem events): built on first use from the intake, the
        store and the sequence engine's abort."""
        store = self.store
        if not isinstance(store, EventQueries):
            raise TypeError("the configured event store cannot answer datastore queries")
        return ProblemService(
            self.intake, store, self._abort, lambda: datetime.now(UTC), self._unknown_service
        )

    def _unknown_service(self, project: str, stage: str, service: str) -> str:
        try:
            self.catalog.service(project, stage, service)
        except NotFoundError as error:
            return f"{error.message} (project {project}, stage {stage}, service {service})"
        return ""

    async def _abort(self, project: str, keptn_context: str) -> None:
        await self.sequences.control(project, keptn_context, Command.ABORT)

    def close(self) -> None:
        """Release what the context holds open (the database's connections)."""
        self.on_close()
