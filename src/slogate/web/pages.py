"""What every Bridge page shares: the templates, the logged-in session, CSRF checks and rendering."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from slogate import __version__
from slogate.api.clients import scheme_of
from slogate.errors import SlogateError
from slogate.ports.oidc import OpenIdProvider
from slogate.server_context import ServerContext
from slogate.web.session import COOKIE, SESSION_SECONDS, Session, SessionKeys

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["version"] = __version__


class LoginRequiredError(SlogateError):
    """The request has no valid session: send the browser to the login page."""

    code = "login_required"

    def __init__(self, request: Request) -> None:
        super().__init__("login required")
        self.request = request


def context_of(request: Request) -> ServerContext:
    """The server's context (stores and services)."""
    context: ServerContext = request.app.state.context
    return context


def keys_of(request: Request) -> SessionKeys:
    """The keys that sign this server's sessions."""
    keys: SessionKeys = request.app.state.bridge_keys
    return keys


def provider_of(request: Request) -> OpenIdProvider | None:
    """The Bridge's OpenID provider (SLOGATE_OIDC_ISSUER), else None."""
    provider: OpenIdProvider | None = getattr(request.app.state, "oidc_provider", None)
    return provider


def absolute_url(request: Request, path: str) -> str:
    """``path`` of this server as the browser reaches it (the scheme of a trusted proxy, the Host)."""
    scheme = scheme_of(request.scope, context_of(request).settings.proxy_networks())
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{scheme}://{host}{path}"


def session_of(request: Request) -> Session:
    """FastAPI dependency: the logged-in session, else ``LoginRequiredError``; its idle clock moves on
    with the page rendered (see :func:`render`)."""
    keys = keys_of(request)
    session = keys.verify(request.cookies.get(COOKIE))
    if session is None:
        raise LoginRequiredError(request)
    request.state.renewed_session = keys.renewed(session)
    request.state.session = session
    return session


def set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    """Send the session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS, for the Bridge only."""
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=scheme_of(request.scope, context_of(request).settings.proxy_networks()) == "https",
        path="/bridge",
    )


async def checked_session(request: Request, session: Session = Depends(session_of)) -> Session:  # noqa: B008
    """FastAPI dependency for every state-changing request: the session, when the request carries its
    CSRF token (the ``X-CSRF-Token`` header htmx sends, or a form field ``csrf``); else 403."""
    token = request.headers.get("x-csrf-token")
    if token is None:
        form = await request.form()
        value = form.get("csrf")
        token = value if isinstance(value, str) else None
    if not keys_of(request).csrf_valid(session, token):
        raise HTTPException(403, "invalid or missing CSRF token: reload the page and try again")
    return session


def login_redirect(error: LoginRequiredError) -> Response:
    """To the login page and back (htmx requests are told to load it as a whole page)."""
    request = error.request
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/bridge/login?next={quote(target, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def render(
    request: Request,
    template: str,
    values: Mapping[str, Any],
    session: Session | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page (or an htmx fragment) with the session's CSRF token available as ``csrf``."""
    document = dict(values)
    if session is not None:
        document["csrf"] = keys_of(request).csrf_token(session)
        document.setdefault("user", session.user)
    response = templates.TemplateResponse(request, template, document, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    renewed = getattr(request.state, "renewed_session", None)
    if session is not None and renewed:
        set_session_cookie(request, response, renewed)
    return response
