"""Token authentication of every API route: x-token (or a bearer token) names the caller (a ``Principal``);
failed attempts are slowed per client; ``require`` checks one action and audits a refusal."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request

from slogate.api.clients import client_of
from slogate.api.context import ServerContext
from slogate.api.errors import ApiError
from slogate.domain.access import Action, Principal, decide
from slogate.services.usecases.audit import ALLOWED, DENIED

TOKEN_HEADER = "x-token"


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class FailureLimiter:
    """A token bucket per key (a client, a user name) for failed attempts: ``rate`` per second, ``burst``
    at once. Successes do not refill it: one client's success must not erase another's failures."""

    rate: float
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def allowed(self, client: str, now: float) -> bool:
        """Whether ``client`` may try again now."""
        bucket = self._buckets.get(client)
        if bucket is None:
            return True
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket.tokens >= 1

    def failed(self, client: str, now: float) -> None:
        """Spend one attempt of ``client``."""
        bucket = self._buckets.setdefault(client, _Bucket(float(self.burst), now))
        bucket.tokens = max(0.0, bucket.tokens - 1)
        bucket.updated = now
        if len(self._buckets) > 10_000:  # forget the oldest clients rather than grow without bound
            oldest = min(self._buckets, key=lambda key: self._buckets[key].updated)
            del self._buckets[oldest]


def _presented(request: Request) -> str | None:
    token = request.headers.get(TOKEN_HEADER)
    if token:
        return token
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def authenticate(request: Request, context: ServerContext) -> Principal:
    """The caller of ``request`` (kept in ``request.state.principal``); else ``ApiError`` 401, or 429
    once the request's client (see ``clients.client_of``) has spent its failed attempts. A valid token
    is never slowed down, whatever failed before. The route dependency and the lean path of
    ``POST /api/v1/event`` both call this."""
    principal = context.access.principal_for_token(_presented(request))
    if principal is not None:
        request.state.principal = principal
        return principal
    limiter: FailureLimiter = request.app.state.auth_limiter
    client = client_ip(request, context)
    now = time.monotonic()
    if not limiter.allowed(client, now):
        raise ApiError(429, "too many requests: too many failed authentication attempts, retry later")
    limiter.failed(client, now)
    raise ApiError(401, "missing or invalid API token: send it in the x-token header")


def check_token(request: Request, context: ServerContext) -> None:
    """Authenticate ``request`` (see ``authenticate``), for callers that need no principal."""
    authenticate(request, context)


def client_ip(request: Request, context: ServerContext) -> str:
    """The client's address, as the audit log and the failure limiter see it."""
    return client_of(request.scope, context.settings.proxy_networks())


def principal_of(request: Request) -> Principal:
    """The caller that ``authenticate`` found for ``request``."""
    principal: Principal = request.state.principal
    return principal


def audit(
    request: Request, action: str, outcome: str = ALLOWED, project: str = "", stage: str = "", **fields: Any
) -> None:
    """Record what the caller of ``request`` did (or was refused) in the audit log."""
    context: ServerContext = request.app.state.context
    context.audit.record(
        principal_of(request),
        action,
        outcome,
        project=project,
        stage=stage,
        source_ip=client_ip(request, context),
        **fields,
    )


def require(request: Request, action: Action, project: str = "", stage: str = "") -> Principal:
    """The caller, when it may do ``action`` on ``project`` (and ``stage``); else the refusal is
    audited and ``ApiError`` 403 names the missing role."""
    principal = principal_of(request)
    decision = decide(principal, action, project, stage)
    if not decision.allowed:
        target = f"{request.method} {request.url.path}"
        audit(
            request, action.value, DENIED, project, stage, target=target, details={"reason": decision.reason}
        )
        raise ApiError(403, decision.reason)
    return principal


router = APIRouter()


@router.post("/api/v1/auth", tags=["auth"], summary="Check the API token")
def authenticate_route() -> dict[str, str]:
    """200 when the ``x-token`` header holds a valid token (the dependency does the check)."""
    return {}
