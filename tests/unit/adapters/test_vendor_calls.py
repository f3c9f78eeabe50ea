"""The vendor providers' shared HTTP layer: retries of 429/503 and their waits, refused credentials,
timeouts and transport errors, and the options it refuses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from slogate.adapters.providers.vendor_http import (
    CallError,
    CredentialsRefusedError,
    VendorCalls,
    check_base_url,
    check_limits,
    retry_delay,
)
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions

OPTIONS = ProviderOptions(url="http://127.0.0.1:1", timeout_seconds=2.0, retry_seconds=30.0)
WALL = 1_700_000_000.0


def _answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


@pytest.mark.parametrize(
    ("headers", "attempt", "expected"),
    [
        ({"Retry-After": "3"}, 0, 3.0),
        ({"Retry-After": "0.25"}, 5, 0.25),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:30 GMT"}, 0, 10.0),  # an HTTP date 10 s after WALL
        ({"Retry-After": "-4"}, 0, 0.0),
        ({"X-RateLimit-Reset": "7"}, 0, 7.0),  # Datadog: seconds until the reset
        ({"X-RateLimit-Reset": str(int(WALL) + 12)}, 0, 12.0),  # a Unix time
        ({"Retry-After": "soon", "X-RateLimit-Reset": "2"}, 0, 2.0),
        ({}, 0, 0.5),
        ({}, 2, 2.0),
        ({}, 10, 8.0),  # the backoff is capped
        ({"Retry-After": "nan"}, 1, 1.0),
    ],
)
def test_retry_delay(headers: dict[str, str], attempt: int, expected: float) -> None:
    """Retry-After (seconds or a date), then X-RateLimit-Reset (seconds or a Unix time), else backoff."""
    assert retry_delay(_answer(429, **headers), attempt, WALL) == pytest.approx(expected)


class Script:
    """A transport answering from a list of responses (or exceptions), recording each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _calls(script: Callable[[httpx.Request], httpx.Response], waits: list[float], **more: Any) -> VendorCalls:
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    options = replace(OPTIONS, **more)
    return VendorCalls(
        "Example",
        options,
        "http://127.0.0.1:1",
        {"X-Key": "k"},
        sleep=sleep,
        clock=lambda: clock[0],
        transport=httpx.MockTransport(script),
    )


def test_429_then_success_waits_as_told() -> None:
    """A 429 with Retry-After: 3 and a 503 with X-RateLimit-Reset: 1 are retried after 3 s and 1 s."""
    script = Script(
        _answer(429, **{"Retry-After": "3"}), _answer(503, **{"X-RateLimit-Reset": "1"}), _answer(200)
    )
    waits: list[float] = []
    response = asyncio.run(_calls(script, waits).send("GET", "/q", params={"a": "b"}))
    assert response.status_code == 200
    assert waits == [3.0, 1.0]
    assert [str(request.url) for request in script.requests] == ["http://127.0.0.1:1/q?a=b"] * 3
    assert all(request.headers["X-Key"] == "k" for request in script.requests)


def test_retries_stop_within_the_retry_time() -> None:
    """A wait that would end after the retry time is not waited: the call fails naming status and budget."""
    script = Script(_answer(429, **{"Retry-After": "20"}), _answer(429, **{"Retry-After": "20"}))
    waits: list[float] = []
    with pytest.raises(CallError, match=r"HTTP 429 2 time\(s\).*retry time of 30 s") as raised:
        asyncio.run(_calls(script, waits).send("GET", "/q"))
    assert waits == [20.0]
    assert raised.value.status == 429


def test_no_retry_time_means_no_retry() -> None:
    """With a retry time of 0 the first 503 fails at once."""
    waits: list[float] = []
    with pytest.raises(CallError, match="503 1 time"):
        asyncio.run(_calls(Script(_answer(503)), waits, retry_seconds=0.0).send("GET", "/q"))
    assert waits == []


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_never_retried(status: int) -> None:
    """401/403 raise CredentialsRefusedError naming the vendor, the status and the vendor's text."""
    script = Script(httpx.Response(status, text='{"errors": ["Forbidden"]}'))
    with pytest.raises(
        CredentialsRefusedError, match=rf"Example refused the credentials: HTTP {status}.*Forbidden"
    ):
        asyncio.run(_calls(script, []).send("POST", "/q", json={"x": 1}))
    assert len(script.requests) == 1


def test_other_statuses_are_returned() -> None:
    """A 400 comes back to the provider, which reads the vendor's error body."""
    response = asyncio.run(_calls(Script(httpx.Response(400, text="bad")), []).send("GET", "/q"))
    assert response.status_code == 400


def test_timeouts_and_transport_errors_are_call_errors() -> None:
    """A timeout names the limit; a refused connection names the vendor and its URL."""
    slow = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(CallError, match="no answer within the timeout of 2 s"):
        asyncio.run(_calls(slow, []).send("GET", "/q"))
    down = Script(httpx.ConnectError("connection refused"))
    with pytest.raises(CallError, match=r"cannot reach Example at http://127.0.0.1:1: connection refused"):
        asyncio.run(_calls(down, []).send("GET", "/q"))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example", "is not an http:// or https:// URL"),
        ("http://", "is not an http:// or https:// URL"),
        ("http://user:pw@127.0.0.1", "must not hold credentials"),
        ("http://127.0.0.1:99999", "is not an http:// or https:// URL"),
    ],
)
def test_base_url_check(url: str, problem: str) -> None:
    """Bad base URLs are ConfigErrors naming the field."""
    with pytest.raises(ConfigError, match=problem):
        check_base_url("Example", url, "tenant")
    assert check_base_url("Example", " http://127.0.0.1:8/api/ ", "tenant") == "http://127.0.0.1:8/api"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"timeout_seconds": 0.0}, "timeout"),
        ({"timeout_seconds": float("inf")}, "timeout"),
        ({"retry_seconds": -1.0}, "retry time"),
        ({"settle_seconds": -5.0}, "settle time"),
        ({"settle_seconds": float("nan")}, "settle time"),
        ({"concurrency": 0}, "concurrency"),
    ],
)
def test_limits_check(change: dict[str, Any], problem: str) -> None:
    """Out-of-range limits are ConfigErrors naming the limit."""
    options = replace(OPTIONS, **change)
    with pytest.raises(ConfigError, match=problem):
        check_limits("Example", options)
