"""The Datadog provider against an API without the scalar endpoint: the v1 query's points instead."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest

from slogate.adapters.providers.datadog import DatadogProvider
from tests.support.datadog_runs import END, Timing, fetch, one, options, sli_request
from tests.support.fake_datadog import APP_KEY, FakeDatadog


@pytest.fixture
def fake() -> Iterator[FakeDatadog]:
    with FakeDatadog() as server:
        yield server


def test_without_the_scalar_endpoint_the_v1_points_are_read() -> None:
    """A v1-only API (404 for the scalar endpoint): the last non-null point of the one series."""
    with FakeDatadog(serve_scalar=False) as fake:
        fake.put("avg:x{service:cart}.rollup(avg, 120)", 1.0, 5.0, None)
        fake.put("avg:e{*}", None)
        for host in "ab":
            fake.put("avg:g{*} by {host}", 1.0, tags=(f"host:{host}",), add=True)
        request = sli_request(
            ("x", "avg:x{service:$SERVICE}.rollup(avg, $DURATION)"),
            ("none", "avg:none{*}"),
            ("null", "avg:e{*}"),
            ("groups", "avg:g{*} by {host}"),
        )
        values = fetch(fake, request, concurrency=1)
        assert values[0].value == 5.0
        assert (
            values[0].query
            == "GET /api/v1/query from=1704103080 to=1704103200 query=avg:x{service:cart}.rollup(avg, 120)"
        )
        assert "Datadog returned no series" in values[1].message
        assert "a series without a non-null point (1 point(s), all null)" in values[2].message
        assert "Datadog returned 2 series (host:a; host:b)" in values[3].message
        v1 = [r for r in fake.requests if r.path == "/api/v1/query"]
        assert v1[0].params == {
            "from": "1704103080",
            "to": "1704103200",
            "query": "avg:x{service:cart}.rollup(avg, 120)",
        }
        assert v1[0].headers["dd-application-key"] == APP_KEY


def test_the_fallback_is_remembered_by_the_provider() -> None:
    with FakeDatadog(serve_scalar=False) as fake:
        fake.put("avg:x{*}", 3.0)
        request = sli_request(("x", "avg:x{*}"))

        async def run() -> list[float]:
            timing = Timing(END + timedelta(hours=1))
            async with DatadogProvider(options(fake.url), now=timing.now, sleep=timing.sleep) as provider:
                return [one(await provider.fetch(request)).value for _ in range(3)]

        assert asyncio.run(run()) == [3.0, 3.0, 3.0]
        assert [r.path for r in fake.requests].count("/api/v2/query/scalar") == 1


@pytest.mark.parametrize("status", [404, 405, 501])
def test_a_scalar_endpoint_that_is_not_served_falls_back_to_v1(fake: FakeDatadog, status: int) -> None:
    fake.put("avg:x{*}", 4.0, 6.0)
    fake.script(status, path="/api/v2/query/scalar", body=b"Unsupported method ('POST')")
    value = one(fetch(fake, sli_request(("x", "avg:x{*}"))))
    assert (value.success, value.value) == (True, 6.0), value.message
    assert [request.path for request in fake.requests] == ["/api/v2/query/scalar", "/api/v1/query"]


def test_a_server_error_of_the_scalar_endpoint_fails_the_sli_without_fallback(fake: FakeDatadog) -> None:
    fake.put("avg:x{*}", 4.0)
    fake.script(500, path="/api/v2/query/scalar", body={"errors": ["Internal Server Error"]})
    value = one(fetch(fake, sli_request(("x", "avg:x{*}"))))
    assert value.message == "SLI 'x': Datadog answered HTTP 500: Internal Server Error (query: avg:x{*})"
    assert [request.path for request in fake.requests] == ["/api/v2/query/scalar"]
