"""The server's frame: token checks, error bodies, body limits, health, metadata, metrics, OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slogate.adapters.api_token import ApiTokens
from slogate.api.auth import FailureLimiter

from .conftest import TOKEN


def test_health_needs_no_token(anonymous: TestClient) -> None:
    """/health answers 200 without a token."""
    assert anonymous.get("/health").json() == {"status": "OK"}


@pytest.mark.parametrize("path", ["/api/v1/metadata", "/metrics"])
def test_routes_need_the_token(anonymous: TestClient, path: str) -> None:
    """Without a token every API route answers 401 with Keptn's error body."""
    answer = anonymous.get(path)
    assert answer.status_code == 401
    assert answer.json() == {
        "code": 401,
        "message": "missing or invalid API token: send it in the x-token header",
    }


def test_auth_endpoint(client: TestClient, make_client: Callable[..., TestClient]) -> None:
    """POST /api/v1/auth is 200 with the token and 401 with a wrong one."""
    assert client.post("/api/v1/auth").status_code == 200
    assert make_client(token="wrong").post("/api/v1/auth").status_code == 401


def test_bearer_token_is_accepted(make_client: Callable[..., TestClient]) -> None:
    """Authorization: Bearer <token> works too (for Prometheus scraping /metrics)."""
    bearer = make_client(token=None)
    bearer.headers["authorization"] = f"Bearer {TOKEN}"
    assert bearer.get("/metrics").status_code == 200


def test_failed_attempts_are_rate_limited(make_client: Callable[..., TestClient]) -> None:
    """After the burst of failures one client gets 429 for wrong tokens, but never for the right one."""
    client = make_client(token="wrong")
    codes = [client.get("/api/v1/metadata").status_code for _ in range(4)]
    assert codes == [401, 401, 429, 429]
    assert client.get("/api/v1/metadata").json()["message"].startswith("too many requests")
    client.headers["x-token"] = TOKEN
    assert client.get("/api/v1/metadata").status_code == 200


def test_limiter_refills_and_a_success_does_not_reset_it() -> None:
    """The bucket refills at the configured rate; nothing else refills it."""
    limiter = FailureLimiter(rate=1.0, burst=2)
    limiter.failed("c", 0.0)
    limiter.failed("c", 0.0)
    assert not limiter.allowed("c", 0.5)
    assert limiter.allowed("d", 0.5)
    assert limiter.allowed("c", 1.6)
    assert not hasattr(limiter, "succeeded")


def test_metadata(client: TestClient) -> None:
    """Keptn's metadata document."""
    body = client.get("/api/v1/metadata").json()
    assert body["keptnlabel"] == "keptn"
    assert body["shipyardversion"] == "0.2.0"
    assert body["automaticprovisioning"] is True  # no git upstream needed: the CLI must not ask for one


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    """/metrics exposes request counts labelled by route template and status."""
    client.get("/api/v1/metadata")
    text = client.get("/metrics").text
    assert 'slogate_http_requests_total{method="GET",route="/api/v1/metadata",status="200"} 1.0' in text
    assert "slogate_http_request_duration_seconds_bucket" in text


def test_unknown_route_is_keptn_error_body(client: TestClient) -> None:
    """A 404 from routing has the same {code, message} body."""
    answer = client.get("/api/nothing-here")
    assert answer.status_code == 404
    assert answer.json() == {"code": 404, "message": "Not Found"}


def test_oversized_body_is_413(client: TestClient) -> None:
    """A body over the limit is refused before any handler runs."""
    answer = client.post("/api/v1/event", content=b"x" * (64 * 1024 + 1))
    assert answer.status_code == 413
    assert answer.json() == {"code": 413, "message": "request body exceeds the limit of 64 KB"}


def test_openapi_is_served(anonymous: TestClient) -> None:
    """The OpenAPI document lists the routes (it holds no data, so it needs no token)."""
    paths = anonymous.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/metadata" in paths
    assert anonymous.get("/api/docs").status_code == 200


def test_token_file_rotation(tmp_path: Path) -> None:
    """A generated token is kept only as a 0600 hash; rotating replaces it; a set token wins."""
    tokens = ApiTokens(tmp_path / "data")
    first = tokens.ensure()
    assert first is not None
    assert len(first) == 45
    assert first not in tokens.path.read_text()
    assert tokens.path.stat().st_mode & 0o777 == 0o600
    assert tokens.ensure() is None
    assert tokens.verify(first)
    second = ApiTokens(tmp_path / "data").rotate()
    assert not tokens.verify(first)
    assert tokens.verify(second)
    assert not tokens.verify("")
    assert ApiTokens(tmp_path / "data", configured="env-token").verify("env-token")
