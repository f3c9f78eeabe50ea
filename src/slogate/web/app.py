"""Mounts the Bridge on the API's app: static files, the login, and every page's router."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from slogate.api.auth import FailureLimiter
from slogate.domain.access import Grant
from slogate.ports.oidc import OpenIdProvider
from slogate.web import (
    audit_page,
    dashboard,
    environment,
    evaluation,
    login,
    oidc,
    sequence_actions,
    sequences,
    service_view,
    settings_project,
    settings_uniform,
    triggers,
)
from slogate.web.access import (
    GrantSource,
    HiddenProjectError,
    RefusedError,
    guard_project,
    hidden_page,
    refused_page,
)
from slogate.web.compare import router as compare_router
from slogate.web.pages import HERE, LoginRequiredError, login_redirect
from slogate.web.session import SessionKeys
from slogate.web.whatif import router as whatif_router

ROUTERS = (
    login.router,
    oidc.router,
    audit_page.router,
    dashboard.router,
    environment.router,
    sequences.router,
    sequence_actions.router,
    triggers.router,
    evaluation.router,
    whatif_router,
    compare_router,
    settings_project.router,
    settings_uniform.router,
    service_view.router,
)


def _no_grants(subjects: list[str]) -> tuple[Grant, ...]:
    return ()


def install_bridge(
    app: FastAPI,
    keys: SessionKeys,
    login_limiter: FailureLimiter,
    oidc_provider: OpenIdProvider | None = None,
    grants: GrantSource = _no_grants,
) -> None:
    """Serve the Bridge under ``/bridge`` on ``app`` (built by ``slogate.bootstrap.server_app``);
    ``keys`` sign its session cookies, ``login_limiter`` slows password guessing, ``oidc_provider``
    (optional) logs users in, ``grants`` gives the roles of their subjects (``user:``/``group:``)."""
    app.state.bridge_keys = keys
    app.state.login_limiter = login_limiter
    app.state.oidc_provider = oidc_provider
    app.state.bridge_grants = grants
    app.mount("/bridge/static", StaticFiles(directory=HERE / "static"), name="bridge-static")
    for router in ROUTERS:  # a project's pages answer 404 to a user who may not see it
        app.include_router(router, dependencies=[Depends(guard_project)])

    async def to_login(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequiredError)
        return login_redirect(error)

    async def to_hidden(request: Request, error: Exception) -> Response:
        assert isinstance(error, HiddenProjectError)
        return hidden_page(error)

    async def to_refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, RefusedError)
        return refused_page(error)

    app.add_exception_handler(LoginRequiredError, to_login)
    app.add_exception_handler(HiddenProjectError, to_hidden)
    app.add_exception_handler(RefusedError, to_refused)
