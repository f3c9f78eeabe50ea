"""Logging in to the Bridge with the API token (or the configured user and password), logging out."""

from __future__ import annotations

import hmac
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from slogate.api.auth import FailureLimiter
from slogate.web.pages import context_of, keys_of, render, session_of
from slogate.web.session import COOKIE, SESSION_SECONDS, Session

router = APIRouter(prefix="/bridge", include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only paths of the Bridge itself (never another site) are followed after the login."""
    if target and target.startswith("/bridge") and not target.startswith("//"):
        return target
    return "/bridge/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/bridge/") -> HTMLResponse:
    """The login form."""
    settings = context_of(request).settings
    return render(request, "login.html", {"next": _safe_next(next), "users": bool(settings.bridge_user)})


@router.post("/login", response_model=None)
def log_in(
    request: Request,
    token: Annotated[str, Form()] = "",
    user: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/bridge/",
) -> Response:
    """Check the API token (or user and password) in constant time; a session cookie on success."""
    context = context_of(request)
    limiter: FailureLimiter = request.app.state.auth_limiter
    client = request.client.host if request.client else "unknown"
    now = time.monotonic()
    values = {"next": _safe_next(next), "users": bool(context.settings.bridge_user)}
    if not limiter.allowed(client, now):
        values["error"] = "Too many failed attempts: wait a moment and try again."
        return render(request, "login.html", values, status_code=429)
    if not (_token_ok(request, token) or _user_ok(request, user, password)):
        limiter.failed(client, now)
        values["error"] = "That did not work: check the API token (or user and password)."
        return render(request, "login.html", values, status_code=401)
    limiter.succeeded(client)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        keys_of(request).issue(),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/bridge",
    )
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
    """End the session (the form must carry the session's CSRF token)."""
    if not keys_of(request).csrf_valid(session, csrf):
        return Response("invalid CSRF token: reload the page", status_code=403)
    response = RedirectResponse("/bridge/login", status_code=303)
    response.delete_cookie(COOKIE, path="/bridge")
    return response
