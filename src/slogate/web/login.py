"""Logging in to the Bridge with the API token (or the configured user and password), logging out."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from slogate.api.auth import FailureLimiter
from slogate.api.clients import client_of
from slogate.api.context import ServerContext
from slogate.web.pages import (
    absolute_url,
    context_of,
    keys_of,
    provider_of,
    render,
    session_of,
    set_session_cookie,
)
from slogate.web.session import COOKIE, Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
TOO_MANY = "Too many failed attempts: wait a moment and try again."


def credentials(context: ServerContext) -> str:
    """What a session is bound to: the current API token and Bridge user and password (a digest of
    each); changing any of them ends every session."""
    settings = context.settings
    account = f"{settings.bridge_user}\0{settings.bridge_password.get_secret_value()}"
    account_hash = hashlib.sha256(account.encode("utf-8")).hexdigest()
    return f"{context.tokens.fingerprint()}.{account_hash}"


def safe_next(target: str | None) -> str:
    """Only paths of the Bridge itself (never another site) are followed after the login."""
    if target and target.startswith("/bridge") and not target.startswith("//"):
        return target
    return "/bridge/"


def login_values(request: Request, next: str) -> dict[str, Any]:
    """What the login page shows: the password fields when a Bridge user is set, the OpenID button
    when a provider is configured."""
    provider = provider_of(request)
    return {
        "next": safe_next(next),
        "users": bool(context_of(request).settings.bridge_user),
        "oidc": provider.display_name if provider is not None else "",
    }


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/bridge/") -> HTMLResponse:
    """The login form."""
    return render(request, "login.html", login_values(request, next))


@router.post("/login", response_model=None)
def log_in(
    request: Request,
    token: Annotated[str, Form()] = "",
    user: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/bridge/",
) -> Response:
    """Check the API token (or user and password) in constant time; a session cookie on success.

    The right API token always works (it is a long random secret); failures are slowed per client.
    A password can be guessed: its attempts are limited per client and per user name, before the check.
    """
    context = context_of(request)
    limiter: FailureLimiter = request.app.state.login_limiter
    proxies = context.settings.proxy_networks()
    keys = [f"client:{client_of(request.scope, proxies)}"]
    values = login_values(request, next)
    now = time.monotonic()
    if not _token_ok(request, token):
        if user:
            keys.append(f"user:{user}")
        if not all(limiter.allowed(key, now) for key in keys):
            values["error"] = TOO_MANY
            return render(request, "login.html", values, status_code=429)
        if not (user and _user_ok(request, user, password)):
            for key in keys:
                limiter.failed(key, now)
            values["error"] = "That did not work: check the API token (or user and password)."
            return render(request, "login.html", values, status_code=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, keys_of(request).issue())
    return response


def _token_ok(request: Request, token: str) -> bool:
    return bool(token) and context_of(request).tokens.verify(token.strip())


def _user_ok(request: Request, user: str, password: str) -> bool:
    settings = context_of(request).settings
    expected_password = settings.bridge_password.get_secret_value()
    if not settings.bridge_user or not expected_password or not user:
        return False
    same_user = hmac.compare_digest(user.encode(), settings.bridge_user.encode())
    same_password = hmac.compare_digest(password.encode(), expected_password.encode())
    return same_user and same_password


@router.post("/logout")
def log_out(
    request: Request,
    session: Annotated[Session, Depends(session_of)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """End the session for good (the form must carry the session's CSRF token); an OpenID user is sent
    on to the provider's end-session endpoint when it has one (RP-initiated logout)."""
    if not keys_of(request).csrf_valid(session, csrf):
        return Response("invalid CSRF token: reload the page", status_code=403)
    keys_of(request).revoke(session)
    provider = provider_of(request)
    ending = None
    if session.user and provider is not None:
        ending = provider.logout_url(post_logout_redirect_uri=absolute_url(request, "/bridge/login"))
    response: Response = RedirectResponse("/bridge/login", status_code=303)
    if ending:  # a page moving on, not a redirect: the CSP's form-action would stop one to the provider
        response = render(request, "moving_on.html", {"title": "Logging out", "target": ending})
    response.delete_cookie(COOKIE, path="/bridge")
    return response
