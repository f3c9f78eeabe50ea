"""The Prometheus provider against a real Prometheus: extraction, placeholders, auth, timeouts, builds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slogate.adapters.providers.prometheus import PrometheusProvider
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.ports import ProviderOptions
from tests.support.helloapp import HelloApp, drive_load
from tests.support.httpproxy import RecordingProxy
from tests.support.prometheus import (
    HELLO_JOB,
    Phase,
    PrometheusServer,
    Series,
    needs_prometheus,
    tutorial_series,
)

pytestmark = needs_prometheus

END = (int(time.time()) // 60) * 60 - 3600  # an hour ago: backfilled data, queried at once
WINDOW = 120
CANARY = f"{HELLO_JOB}-canary"
TUTORIAL_SLIS = (
    (
        "http_response_time_seconds_main_page_sum",
        "sum(rate(http_server_request_duration_seconds_sum"
        '{method="GET",route="/",status_code="200",job="$SERVICE-$PROJECT-$STAGE"}[$DURATION_SECONDS])'
        "/rate(http_server_request_duration_seconds_count"
        '{method="GET",route="/",status_code="200",job="$SERVICE-$PROJECT-$STAGE"}[$DURATION_SECONDS]))',
    ),
    (
        "request_throughput",
        'sum(rate(http_requests_total{status="success",job="$SERVICE-$PROJECT-$STAGE"}[$DURATION_SECONDS]))',
    ),
    ("go_routines", 'go_goroutines{job="$SERVICE-$PROJECT-$STAGE"}'),
)
NASTY_VALUES = (
    'a"b',
    "a'b",
    "back\\slash",
    "line\nbreak",
    "} or vector(1) #",
    "$PROJECT",
    "ünï€ode",
    "tick`",
)
PLACEHOLDER_LABELS = {
    "project": "fulltour",
    "stage": "qa",
    "service": "helloservice",
    "deployment": "canary",
    "version": "v0.1.1",
    "handler": "Items",
    "window": "120s",
}


def steady(name: str, labels: dict[str, str], value: float | Callable[[int], float]) -> Series:
    """A series sampled every 5 s over the 10 minutes before END (a callable maps seconds to values)."""
    points = [(END - 600 + s, value(s) if callable(value) else value) for s in range(0, 601, 5)]
    return Series(name, labels, points)


def dataset() -> list[Series]:
    """Deterministic data for every case below."""
    series = [
        steady("slogate_single", {"job": "det"}, 42.0),
        steady("slogate_multi", {"job": "det", "instance": "a"}, 1.0),
        steady("slogate_multi", {"job": "det", "instance": "b"}, 2.0),
        steady("slogate_counter_total", {"job": HELLO_JOB}, lambda s: s),  # +1 per second
        steady("slogate_placeholder", PLACEHOLDER_LABELS, 1.0),
        steady("http_requests_total", {"job": CANARY, "status": "200"}, lambda s: 3 * s),
        steady("http_requests_total", {"job": CANARY, "status": "500"}, lambda s: s),
    ]
    for upper, per_second in (("100", 5), ("200", 10), ("+Inf", 10)):
        labels = {"job": CANARY, "le": upper}
        series.append(steady("http_response_time_milliseconds_bucket", labels, per_second.__mul__))
    series += [steady("slogate_escape", {"v": value}, float(i)) for i, value in enumerate(NASTY_VALUES)]
    phases = [Phase(END - 600, END - 300, 0.004, 0.55, 7), Phase(END - 295, END, 0.4, 0.5, 7)]
    return series + tutorial_series(HELLO_JOB, phases)


@pytest.fixture(scope="module")
def prometheus(prometheus_factory: Callable[..., PrometheusServer]) -> PrometheusServer:
    """Prometheus on the deterministic data set."""
    return prometheus_factory(series=dataset())


def sli_request(
    *queries: tuple[str, str], indicators: tuple[str, ...] | None = None, end: float = END, **fields: Any
) -> SLIRequest:
    """A get-sli request for the tutorial's service over the WINDOW seconds before ``end``."""
    finish = datetime.fromtimestamp(end, UTC)
    names = indicators if indicators is not None else tuple(name for name, _ in queries)
    values: dict[str, Any] = {"project": "fulltour", "stage": "qa", "service": "helloservice"}
    values.update(fields)
    return SLIRequest(
        start=finish - timedelta(seconds=WINDOW), end=finish, indicators=names, queries=queries, **values
    )


def fetch(url: str, request: SLIRequest, **config: Any) -> tuple[SLIValue, ...]:
    """Run a fresh provider (its own client) against ``url``."""

    async def run() -> tuple[SLIValue, ...]:
        async with PrometheusProvider(ProviderOptions(url=url, **config)) as provider:
            return await provider.fetch(request)

    return asyncio.run(run())


def messages(values: tuple[SLIValue, ...]) -> dict[str, str]:
    """Name -> message of each value."""
    return {value.metric: value.message for value in values}


def test_extraction_rules_against_real_answers(prometheus: PrometheusServer) -> None:
    """One value, no value, several, NaN, ±Inf, scalar, string, matrix, syntax error: as Keptn words them."""
    queries = (
        ("one", 'slogate_single{job="det"}'),
        ("none", "slogate_absent"),
        ("multiple", "slogate_multi"),
        ("nan", "vector(0)/0"),
        ("inf", "vector(1)/0"),
        ("minus_inf", "vector(-1)/0"),
        ("scalar", "scalar(vector(1))"),
        ("string", '"text"'),
        ("matrix", "slogate_single[1m]"),
        ("syntax", "sum("),
    )
    values = fetch(prometheus.url, sli_request(*queries))
    assert values[0] == SLIValue("one", 42.0, True, query='slogate_single{job="det"}')
    assert all(not value.success for value in values[1:])
    got = messages(values)
    assert got["none"] == "query did not return any values (query: slogate_absent)"
    assert got["multiple"] == "query did return multiple values (query: slogate_multi)"
    for name in ("nan", "inf", "minus_inf"):
        assert got[name] == f"query did not return valid values (query: {dict(queries)[name]})"
    assert got["scalar"] == "prometheus api response is not a Vector: scalar (query: scalar(vector(1)))"
    assert got["string"] == 'prometheus api response is not a Vector: string (query: "text")'
    assert got["matrix"] == "prometheus api response is not a Vector: matrix (query: slogate_single[1m])"
    assert got["syntax"].startswith('unable to query prometheus api: bad_data: invalid parameter "query"')
    assert got["syntax"].endswith("(query: sum()")


def test_every_placeholder_resolves_against_real_series(prometheus: PrometheusServer) -> None:
    """$PROJECT, $STAGE, $SERVICE, $DEPLOYMENT, $LABEL.x, a filter and $DURATION_SECONDS select real data."""
    selector = (
        'slogate_placeholder{project="$PROJECT",stage="$STAGE",service="$SERVICE",deployment="$DEPLOYMENT",'
        "version='$LABEL.version',handler=`$HANDLER`,window=\"$DURATION_SECONDS\"}"
    )
    queries = (
        ("selector", selector),
        ("increase", 'increase(slogate_counter_total{job="$SERVICE-$PROJECT-$STAGE"}[$DURATION_SECONDS])'),
    )
    request = sli_request(
        *queries, labels=(("version", "v0.1.1"),), deployment="canary", filters=(("handler", "'Items'"),)
    )
    selected, increase = fetch(prometheus.url, request)
    assert (selected.success, selected.value) == (True, 1.0), selected.message
    assert increase.success, increase.message
    assert increase.value == pytest.approx(WINDOW)


def test_the_tutorial_slis_give_the_values_of_each_build(prometheus: PrometheusServer) -> None:
    """Backfilled v0.1.1 then v0.1.2: response time 0.004 s then 0.4 s, throughput, goroutines."""
    fast, slow = (fetch(prometheus.url, sli_request(*TUTORIAL_SLIS, end=end)) for end in (END - 300, END))
    assert [value.value for value in fast] == pytest.approx([0.004, 0.55, 7.0])
    assert [value.value for value in slow] == pytest.approx([0.4, 0.5, 7.0])


def test_default_queries_compute_keptns_defaults(prometheus: PrometheusServer) -> None:
    """Throughput, error rate and latency percentiles over the ``-canary`` job."""
    names = ("throughput", "error_rate", "response_time_p50", "response_time_p90", "response_time_p95")
    values = fetch(prometheus.url, sli_request(indicators=names))
    assert all(value.success for value in values), messages(values)
    assert [value.value for value in values] == pytest.approx([4.0, 0.25, 100.0, 180.0, 190.0])
    with_filter = fetch(
        prometheus.url, sli_request(indicators=("throughput",), filters=(("status", "!~'2..'"),))
    )
    assert with_filter[0].value == pytest.approx(1.0)


@pytest.mark.parametrize("quote", ['"', "'", "`"])
def test_escaped_values_match_exactly_the_label_they_name(prometheus: PrometheusServer, quote: str) -> None:
    """Prometheus decodes every escaped label value back to exactly the value (or the SLI is refused)."""
    queries = tuple(
        (f"v{i}", f"slogate_escape{{v={quote}$LABEL.v{i}{quote}}}") for i in range(len(NASTY_VALUES))
    )
    labels = tuple((f"v{i}", value) for i, value in enumerate(NASTY_VALUES))
    values = fetch(prometheus.url, sli_request(*queries, labels=labels))
    for index, (value, nasty) in enumerate(zip(values, NASTY_VALUES, strict=True)):
        if quote == "`" and "`" in nasty:
            assert value.message.startswith(f"cannot substitute $LABEL.v{index}: "), value.message
        else:
            assert (value.success, value.value) == (True, float(index)), (nasty, value.message)


def test_basic_auth(prometheus_factory: Callable[..., PrometheusServer]) -> None:
    """Right credentials get the value; wrong or missing ones get Prometheus' 401."""
    secured = prometheus_factory(
        series=[steady("slogate_single", {"job": "det"}, 42.0)], basic_auth=("keptn", "s3cret")
    )
    request = sli_request(("one", "slogate_single"))
    assert fetch(secured.url, request, username="keptn", password="s3cret")[0].value == 42.0
    unauthorized = "unable to query prometheus api: client_error: client error: 401 (query: slogate_single)"
    assert fetch(secured.url, request, username="keptn", password="wrong")[0].message == unauthorized
    assert fetch(secured.url, request)[0].message == unauthorized


def test_bearer_token_reaches_the_server(prometheus: PrometheusServer) -> None:
    """Every query carries ``Authorization: Bearer <token>`` (seen by a proxy in front of Prometheus)."""
    with RecordingProxy(prometheus.url) as proxy:
        values = fetch(proxy.url, sli_request(*TUTORIAL_SLIS), bearer_token="t0ken")
    assert all(value.success for value in values)
    assert [seen.headers.get("Authorization") for seen in proxy.requests] == ["Bearer t0ken"] * 3
    assert {(seen.method, seen.path) for seen in proxy.requests} == {("POST", "/api/v1/query")}
    assert {seen.form["time"] for seen in proxy.requests} == {str(END)}


def test_get_fallback_when_post_is_refused(prometheus: PrometheusServer) -> None:
    """A server answering 405 to POST is asked again with GET, and the value arrives."""
    with RecordingProxy(prometheus.url, refuse_post=True) as proxy:
        (value,) = fetch(proxy.url, sli_request(("one", 'slogate_single{job="det"}')))
    assert value.value == 42.0
    assert [seen.method for seen in proxy.requests] == ["POST", "GET"]


def test_a_query_that_times_out_does_not_hold_up_the_others(prometheus: PrometheusServer) -> None:
    """The held-back query fails after the timeout; five others succeed meanwhile."""
    queries = (("slow", "slogate_single # hold"), *((f"fast{i}", "slogate_single") for i in range(5)))

    def delay(form: dict[str, str]) -> float:
        return 10.0 if "hold" in form["query"] else 0.0

    with RecordingProxy(prometheus.url, delay=delay) as proxy:
        started = time.perf_counter()
        values = fetch(proxy.url, sli_request(*queries), timeout_seconds=0.5)
        elapsed = time.perf_counter() - started
    assert 0.5 <= elapsed < 8.0  # gave up after the timeout, not after the 10 s the proxy holds it
    assert values[0].message == (
        "unable to query prometheus api: no answer within the timeout of 0.5 s (query: slogate_single # hold)"
    )
    assert [value.value for value in values[1:]] == [42.0] * 5


def test_concurrency_bound_is_respected(prometheus: PrometheusServer) -> None:
    """With ``concurrency=3`` and nine queries held 0.2 s each, three run at a time."""
    queries = tuple((f"q{i}", "slogate_single") for i in range(9))
    with RecordingProxy(prometheus.url, delay=lambda form: 0.2) as proxy:
        started = time.perf_counter()
        values = fetch(proxy.url, sli_request(*queries), concurrency=3)
        elapsed = time.perf_counter() - started
    assert all(value.success for value in values)
    assert proxy.max_in_flight == 3
    assert elapsed >= 0.6


def measure_build(
    app: HelloApp, server: PrometheusServer, version: str, delay: float
) -> tuple[SLIValue, ...]:
    """Redeploy ``version`` (metrics from zero), drive 10 requests/s for 2 s, evaluate the tutorial SLIs.

    The window starts at the second scrape after the redeploy, so it holds no sample of the previous
    build, and ends at the first scrape after the load.
    """
    app.redeploy(version, delay)
    first = server.wait_for_scrape(HELLO_JOB, after=time.time())
    start = server.wait_for_scrape(HELLO_JOB, after=first + 0.001)
    drive_load(app.url, rate=10, seconds=2)
    end = server.wait_for_scrape(HELLO_JOB, after=time.time())
    window = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
    names = tuple(name for name, _ in TUTORIAL_SLIS)
    request = SLIRequest("fulltour", "qa", "helloservice", *window, names, queries=TUTORIAL_SLIS)
    return fetch(server.url, request)


@pytest.mark.slow
def test_fast_and_slow_builds_of_the_live_service(
    hello_app: HelloApp, live_prometheus: PrometheusServer
) -> None:
    """Scraped live: the fast build answers in milliseconds, the slow one (0.4 s sleep) in about 0.4 s."""
    try:
        fast = measure_build(hello_app, live_prometheus, "0.1.1", 0.0)
        slow = measure_build(hello_app, live_prometheus, "0.1.2", 0.4)
    finally:
        hello_app.redeploy("0.1.1")
    assert all(value.success for value in fast + slow), (fast, slow)
    assert fast[0].value < 0.05
    assert 0.4 <= slow[0].value < 0.45
    assert all(3 < build[1].value <= 12 for build in (fast, slow))  # 20 requests in a 2–4 s window
    assert 1 <= fast[2].value <= 30
