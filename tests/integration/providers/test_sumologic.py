"""The Sumo Logic provider against the local fake of its API: every query form, every rule, every error."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slogate.adapters.providers.sumologic import SumoLogicProvider
from slogate.adapters.providers.vendor_http import CredentialsRefusedError
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.ports import ProviderOptions
from tests.support.fake_sumologic import QUERY_PATH, FakeSumoLogic

END = datetime(2024, 1, 1, 10, 5, tzinfo=UTC)
LATER = END + timedelta(hours=1)  # "now" for most tests: the window has settled long ago
CPU = "metric=cpu service=$SERVICE | quantize to $DURATION using avg | sum"
CPU_SENT = "metric=cpu service=cart | sum"


class Sleeps:
    """An injected ``asyncio.sleep`` that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeSumoLogic]:
    with FakeSumoLogic() as server:
        yield server


def sli_request(
    *queries: tuple[str, str], labels: tuple[tuple[str, str], ...] = (), **extra: Any
) -> SLIRequest:
    """A 5-minute window ending at END asking for every query."""
    return SLIRequest(
        "shop",
        "qa",
        "cart",
        END - timedelta(minutes=5),
        END,
        extra.pop("indicators", tuple(name for name, _ in queries)),
        labels=labels,
        queries=queries,
        **extra,
    )


def make(fake: FakeSumoLogic, sleeps: Sleeps, now: datetime = LATER, **options: Any) -> SumoLogicProvider:
    """A provider for the fake with its credentials unless given."""
    options.setdefault("url", fake.url)
    options.setdefault("credentials", fake.credentials)
    return SumoLogicProvider(ProviderOptions(**options), now=lambda: now, sleep=sleeps)


def fetch(
    fake: FakeSumoLogic, request: SLIRequest, now: datetime = LATER, **options: Any
) -> tuple[tuple[SLIValue, ...], list[float]]:
    """The values of ``request`` and the waits the provider asked for."""
    sleeps = Sleeps()

    async def run() -> tuple[SLIValue, ...]:
        async with make(fake, sleeps, now, **options) as provider:
            return await provider.fetch(request)

    return asyncio.run(run()), sleeps.waits


def failure(fake: FakeSumoLogic, query: str, **options: Any) -> str:
    """The message of the one failed SLI ``query`` gives."""
    (value,), _ = fetch(fake, sli_request(("cpu", query)), **options)
    assert not value.success
    return value.message


def test_every_query_form_sends_keptns_request_and_reads_one_value(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    fake.set("metric=mem pod=cart-*", 512.0)
    fake.set("metric=errors | sum by pod | max", 3.0)
    fake.set("metric=lat", 0.1)
    fake.set("metric=req", 120.0)
    request = sli_request(
        ("cpu", CPU),
        ("mem", "metric=mem pod=$service-* | quantize to 5m using max"),
        ("errors", "metric=errors|quantize to 300s using sum|sum by pod | max"),
        ("lat", "metric=lat | quantize to $DURATION using min |"),
        ("req", "metric=req | quantize to 1h using count"),
        ("old", "metric=lat | quantize to $DURATIONs using min"),
    )
    values, waits = fetch(fake, request)
    assert [(v.metric, v.value, v.success) for v in values] == [
        ("cpu", 0.25, True),
        ("mem", 512.0, True),
        ("errors", 3.0, True),
        ("lat", 0.1, True),
        ("req", 120.0, True),
        ("old", 0.1, True),
    ]
    assert waits == []
    rows = {row["query"]: row for item in fake.requests for row in item.body["queries"]}
    assert {query: (row["quantization"], row["rollup"]) for query, row in rows.items()} == {
        CPU_SENT: (300_000, "Avg"),
        "metric=mem pod=cart-*": (300_000, "Max"),
        "metric=errors | sum by pod | max": (300_000, "Sum"),
        "metric=lat": (300_000, "Min"),
        "metric=req": (3_600_000, "Count"),
    }
    first = fake.requests[0]
    assert first.path == QUERY_PATH
    assert first.headers["authorization"].startswith("Basic ")
    assert first.body["timeRange"]["from"]["epochMillis"] == 1704103200000
    assert first.body["timeRange"]["to"]["epochMillis"] == 1704103500000
    assert values[0].query == f'POST /api/v1/metricsQueries query="{CPU_SENT}" quantization=300000 rollup=Avg'


def test_keptn_and_shared_placeholders_resolve_into_the_query_sent(fake: FakeSumoLogic) -> None:
    sent = "metric=up project=shop stage=qa service=cart p=shop s=qa v=cart d=canary b=b-42 pod=web-1"
    fake.set(sent, 1.0)
    query = (
        "metric=up project=$PROJECT stage=$STAGE service=$SERVICE p=$project s=$stage v=$service "
        "d=$DEPLOYMENT b=$LABEL.buildId pod=$POD | quantize to $DURATION using avg"
    )
    request = sli_request(
        ("up", query), labels=(("buildId", "b-42"),), deployment="canary", filters=(("pod", '"web-1"'),)
    )
    (value,), _ = fetch(fake, request)
    assert (value.success, value.value) == (True, 1.0), value.message
    assert fake.queries == [sent]


def test_three_builds_pass_regress_pass_over_one_pooled_connection(fake: FakeSumoLogic) -> None:
    sleeps = Sleeps()
    seen: list[float] = []

    async def run() -> None:
        async with make(fake, sleeps) as provider:
            for build_value in (0.20, 0.90, 0.21):
                fake.set(CPU_SENT, build_value)
                (value,) = await provider.fetch(sli_request(("cpu", CPU)))
                seen.append(value.value)

    asyncio.run(run())
    assert seen == [0.20, 0.90, 0.21]
    assert len({item.client_port for item in fake.requests}) == 1  # keep-alive: one client, reused


def test_a_429_is_retried_after_its_retry_after(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    fake.script(429, headers={"Retry-After": "3"})
    (value,), waits = fetch(fake, sli_request(("cpu", CPU)))
    assert (value.success, value.value) == (True, 0.25)
    assert waits == [3.0]
    assert len(fake.requests) == 2


def test_a_429_is_retried_after_its_rate_limit_reset(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    fake.script(429, headers={"X-RateLimit-Reset": "2"}, times=2)
    (value,), waits = fetch(fake, sli_request(("cpu", CPU)))
    assert value.success
    assert waits == [2.0, 2.0]


def test_a_503_is_retried_with_backoff(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    fake.script(503, times=2)
    (value,), waits = fetch(fake, sli_request(("cpu", CPU)))
    assert value.success
    assert waits == [0.5, 1.0]


def test_retries_used_up_fail_the_sli_naming_the_status(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    fake.script(429, headers={"Retry-After": "100"}, times=5)
    message = failure(fake, CPU, retry_seconds=30.0)
    assert "Sumo Logic answered HTTP 429 1 time(s)" in message
    assert "would exceed the retry time of 30 s" in message
    assert len(fake.requests) == 1


def test_a_slow_answer_beyond_the_timeout_fails_the_sli(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    fake.script(delay=3.0)
    message = failure(fake, CPU, timeout_seconds=0.2)
    assert "Sumo Logic gave no answer within the timeout of 0.2 s" in message


def test_a_403_errors_the_evaluation_too(fake: FakeSumoLogic) -> None:
    fake.script(
        403, body={"status": 403, "id": "Q", "code": "forbidden", "message": "No metrics capability."}
    )
    with pytest.raises(
        CredentialsRefusedError, match=r"Sumo Logic refused the credentials: HTTP 403 .*capability"
    ):
        fetch(fake, sli_request(("cpu", CPU)))


def test_wrong_credentials_error_the_evaluation_naming_provider_and_status(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    wrong = (("ACCESS_ID", "suFAKEACCESSID01"), ("ACCESS_KEY", "not-the-key-s3cret"))
    with pytest.raises(CredentialsRefusedError) as caught:
        fetch(fake, sli_request(("cpu", CPU), ("mem", CPU)), credentials=wrong)
    message = str(caught.value)
    assert "Sumo Logic refused the credentials: HTTP 401" in message
    assert "Credential could not be verified" in message
    assert "s3cret" not in message


def test_wrong_credentials_fail_before_the_settle_wait(fake: FakeSumoLogic) -> None:
    """With data still settling, a probe finds the refused key first: no wait for a 401; and at most
    10 requests run at once, Sumo Logic's limit per access key, whatever the concurrency asked for."""
    wrong = (("ACCESS_ID", "suFAKEACCESSID01"), ("ACCESS_KEY", "not-the-key-s3cret"))
    with pytest.raises(CredentialsRefusedError, match="HTTP 401"):
        fetch(fake, sli_request(("cpu", CPU)), now=END + timedelta(seconds=5), credentials=wrong)
    assert len(fake.requests) == 1
    assert make(fake, Sleeps(), concurrency=64).calls._slots._value == 10


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ((), "query did not return any values: Sumo Logic returned no time series"),
        ((1.0, 2.0), "query did return multiple values: 2 time series ({series=0}, {series=1})"),
        ((None,), "query did not return valid values: the point is null"),
        (([0.5, None],), "query did return multiple values: 2 points"),
    ],
)
def test_anything_but_one_point_is_a_failed_sli_saying_what_came_back(
    fake: FakeSumoLogic, series: tuple[Any, ...], message: str
) -> None:
    fake.set(CPU_SENT, *series)
    got = failure(fake, CPU)
    assert got.startswith(f"SLI 'cpu': {message}")
    assert got.endswith(f"(query: {CPU_SENT.replace(' | sum', '')} | quantize to 300s using avg | sum)")


def test_buckets_shorter_than_the_window_are_named(fake: FakeSumoLogic) -> None:
    fake.set("metric=cpu", 0.5)
    message = failure(fake, "metric=cpu | quantize to 60s using avg")
    assert (
        "5 points; `quantize to 60s using avg` makes buckets of 60 s, shorter than the window of 300 s"
        in message
    )


def test_a_400_with_sumos_error_body_is_a_readable_failure(fake: FakeSumoLogic) -> None:
    body = {"id": "7B1C", "errors": [{"code": "metrics:invalid_query", "message": "Unknown operator 'sumx'"}]}
    fake.script(400, body=body)
    message = failure(fake, CPU)
    assert "Sumo Logic answered HTTP 400: metrics:invalid_query: Unknown operator 'sumx'" in message


def test_errors_in_an_answer_fail_the_sli_with_their_text(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25, error="The metrics query timed out.")
    message = failure(fake, CPU)
    assert "Sumo Logic reported an error: metrics:query_error: The metrics query timed out." in message


def test_a_wrong_region_says_so(fake: FakeSumoLogic) -> None:
    fake.script(301, headers={"Location": "https://api.eu.sumologic.com/api/v1/metricsQueries"})
    message = failure(fake, CPU)
    assert "HTTP 301 (moved to https://api.eu.sumologic.com/api/v1/metricsQueries)" in message
    assert "the region or endpoint is wrong" in message
    assert len(fake.requests) == 1  # not followed: the credentials stay with the configured endpoint


@pytest.mark.parametrize(
    ("query", "labels", "message"),
    [
        (
            "metric=cpu build=$LABEL.buildId | quantize to $DURATION using avg",
            (("buildId", 'x} OR *{"'),),
            "cannot be placed in a query safely",
        ),
        (
            "metric=cpu build=$LABEL.buildId | quantize to $DURATION using avg",
            (("buildId", "a b"),),
            "$LABEL.buildId",
        ),
        (
            "metric=cpu h=$ENV.HOME | quantize to $DURATION using avg",
            (),
            "$ENV.HOME: $ENV placeholders are not supported",
        ),
        (
            "metric=cpu b=$LABEL.missing | quantize to $DURATION using avg",
            (),
            "the event has no label 'missing'",
        ),
        ("metric=cpu | sum | quantize to $DURATION using avg", (), "must follow the selector directly"),
        ("metric=cpu", (), "please specify 1 `quantize` in the query"),
    ],
)
def test_unsafe_or_invalid_queries_are_refused_before_any_request(
    fake: FakeSumoLogic, query: str, labels: tuple[tuple[str, str], ...], message: str
) -> None:
    (value,), _ = fetch(fake, sli_request(("cpu", query), labels=labels))
    assert not value.success
    assert message in value.message
    assert fake.requests == []


def test_one_bad_sli_does_not_spoil_the_others(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    request = sli_request(
        ("cpu", CPU),
        ("empty", "metric=none | quantize to $DURATION using avg"),
        indicators=("cpu", "empty", "unknown"),
    )
    values, _ = fetch(fake, request)
    assert [(v.metric, v.success) for v in values] == [("cpu", True), ("empty", False), ("unknown", False)]
    assert values[2].message == "SLI 'unknown': no query for it in sumologic/sli.yaml"


def test_a_bare_host_url_finds_the_api_under_api(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    sleeps = Sleeps()

    async def run() -> list[SLIValue]:
        async with make(fake, sleeps, url=fake.root) as provider:
            return [value for _ in range(2) for value in await provider.fetch(sli_request(("cpu", CPU)))]

    values = asyncio.run(run())
    assert [v.success for v in values] == [True, True]
    assert [item.path for item in fake.requests] == ["/v1/metricsQueries", QUERY_PATH, QUERY_PATH]
    assert values[1].query.startswith("POST /api/v1/metricsQueries")


def test_a_wrong_api_path_says_what_the_endpoint_should_be(fake: FakeSumoLogic) -> None:
    message = failure(fake, CPU, url=fake.root + "/wrong")
    assert "Sumo Logic answered HTTP 404: not.found" in message
    assert "is the endpoint the API base" in message


def test_settling_is_one_wait_per_evaluation(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    request = sli_request(("a", CPU), ("b", CPU), ("c", CPU))
    values, waits = fetch(fake, request, now=END + timedelta(seconds=10))
    assert all(v.success for v in values)
    assert waits == [50.0]  # end + 60 s default, once for three SLIs
    _, waits = fetch(fake, request, now=END + timedelta(seconds=1), settle_seconds=5.0)
    assert waits == [4.0]
    _, waits = fetch(fake, request, now=END + timedelta(seconds=61))
    assert waits == []


def test_a_window_ending_too_far_ahead_fails_every_sli_without_a_request(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    values, waits = fetch(fake, sli_request(("a", CPU), ("b", CPU)), now=END - timedelta(hours=1))
    assert [v.success for v in values] == [False, False]
    assert all("the window ends 3600 s from now" in v.message for v in values)
    assert (waits, fake.requests) == ([], [])


def test_no_more_requests_in_flight_than_the_concurrency(fake: FakeSumoLogic) -> None:
    fake.set(CPU_SENT, 0.25)
    fake.script(delay=0.1, times=8)
    request = sli_request(*((f"s{i}", CPU) for i in range(8)))
    values, _ = fetch(fake, request, concurrency=2)
    assert all(v.success for v in values)
    assert 1 <= fake.max_in_flight <= 2
    assert len({item.client_port for item in fake.requests}) <= 2
