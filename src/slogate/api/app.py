"""The FastAPI application: routers, the token check on every /api route, errors, limits, metrics, and
the lean path of POST /api/v1/event."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from fastapi import APIRouter, Depends, FastAPI

from slogate import __version__
from slogate.api import (
    access,
    access_rules,
    auth,
    control_plane,
    datastore,
    events,
    logs,
    meta,
    problems,
    replay,
    reports,
    resources,
    secrets,
    sequences,
    uniform,
)
from slogate.api.context import ServerContext
from slogate.api.errors import install_error_handlers
from slogate.api.event_path import install_event_path
from slogate.api.json_bodies import JsonBodies
from slogate.api.limits import BodyLimit
from slogate.api.openapi import install_openapi
from slogate.api.security_headers import SecurityHeaders
from slogate.api.telemetry import RequestMetrics

DEFAULT_ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    meta.router,
    events.router,
    datastore.router,
    control_plane.router,
    resources.router,
    secrets.router,
    uniform.router,
    sequences.router,
    logs.router,
    replay.router,
    reports.router,
    problems.router,
    access.router,
)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the in-process services (the sequence engine and its timer, lighthouse, …) while serving."""
    context: ServerContext = app.state.context
    await context.dispatcher.recover()  # work running when the server was killed: re-run or ended
    timer = context.dispatcher.while_holding(context.sequences.name, context.sequences.run)  # replicas: one
    tasks = [asyncio.create_task(context.dispatcher.run()), asyncio.create_task(timer)]
    if context.replicas is not None:
        await asyncio.to_thread(context.replicas.beat)  # listed by the other replicas from now on
        tasks.append(asyncio.create_task(context.replicas.run()))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def create_app(
    context: ServerContext, routers: Sequence[APIRouter] = DEFAULT_ROUTERS, *, limiter: auth.FailureLimiter
) -> FastAPI:
    """The app for ``context`` (built by ``slogate.bootstrap.api_app``); every router but /health
    requires a token and the role its route's rule names (``access_rules``); ``limiter`` slows down
    clients that keep presenting a wrong one."""
    settings = context.settings
    app = FastAPI(
        title="slogate",
        version=__version__,
        summary="SLO-based quality gates with Keptn v1's API",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan,
    )
    app.state.context = context
    app.state.metrics = context.metrics
    app.state.auth_limiter = limiter
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(meta.public)
    for router in routers:
        app.include_router(router, dependencies=[Depends(access_rules.authorize)])
    app.add_middleware(JsonBodies)  # Keptn reads API bodies as JSON whatever their Content-Type
    install_event_path(app, routers)  # the metrics and the body limit added next wrap it
    app.add_middleware(RequestMetrics)
    app.add_middleware(
        BodyLimit,
        event_limit=settings.max_event_size_kb * 1024,
        default_limit=settings.max_resource_size_kb * 1024,
    )
    app.add_middleware(SecurityHeaders)  # last: outermost, so that every answer (413s too) carries them
    return app
