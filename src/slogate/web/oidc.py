"""Logging in to the Bridge with OpenID Connect: authorization code with PKCE (S256), state and nonce.

The login's state, nonce and code verifier wait in a short-lived signed cookie (SameSite=Lax: the
provider's redirect back is a cross-site navigation); the callback checks the state, has the adapter
verify the ID token, and answers a page that moves on to the Bridge by itself, so that the browser
sends the new SameSite=Strict session cookie with that same-site navigation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from slogate.api.clients import scheme_of
from slogate.domain.access import Principal
from slogate.ports.oidc import OidcLoginError
from slogate.web.access import audit, grants_of
from slogate.web.login import login_values, safe_next
from slogate.web.pages import absolute_url, context_of, keys_of, provider_of, render, set_session_cookie

router = APIRouter(prefix="/bridge/oidc", include_in_schema=False)
FLOW_COOKIE = "slogate_oidc"
FLOW_SECONDS = 600
FLOW_PATH = "/bridge/oidc"
PURPOSE = "oidc-flow"
COOKIE_LIMIT = 3800  # bytes of a session cookie; browsers drop cookies past 4096


def redirect_uri(request: Request) -> str:
    """Where the provider sends the browser back: this server's callback (register it at the provider)."""
    return absolute_url(request, f"{FLOW_PATH}/callback")


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of a PKCE code verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@router.get("/login", response_model=None)
def start(request: Request, next: str = "/bridge/") -> Response:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge."""
    provider = provider_of(request)
    if provider is None:
        return failure(request, "OpenID Connect login is not configured (SLOGATE_OIDC_ISSUER)", 404)
    flow = {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
        "next": safe_next(next),
    }
    try:
        target = provider.authorization_url(
            redirect_uri=redirect_uri(request),
            state=flow["state"],
            nonce=flow["nonce"],
            code_challenge=challenge_of(flow["verifier"]),
        )
    except OidcLoginError as error:
        return failure(request, error.message, 502)
    response = RedirectResponse(target, status_code=303)
    encoded = base64.urlsafe_b64encode(json.dumps(flow).encode()).decode("ascii")
    response.set_cookie(
        FLOW_COOKIE,
        keys_of(request).seal(PURPOSE, encoded),
        max_age=FLOW_SECONDS,
        httponly=True,
        samesite="lax",
        secure=scheme_of(request.scope, context_of(request).settings.proxy_networks()) == "https",
        path=FLOW_PATH,
    )
    return response


@router.get("/callback", response_model=None)
def callback(request: Request) -> Response:
    """Check the state, exchange the code, verify the ID token; a session for the user on success."""
    provider = provider_of(request)
    if provider is None:
        return failure(request, "OpenID Connect login is not configured (SLOGATE_OIDC_ISSUER)", 404)
    params = request.query_params
    flow = _flow(request)
    if flow is None:
        return failure(request, "this login was not started here or took too long: log in again", 400)
    if not hmac.compare_digest(params.get("state", "").encode(), flow["state"].encode()):
        return failure(
            request, "the login's state does not match (a forged or replayed answer): log in again", 400
        )
    if "error" in params:
        reason = params.get("error_description") or params["error"]
        return failure(request, f"the OpenID provider refused the login: {reason}", 401)
    try:
        identity = provider.identity(
            code=params.get("code", ""),
            redirect_uri=redirect_uri(request),
            code_verifier=flow["verifier"],
            nonce=flow["nonce"],
        )
    except OidcLoginError as error:
        audit(request, Principal("unknown", "user"), "login", "denied", details={"reason": error.message})
        return failure(request, error.message, 401)
    cookie = keys_of(request).issue(user=identity.name, groups=identity.groups)
    if len(cookie) > COOKIE_LIMIT:  # many groups: keep those that hold a role
        groups = tuple(group for group in identity.groups if grants_of(request, [f"group:{group}"]))
        cookie = keys_of(request).issue(user=identity.name, groups=groups)
        if len(cookie) > COOKIE_LIMIT:
            return failure(request, f"{identity.name} has too many groups with a role for a session", 400)
    user = Principal(identity.name, "user")
    audit(request, user, "login", "allowed", details={"groups": list(identity.groups)})
    response = render(request, "moving_on.html", {"title": "Logged in", "target": flow["next"]})
    set_session_cookie(request, response, cookie)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


def _flow(request: Request) -> dict[str, str] | None:
    """The login's state, nonce, verifier and next page from its signed cookie, if it holds."""
    sealed = keys_of(request).unseal(PURPOSE, request.cookies.get(FLOW_COOKIE))
    if sealed is None:
        return None
    try:
        flow = json.loads(base64.urlsafe_b64decode(sealed))
    except ValueError:
        return None
    keys = ("state", "nonce", "verifier", "next")
    if not isinstance(flow, dict) or not all(isinstance(flow.get(key), str) for key in keys):
        return None
    return {key: flow[key] for key in keys}


def failure(request: Request, message: str, status: int) -> HTMLResponse:
    """The login page with what went wrong; no session is issued, the login's cookie is dropped."""
    values = {**login_values(request, "/bridge/"), "error": f"Login failed: {message}"}
    response = render(request, "login.html", values, status_code=status)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response
