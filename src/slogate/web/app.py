"""Mounts the Bridge on the API's app: static files, the login, and every page's router."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from slogate.api.auth import FailureLimiter
from slogate.web import (
    dashboard,
    environment,
    evaluation,
    login,
    sequence_actions,
    sequences,
    service_view,
    settings_project,
    settings_uniform,
    triggers,
)
from slogate.web.pages import HERE, LoginRequiredError, login_redirect
from slogate.web.session import SessionKeys
from slogate.web.whatif import router as whatif_router

ROUTERS = (
    login.router,
    dashboard.router,
    environment.router,
    sequences.router,
    sequence_actions.router,
    triggers.router,
    evaluation.router,
    whatif_router,
    settings_project.router,
    settings_uniform.router,
    service_view.router,
)


def install_bridge(app: FastAPI, keys: SessionKeys, login_limiter: FailureLimiter) -> None:
    """Serve the Bridge under ``/bridge`` on ``app`` (built by ``slogate.bootstrap.server_app``);
    ``keys`` sign its session cookies, ``login_limiter`` slows password guessing."""
    app.state.bridge_keys = keys
    app.state.login_limiter = login_limiter
    app.mount("/bridge/static", StaticFiles(directory=HERE / "static"), name="bridge-static")
    for router in ROUTERS:
        app.include_router(router)

    async def to_login(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequiredError)
        return login_redirect(error)

    app.add_exception_handler(LoginRequiredError, to_login)
