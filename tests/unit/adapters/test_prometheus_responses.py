"""The provider's HTTP side with faked answers: value extraction, Keptn's messages, timeouts, limits."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from slogate.adapters.providers.prometheus import PrometheusProvider, unix_seconds
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions

URL = "http://prometheus.test:9090"
END = datetime(2024, 1, 1, 10, 2, tzinfo=UTC)
Handler = (
    Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
)


def vector(*values: str) -> dict[str, Any]:
    """A successful instant-vector answer with one sample per value."""
    result = [{"metric": {"i": str(i)}, "value": [1704103320, v]} for i, v in enumerate(values)]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def answer(payload: dict[str, Any], status: int = 200) -> Handler:
    """A handler that always answers ``payload`` as JSON with ``status``."""
    return lambda request: httpx.Response(status, json=payload)


def form(request: httpx.Request) -> dict[str, str]:
    """The query fields of a POST body or GET URL."""
    text = request.content.decode() if request.method == "POST" else request.url.query.decode()
    return dict(urllib.parse.parse_qsl(text))


def sli_request(*queries: tuple[str, str], indicators: tuple[str, ...] | None = None) -> SLIRequest:
    """A 2-minute request for ``queries`` (name, PromQL), asking for all of them unless told."""
    names = indicators if indicators is not None else tuple(name for name, _ in queries)
    return SLIRequest(
        "fulltour", "qa", "helloservice", END - timedelta(minutes=2), END, names, queries=queries
    )


def fetch(handler: Handler, request: SLIRequest, **config: Any) -> tuple[SLIValue, ...]:
    """Run the provider against a faked Prometheus."""

    async def run() -> tuple[SLIValue, ...]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            provider = PrometheusProvider(ProviderOptions(url=URL, **config), client)
            return await provider.fetch(request)

    return asyncio.run(run())


def fetch_one(handler: Handler, query: str = "up", **config: Any) -> SLIValue:
    """The value of one SLI ``q`` with ``query``."""
    (value,) = fetch(handler, sli_request(("q", query)), **config)
    return value


def test_one_sample_is_the_value_and_the_query_is_kept() -> None:
    """A one-sample vector succeeds with its value and the resolved query."""
    value = fetch_one(answer(vector("0.25")), 'go_goroutines{job="$SERVICE-$PROJECT-$STAGE"}')
    assert value == SLIValue(
        "q", 0.25, success=True, query='go_goroutines{job="helloservice-fulltour-qa"}', message=""
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (vector(), "query did not return any values"),
        (vector("1", "2"), "query did return multiple values"),
        (vector("NaN"), "query did not return valid values"),
        (vector("+Inf"), "query did not return valid values"),
        (vector("-Inf"), "query did not return valid values"),
        (vector("twelve"), "query did not return valid values"),
        (
            {"status": "success", "data": {"resultType": "scalar", "result": [1, "1"]}},
            "prometheus api response is not a Vector: scalar",
        ),
        (
            {"status": "success", "data": {"resultType": "string", "result": [1, "a"]}},
            "prometheus api response is not a Vector: string",
        ),
        (
            {"status": "success", "data": {"resultType": "matrix", "result": []}},
            "prometheus api response is not a Vector: matrix",
        ),
    ],
)
def test_extraction_failures_use_keptns_messages_and_name_the_query(
    payload: dict[str, Any], message: str
) -> None:
    """Keptn's exact texts, followed by the resolved query."""
    value = fetch_one(answer(payload), "sum(rate(x[$DURATION_SECONDS]))")
    assert value.message == f"{message} (query: sum(rate(x[120s])))"
    assert (value.success, value.value, value.query) == (False, 0.0, "sum(rate(x[120s]))")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, {"status": "error", "errorType": "bad_data", "error": "parse error"}, "bad_data: parse error"),
        (422, {"status": "error", "errorType": "execution", "error": "too many"}, "execution: too many"),
        (
            503,
            {"status": "error", "errorType": "timeout", "error": "query timed out"},
            "timeout: query timed out",
        ),
        (200, {"status": "error", "errorType": "internal", "error": "odd"}, "internal: odd"),
        (500, "<html>oops</html>", "server_error: server error: 500"),
        (401, "Unauthorized", "client_error: client error: 401"),
        (404, "404 page not found", "client_error: client error: 404"),
    ],
)
def test_http_and_api_errors_are_worded_like_client_golang(status: int, body: Any, message: str) -> None:
    """API errors give ``errorType: error``; other HTTP errors their class and status code."""

    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, dict):
            return httpx.Response(status, json=body)
        return httpx.Response(status, text=body)

    value = fetch_one(handler)
    assert value.message == f"unable to query prometheus api: {message} (query: up)"
    assert not value.success


@pytest.mark.parametrize(
    ("content", "detail"),
    [("not json", "bad_response: "), ("[1, 2]", "bad_response: the body is not a JSON object")],
)
def test_unreadable_answers_are_bad_responses(content: str, detail: str) -> None:
    """A 200 whose body is not a JSON object is a failed value, not an exception."""
    value = fetch_one(lambda request: httpx.Response(200, text=content))
    assert value.message.startswith("unable to query prometheus api: " + detail)
    assert value.message.endswith("(query: up)")


def test_transport_errors_are_failed_values() -> None:
    """A refused connection names the error; an unexpected exception is caught just the same."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def crash(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    assert fetch_one(refuse).message == (
        "unable to query prometheus api: POST http://prometheus.test:9090/api/v1/query: "
        "ConnectError: connection refused (query: up)"
    )
    assert fetch_one(crash).message == "unable to query prometheus api: RuntimeError: boom (query: up)"


def test_httpx_timeouts_name_the_timeout() -> None:
    """A timeout inside httpx is reported with the configured limit."""

    def read_timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    value = fetch_one(read_timeout, timeout_seconds=2.5)
    assert (
        value.message == "unable to query prometheus api: no answer within the timeout of 2.5 s (query: up)"
    )


def test_a_slow_query_times_out_alone() -> None:
    """One hanging query fails after its timeout; the others answer at once."""

    async def handler(request: httpx.Request) -> httpx.Response:
        if form(request)["query"] == "slow":
            await asyncio.sleep(10)
        return httpx.Response(200, json=vector("1"))

    request = sli_request(("a", "fast"), ("b", "slow"), ("c", "fast"))
    started = time.perf_counter()
    values = fetch(handler, request, timeout_seconds=0.2)
    assert time.perf_counter() - started < 2
    assert [value.success for value in values] == [True, False, True]
    assert values[1].message == (
        "unable to query prometheus api: no answer within the timeout of 0.2 s (query: slow)"
    )


def test_query_is_posted_form_encoded_at_the_window_end() -> None:
    """POST /api/v1/query with ``query`` and ``time`` = the end as Unix seconds, under the URL's path."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=vector("1"))

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            provider = PrometheusProvider(ProviderOptions(url="http://p.test/prom/"), client)
            await provider.fetch(sli_request(("q", "up")))

    asyncio.run(run())
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", "http://p.test/prom/api/v1/query")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(request) == {"query": "up", "time": str(int(END.timestamp()))}


@pytest.mark.parametrize("status", [405, 501])
def test_post_refused_falls_back_to_get(status: int) -> None:
    """On 405 or 501 the same query is sent again with GET, as client_golang does."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if request.method == "POST":
            return httpx.Response(status)
        assert form(request) == {"query": "up", "time": str(int(END.timestamp()))}
        return httpx.Response(200, json=vector("3"))

    value = fetch_one(handler)
    assert (value.success, value.value, seen) == (True, 3.0, ["POST", "GET"])


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, None),
        ({"username": "keptn", "password": "s3cret"}, "Basic a2VwdG46czNjcmV0"),
        ({"bearer_token": "tok"}, "Bearer tok"),
    ],
)
def test_credentials_are_sent_on_every_query(config: dict[str, str], expected: str | None) -> None:
    """Basic auth or a bearer token reach the server, also through an injected client."""
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json=vector("1"))

    fetch(handler, sli_request(("a", "up"), ("b", "up")), **config)
    assert seen == [expected, expected]


def test_concurrency_is_bounded_and_order_is_kept() -> None:
    """At most ``concurrency`` queries run at once; values come back in indicator order."""
    running, peak = 0, 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        number = int(form(request)["query"])
        await asyncio.sleep(0.002 * (10 - number))  # later queries answer sooner
        running -= 1
        return httpx.Response(200, json=vector(str(number)))

    request = sli_request(*((f"s{n}", str(n)) for n in range(10)))
    values = fetch(handler, request, concurrency=3)
    assert peak == 3
    assert [value.metric for value in values] == [f"s{n}" for n in range(10)]
    assert [value.value for value in values] == [float(n) for n in range(10)]


def test_unbuildable_queries_fail_without_a_request() -> None:
    """Unsupported SLIs and unsafe values are failed values; nothing is sent for them."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(form(request)["query"])
        return httpx.Response(200, json=vector("1"))

    queries = (("unsafe", "m > $LABEL.v"), ("ok", "up"))
    request = SLIRequest(
        "p",
        "s",
        "svc",
        END - timedelta(minutes=1),
        END,
        ("nope", "unsafe", "ok"),
        (("v", "1 or up"),),
        "",
        (),
        queries,
    )
    nope, unsafe, ok = fetch(handler, request)
    assert nope == SLIValue("nope", message="unable to get metriy query: unsupported SLI")
    assert unsafe.message == (
        "cannot substitute $LABEL.v: '1 or up' is not allowed outside a string literal "
        "(only letters, digits and _ : . -) (query: m > $LABEL.v)"
    )
    assert (unsafe.success, unsafe.query) == (False, "m > $LABEL.v")
    assert ok.success
    assert sent == ["up"]


def test_unsupported_lists_slis_without_query_or_default() -> None:
    """``unsupported`` names the indicators that have neither an sli.yaml query nor a default."""
    request = sli_request(("mine", "up"), indicators=("mine", "throughput", "other", "response_time_p99"))

    async def run() -> tuple[str, ...]:
        async with PrometheusProvider(ProviderOptions(url=URL)) as provider:
            return provider.unsupported(request)

    assert asyncio.run(run()) == ("other", "response_time_p99")


def test_aclose_closes_only_a_client_it_created() -> None:
    """A provider closes its own client but leaves an injected one open."""

    async def run() -> tuple[bool, bool]:
        async with httpx.AsyncClient() as injected:
            await PrometheusProvider(ProviderOptions(url=URL), injected).aclose()
            async with PrometheusProvider(ProviderOptions(url=URL)) as owning:
                pass
            return injected.is_closed, owning._client.is_closed

    assert asyncio.run(run()) == (False, True)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "127.0.0.1:9090"}, "prometheus url"),
        ({"url": "ftp://host"}, "prometheus url"),
        ({"url": "http://"}, "prometheus url"),
        ({"url": "http://host:notaport"}, "prometheus url"),
        ({"url": "http://user:pw@host"}, "prometheus url"),
        ({"url": URL, "password": "pw"}, "prometheus username"),
        ({"url": URL, "username": "u", "password": "p", "bearer_token": "t"}, "prometheus bearer_token"),
        ({"url": URL, "timeout_seconds": 0}, "prometheus timeout_seconds"),
        ({"url": URL, "timeout_seconds": float("inf")}, "prometheus timeout_seconds"),
        ({"url": URL, "concurrency": 0}, "prometheus concurrency"),
    ],
)
def test_invalid_configuration_is_refused_naming_the_field(fields: dict[str, Any], field: str) -> None:
    """Construction validates the URL, the credentials and the limits."""
    with pytest.raises(ConfigError, match=f"^{field}: "):
        PrometheusProvider(ProviderOptions(**fields))


def test_configuration_repr_hides_secrets() -> None:
    """Passwords and tokens never show in a repr (logs, tracebacks)."""
    assert "s3cret" not in repr(ProviderOptions(url=URL, username="u", password="s3cret"))
    assert "t0ken" not in repr(ProviderOptions(url=URL, bearer_token="t0ken"))


def test_unix_seconds_formats_like_client_golang() -> None:
    """Whole seconds without a fraction, sub-seconds without trailing zeros, naive read as UTC."""
    assert unix_seconds(END) == "1704103320"
    assert unix_seconds(END + timedelta(milliseconds=500)) == "1704103320.5"
    assert unix_seconds(END.replace(tzinfo=None)) == "1704103320"


def test_warnings_are_ignored() -> None:
    """API warnings are logged, the value still counts."""
    payload = {**vector("7"), "warnings": ["something odd"]}
    assert fetch_one(answer(payload)).value == 7.0


def test_json_is_decoded_from_the_answer() -> None:
    """A value arrives as Prometheus sends it: a float in a string."""
    body = json.dumps(vector("1e3")).encode()
    value = fetch_one(lambda request: httpx.Response(200, content=body))
    assert value.value == 1000.0
