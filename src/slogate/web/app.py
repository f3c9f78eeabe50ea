"""Mounts the Bridge on the API's app: static files, the login, and every page's router."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from slogate.api.app import create_app
from slogate.api.context import ServerContext
from slogate.web import dashboard, environment, evaluation, login, sequence_actions, sequences, triggers
from slogate.web.pages import HERE, LoginRequiredError, login_redirect

ROUTERS = (
    login.router,
    dashboard.router,
    environment.router,
    sequences.router,
    sequence_actions.router,
    triggers.router,
    evaluation.router,
)


def install_bridge(app: FastAPI, context: ServerContext) -> None:
    """Serve the Bridge under ``/bridge`` on ``app`` (built by ``create_app``)."""
    app.state.bridge_keys = login.session_keys(context)
    app.state.login_limiter = login.login_limiter(context)
    app.mount("/bridge/static", StaticFiles(directory=HERE / "static"), name="bridge-static")
    for router in ROUTERS:
        app.include_router(router)

    async def to_login(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequiredError)
        return login_redirect(error)

    app.add_exception_handler(LoginRequiredError, to_login)


def create_server_app(context: ServerContext) -> FastAPI:
    """The whole server: Keptn's API under /api and the Bridge under /bridge."""
    app = create_app(context)
    install_bridge(app, context)
    return app
