"""The Datadog provider against a local fake of Datadog's query API: query forms, one-value rules,
errors, 429/503 retries, timeouts, credentials, hostile values and the settle wait."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from datetime import timedelta

import pytest

from slogate.adapters.providers.datadog import DatadogProvider, create_provider
from slogate.adapters.providers.vendor_http import CredentialsRefusedError
from slogate.bootstrap import sli_provider
from slogate.domain.evaluation.sli import SLIRequest
from tests.support.datadog_runs import END, LATENCY, WINDOW, Timing, fetch, one, options, sli_request
from tests.support.fake_datadog import API_KEY, APP_KEY, FakeDatadog


@pytest.fixture
def fake() -> Iterator[FakeDatadog]:
    with FakeDatadog() as server:
        yield server


def test_keptn_query_with_placeholders_is_sent_as_a_scalar_request(fake: FakeDatadog) -> None:
    """Placeholders resolved as Keptn did ($DURATION in seconds), the window in ms, both key headers."""
    resolved = "avg:trace.http.request.duration{service:cart,env:qa,build:b1}.rollup(avg, 120)"
    fake.put(resolved, 100.0, 200.0, None, 300.0)
    value = one(fetch(fake, sli_request(("latency", LATENCY))))
    assert value.success, value.message
    assert value.value == 200.0  # Datadog's avg over the window (the rollup's method), nulls skipped
    sent = fake.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/api/v2/query/scalar")
    assert sent.headers["dd-api-key"] == API_KEY
    assert sent.headers["dd-application-key"] == APP_KEY
    assert sent.body == {
        "data": {
            "type": "scalar_request",
            "attributes": {
                "from": 1704103080000,
                "to": 1704103200000,
                "queries": [
                    {"data_source": "metrics", "name": "query1", "query": resolved, "aggregator": "avg"}
                ],
            },
        }
    }
    assert (
        value.query
        == f"POST /api/v2/query/scalar aggregator=avg query={resolved} from=1704103080000 to=1704103200000"
    )


@pytest.mark.parametrize(
    ("query", "points", "expected"),
    [
        ("sum:hits{service:cart}.as_count()", (1.0, 2.0, 3.0), 6.0),
        ("max:cpu{service:cart}", (5.0, 9.0, 7.0), 9.0),
        ("min:cpu{service:cart}", (5.0, 9.0, 7.0), 5.0),
        ("avg:cpu{service:cart}.rollup(max, 60)", (5.0, 9.0, 7.0), 9.0),
        ("sum:hits{service:cart}.rollup(count, 60)", (1.0, 2.0), 3.0),
        ("cpu{service:cart}", (2.0, 4.0), 3.0),
        ("p90:latency{service:cart}", tuple(float(v) for v in range(1, 11)), 9.0),
        ("avg:lat{service:cart}", (-1.5,), -1.5),
    ],
)
def test_every_query_form_reads_datadogs_scalar(
    fake: FakeDatadog, query: str, points: tuple[float, ...], expected: float
) -> None:
    fake.put(query, *points)
    value = one(fetch(fake, sli_request(("sli", query))))
    assert (value.success, value.value) == (True, expected), value.message


def test_arithmetic_is_sent_as_queries_and_a_formula(fake: FakeDatadog) -> None:
    fake.put("sum:errors{service:cart}.as_count()", 2.0, 3.0)
    fake.put("sum:hits{service:cart}.as_count()", 40.0, 60.0)
    query = "sum:errors{service:$SERVICE}.as_count() / sum:hits{service:$SERVICE}.as_count() * 100"
    value = one(fetch(fake, sli_request(("error_rate", query))))
    assert (value.success, value.value) == (True, 5.0), value.message
    attributes = fake.requests[-1].body["data"]["attributes"]
    assert attributes["formulas"] == [{"formula": "query1 / query2 * 100"}]
    assert [q["query"] for q in attributes["queries"]] == [
        "sum:errors{service:cart}.as_count()",
        "sum:hits{service:cart}.as_count()",
    ]


def test_three_builds_pass_regress_pass(fake: FakeDatadog) -> None:
    """The table per build: build 1 and 3 answer alike, build 2 regresses."""
    query = "avg:latency{service:$SERVICE,build:$LABEL.buildId}"
    for build, latency in (("b1", 100.0), ("b2", 250.0), ("b3", 101.0)):
        fake.put(f"avg:latency{{service:cart,build:{build}}}", latency)
    got = [
        one(fetch(fake, sli_request(("latency", query), build=build))).value for build in ("b1", "b2", "b3")
    ]
    assert got == [100.0, 250.0, 101.0]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ((), "Datadog returned null: no data points in the window"),
        ((None, None), "Datadog returned null: no data points in the window"),
        ((math.nan,), "Datadog returned nan"),
    ],
)
def test_null_and_nan_fail_the_sli(fake: FakeDatadog, points: tuple[float | None, ...], message: str) -> None:
    fake.put("avg:x{*}", *points)
    value = one(fetch(fake, sli_request(("x", "avg:x{*}"))))
    assert not value.success
    assert value.message.startswith(f"SLI 'x': {message}")
    assert value.message.endswith("(query: avg:x{*})")


def test_empty_result_and_several_groups_fail_naming_what_came_back(fake: FakeDatadog) -> None:
    for host, cpu in (("a", 1.0), ("b", 2.0), ("c", 3.0)):
        fake.put("avg:cpu{*} by {host}", cpu, tags=(f"host:{host}",), add=True)
    values = fetch(fake, sli_request(("groups", "avg:cpu{*} by {host}"), ("empty", "avg:absent{*}")))
    assert [value.success for value in values] == [False, False]
    assert values[0].message == (
        "SLI 'groups': Datadog returned 3 values, one per group (host:a; host:b; host:c); an SLI needs "
        "exactly one: drop 'by {…}' or narrow the scope (query: avg:cpu{*} by {host})"
    )
    assert values[1].message == (
        "SLI 'empty': Datadog returned no value: no data for the query in the window (query: avg:absent{*})"
    )


def test_400_with_datadogs_error_body(fake: FakeDatadog) -> None:
    fake.fail_query("avg:x{*}.fill(bogus)", "Error parsing query: unknown fill mode 'bogus'")
    value = one(fetch(fake, sli_request(("x", "avg:x{*}.fill(bogus)"))))
    assert value.message == (
        "SLI 'x': Datadog answered HTTP 400: Error parsing query: unknown fill mode 'bogus' "
        "(query: avg:x{*}.fill(bogus))"
    )


def test_429_then_success_waits_for_x_ratelimit_reset(fake: FakeDatadog) -> None:
    fake.put("avg:x{*}", 7.0)
    fake.rate_limit(times=2, reset=3)
    timing = Timing(END + timedelta(hours=1))
    value = one(fetch(fake, sli_request(("x", "avg:x{*}")), timing))
    assert (value.success, value.value) == (True, 7.0)
    assert timing.waits == [3.0, 3.0]
    assert len(fake.requests) == 3


def test_429_retry_after_wins_over_the_reset(fake: FakeDatadog) -> None:
    fake.put("avg:x{*}", 7.0)
    fake.rate_limit(times=1, reset=9, retry_after="2")
    timing = Timing(END + timedelta(hours=1))
    assert one(fetch(fake, sli_request(("x", "avg:x{*}")), timing)).value == 7.0
    assert timing.waits == [2.0]


def test_503_then_success_backs_off(fake: FakeDatadog) -> None:
    fake.put("avg:x{*}", 7.0)
    fake.script(503, body={"errors": ["Service unavailable"]}, times=2)
    timing = Timing(END + timedelta(hours=1))
    assert one(fetch(fake, sli_request(("x", "avg:x{*}")), timing)).value == 7.0
    assert timing.waits == [0.5, 1.0]


def test_retries_used_up_fail_the_sli_only(fake: FakeDatadog) -> None:
    fake.put("avg:ok{*}", 1.0)
    fake.rate_limit(times=1000, reset=4)
    timing = Timing(END + timedelta(hours=1))
    values = fetch(fake, sli_request(("x", "avg:x{*}")), timing, retry_seconds=10.0)
    value = one(values)
    assert not value.success
    assert "Datadog answered HTTP 429 3 time(s); retrying after 4 s would exceed the retry time of 10 s" in (
        value.message
    )
    assert timing.waits == [4.0, 4.0]


def test_a_slow_answer_beyond_the_timeout_fails_the_sli(fake: FakeDatadog) -> None:
    fake.put("avg:x{*}", 1.0)
    fake.put("avg:y{*}", 2.0)
    fake.script(delay=5.0, path="/api/v2/query/scalar")
    values = fetch(fake, sli_request(("x", "avg:x{*}")), timeout_seconds=0.3, concurrency=1)
    assert "Datadog gave no answer within the timeout of 0.3 s" in one(values).message
    assert one(fetch(fake, sli_request(("y", "avg:y{*}")))).value == 2.0  # the fake is free again


@pytest.mark.parametrize(
    ("status", "keys"), [(403, {"api_key": "wrong"}), (403, {"app_key": "wrong"}), (401, {})]
)
def test_refused_credentials_error_the_evaluation(
    fake: FakeDatadog, status: int, keys: dict[str, str]
) -> None:
    fake.auth_status = status
    if not keys:
        fake.script(401, body={"errors": ["Unauthorized"]})
    fake.put("avg:x{*}", 1.0)
    with pytest.raises(CredentialsRefusedError) as raised:
        fetch(fake, sli_request(("x", "avg:x{*}"), ("y", "avg:x{*}")), None, **keys)
    message = str(raised.value)
    assert message.startswith(f"Datadog refused the credentials: HTTP {status} for POST {fake.url}")
    assert API_KEY not in message
    assert APP_KEY not in message


def test_hostile_values_are_refused_before_any_request(fake: FakeDatadog) -> None:
    query = "avg:latency{build:$LABEL.buildId}"
    request = sli_request(("x", query), ("y", "avg:x{a:$ENV.HOME}"), ("z", "avg:x{}"), build="x} OR *{")
    values = fetch(fake, request)
    assert [value.success for value in values] == [False, False, False]
    assert "the value 'x} OR *{' of $LABEL.buildId holds characters" in values[0].message
    assert "$ENV.HOME: $ENV is not supported" in values[1].message
    assert "the scope {} is empty" in values[2].message
    assert fake.requests == []


def test_an_indicator_without_a_query_fails_alone(fake: FakeDatadog) -> None:
    fake.put("avg:x{*}", 1.0)
    queries = (("x", "avg:x{*}"),)
    start = END - timedelta(seconds=WINDOW)
    values = fetch(fake, SLIRequest("shop", "qa", "cart", start, END, ("x", "missing"), queries=queries))
    assert values[0].success
    assert values[1].message == "SLI 'missing': no query for it in datadog/sli.yaml"


def test_settle_waits_once_per_evaluation(fake: FakeDatadog) -> None:
    for name in "abcde":
        fake.put(f"avg:{name}{{*}}", 1.0)
    request = sli_request(*((name, f"avg:{name}{{*}}") for name in "abcde"))
    timing = Timing(END + timedelta(seconds=10))
    values = fetch(fake, request, timing, settle_seconds=None)  # Datadog's default: 60 s
    assert all(value.success for value in values)
    assert timing.waits == [50.0]


def test_no_settle_wait_for_an_old_window_and_the_setting_wins(fake: FakeDatadog) -> None:
    fake.put("avg:x{*}", 1.0)
    old = Timing(END + timedelta(seconds=61))
    assert one(fetch(fake, sli_request(("x", "avg:x{*}")), old, settle_seconds=None)).success
    assert old.waits == []
    short = Timing(END + timedelta(seconds=1))
    assert one(fetch(fake, sli_request(("x", "avg:x{*}")), short, settle_seconds=5.0)).success
    assert short.waits == [4.0]


def test_a_window_ending_too_far_ahead_fails_every_sli_without_a_request(fake: FakeDatadog) -> None:
    timing = Timing(END - timedelta(seconds=600))
    values = fetch(fake, sli_request(("x", "avg:x{*}"), ("y", "avg:y{*}")), timing, settle_seconds=None)
    assert [value.success for value in values] == [False, False]
    assert values[0].message.startswith(
        "the window ends 600 s from now: Datadog data would settle after 660 s"
    )
    assert timing.waits == []
    assert fake.requests == []


def test_twenty_slis_share_one_pooled_client(fake: FakeDatadog) -> None:
    names = [f"sli{i}" for i in range(20)]
    for i, name in enumerate(names):
        fake.put(f"avg:{name}{{*}}", float(i))
    values = fetch(fake, sli_request(*((name, f"avg:{name}{{*}}") for name in names)))
    assert [value.value for value in values] == [float(i) for i in range(20)]
    assert sorted(fake.queries()) == sorted(f"avg:{name}{{*}}" for name in names)


def test_the_entry_point_builds_the_provider(fake: FakeDatadog) -> None:
    built = sli_provider("datadog", options(fake.url))
    default = create_provider(options("", settle_seconds=None))
    assert isinstance(built, DatadogProvider)
    assert isinstance(default, DatadogProvider)
    assert built.settle_seconds(sli_request()) == 0.0
    assert default.settle_seconds(sli_request()) == 60.0
    assert default.calls.base_url == "https://api.datadoghq.com"
    asyncio.run(built.aclose())
    asyncio.run(default.aclose())


def test_refused_keys_fail_before_the_settle_wait(fake: FakeDatadog) -> None:
    """With data still settling, Datadog's key check finds a wrong key first: no minute's wait for a 403."""
    fake.put("avg:x{*}", 1.0)
    timing = Timing(END + timedelta(seconds=5))
    with pytest.raises(CredentialsRefusedError, match="HTTP 403 for GET"):
        fetch(fake, sli_request(("x", "avg:x{*}")), timing, app_key="wrong", settle_seconds=None)
    assert timing.waits == []
    assert [request.path for request in fake.requests] == ["/api/v2/validate_keys"]
