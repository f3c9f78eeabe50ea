"""What every request handler can reach: settings, stores, the use-case services, metrics, tokens."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from slogate.adapters.api_token import ApiTokens
from slogate.api.telemetry import ServerMetrics
from slogate.ports import EventStore
from slogate.services.keptn.executor_runner import ExecutorRunner
from slogate.services.keptn.shipyard_controller import SequenceService
from slogate.services.runtime.dispatcher import Dispatcher
from slogate.services.usecases.catalog import CatalogService
from slogate.services.usecases.integration_logs import IntegrationLogService
from slogate.services.usecases.integrations import IntegrationService
from slogate.services.usecases.resources import ResourceService
from slogate.services.usecases.secrets import SecretService
from slogate.services.usecases.sequence_queries import SequenceQueries
from slogate.settings import Settings


@dataclass(frozen=True)
class ServerContext:
    """The server's long-lived objects, built once by :func:`slogate.bootstrap.server_context`."""

    settings: Settings
    engine: Engine
    store: EventStore
    tokens: ApiTokens
    metrics: ServerMetrics
    catalog: CatalogService
    resources: ResourceService
    secrets: SecretService
    dispatcher: Dispatcher
    executors: ExecutorRunner
    integrations: IntegrationService
    sequences: SequenceService
    sequence_queries: SequenceQueries
    logs: IntegrationLogService


async def server_context(request: Request) -> ServerContext:
    """FastAPI dependency: the context of the app serving ``request`` (async: no thread hop)."""
    context: ServerContext = request.app.state.context
    return context
