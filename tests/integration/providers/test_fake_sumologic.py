"""The Sumo Logic fake answers like the documented API: auth, request checks, buckets, scripts, limits."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from tests.support.fake_sumologic import ACCESS_ID, ACCESS_KEY, QUERY_PATH, FakeSumoLogic

AUTH = (ACCESS_ID, ACCESS_KEY)


def body(
    query: str = "metric=cpu", quantization: Any = 60_000, start: int = 0, end: int = 300_000
) -> dict[str, Any]:
    """A metricsQueries request body for ``query`` over [start, end) ms."""
    bound = {"type": "EpochTimeRangeBoundary"}
    return {
        "queries": [{"rowId": "A", "query": query, "quantization": quantization, "rollup": "Avg"}],
        "timeRange": {
            "type": "BeginBoundedTimeRange",
            "from": {**bound, "epochMillis": start, "rangeName": "from"},
            "to": {**bound, "epochMillis": end, "rangeName": "to"},
        },
    }


def post(fake: FakeSumoLogic, payload: Any, auth: tuple[str, str] = AUTH) -> httpx.Response:
    """One request to the fake's query endpoint."""
    return httpx.post(fake.root + QUERY_PATH, json=payload, auth=auth, timeout=5)


def test_a_known_query_fills_every_bucket_of_its_quantization() -> None:
    with FakeSumoLogic() as fake:
        fake.set("metric=cpu", 0.5)
        series = post(fake, body()).json()["queryResult"][0]["timeSeriesList"]["timeSeries"]
        assert series[0]["points"] == {
            "timestamps": [0, 60_000, 120_000, 180_000, 240_000],
            "values": [0.5] * 5,
        }
        one = post(fake, body(quantization=300_000)).json()["queryResult"][0]["timeSeriesList"]["timeSeries"]
        assert one[0]["points"]["values"] == [0.5]
        fake.set("metric=mem", 2.0)
        fake.set("metric=mem | max", 3.0)
        for query, value in (("metric=mem | sum by pod", 2.0), ("metric=mem | max", 3.0)):
            (row,) = post(fake, body(query, 300_000)).json()["queryResult"]
            assert row["timeSeriesList"]["timeSeries"][0]["points"]["values"] == [value]
        assert post(fake, body("metric=other")).json() == {
            "queryResult": [{"rowId": "A", "timeSeriesList": {"timeSeries": [], "unit": None}}],
            "errors": None,
        }


def test_wrong_credentials_get_sumos_401_body() -> None:
    with FakeSumoLogic() as fake:
        answer = post(fake, body(), auth=(ACCESS_ID, "wrong"))
        assert answer.status_code == 401
        assert answer.json()["code"] == "unauthorized"
        assert answer.json()["message"] == "Credential could not be verified."


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (body("metric=cpu | quantize to 5m"), "the operator 'quantize' is not supported"),
        (body(quantization=0), "'quantization' must be a positive number"),
        (body(quantization="60s"), "'quantization' must be a positive number"),
        ({**body(), "queries": []}, "1 to 6 query rows"),
        ({**body(), "timeRange": {"type": "RelativeTimeRange"}}, "BeginBoundedTimeRange"),
        (body(start=300_000, end=0), "timeRange.from must be before timeRange.to"),
        ([1], "JSON object"),
    ],
)
def test_requests_the_real_api_refuses_get_a_400_error_body(payload: Any, problem: str) -> None:
    with FakeSumoLogic() as fake:
        answer = post(fake, payload)
        assert answer.status_code == 400
        (error,) = answer.json()["errors"]
        assert problem in error["message"]


def test_scripts_answer_the_next_requests_then_the_table_again() -> None:
    with FakeSumoLogic() as fake:
        fake.set("metric=cpu", 1.0)
        fake.script(429, headers={"Retry-After": "1"}, times=2)
        fake.script(503)
        statuses = [post(fake, body()) for _ in range(4)]
        assert [answer.status_code for answer in statuses] == [429, 429, 503, 200]
        assert statuses[0].headers["Retry-After"] == "1"
        assert statuses[0].json()["code"] == "rate.limit.exceeded"
        assert len(fake.requests) == 4


def test_more_concurrent_requests_than_allowed_get_a_429() -> None:
    with FakeSumoLogic(max_concurrent=2) as fake:
        fake.set("metric=cpu", 1.0)
        fake.script(delay=1.0, times=3)  # all three are in flight at once
        statuses: list[int] = []
        threads = [
            threading.Thread(target=lambda: statuses.append(post(fake, body()).status_code)) for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert fake.max_in_flight == 3
        assert sorted(statuses) == [200, 200, 429]
