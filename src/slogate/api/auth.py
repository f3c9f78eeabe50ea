"""Token authentication of every API route: x-token (or a bearer token); failed attempts are slowed per
client, while the correct token is never refused (it is a long random secret, not a guessable password)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fastapi import APIRouter, Depends, Request

from slogate.api.clients import client_of
from slogate.api.context import ServerContext, server_context
from slogate.api.errors import ApiError

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


async def require_token(request: Request, context: ServerContext = Depends(server_context)) -> None:  # noqa: B008
    """FastAPI dependency: 401 without a valid token, 429 after too many failures from one client."""
    check_token(request, context)


def check_token(request: Request, context: ServerContext) -> None:
    """Nothing for the valid token (whatever failed before); else ``ApiError`` 401, or 429 once the
    request's client (see ``clients.client_of``) has spent its failed attempts. The FastAPI dependency
    and the lean path of ``POST /api/v1/event`` both call this."""
    if context.tokens.verify(_presented(request)):
        return
    limiter: FailureLimiter = request.app.state.auth_limiter
    client = client_of(request.scope, context.settings.proxy_networks())
    now = time.monotonic()
    if not limiter.allowed(client, now):
        raise ApiError(429, "too many requests: too many failed authentication attempts, retry later")
    limiter.failed(client, now)
    raise ApiError(401, "missing or invalid API token: send it in the x-token header")


router = APIRouter()


@router.post("/api/v1/auth", tags=["auth"], summary="Check the API token")
def authenticate() -> dict[str, str]:
    """200 when the ``x-token`` header holds the API token (the dependency does the check)."""
    return {}
