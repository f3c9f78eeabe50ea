"""The vendor providers' shared base: placeholders checked before they reach a query, one settle wait
per evaluation, failures as data naming SLI and query, and refused credentials ending the fetch."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from slogate.adapters.providers.vendor import SLIError, VendorProvider, keptn_placeholders, substitute
from slogate.adapters.providers.vendor_http import CredentialsRefusedError, VendorCalls
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.ports import ProviderOptions

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
OPTIONS = ProviderOptions(url="http://127.0.0.1:1", settle_seconds=60.0)


def _request(end: datetime, **more: object) -> SLIRequest:
    fields: dict[str, object] = {
        "project": "shop",
        "stage": "qa",
        "service": "cart",
        "start": end - timedelta(minutes=5),
        "end": end,
        "indicators": ("rate", "latency", "missing"),
        "labels": (("buildId", "42"),),
        "queries": (
            ("rate", "rate of $SERVICE in $STAGE for $LABEL.buildId"),
            ("latency", "latency $SERVICE"),
        ),
    }
    fields.update(more)
    return SLIRequest(**fields)  # type: ignore[arg-type]


class ExampleProvider(VendorProvider):
    """Answers GET /value?q=<query> with the number in the body."""

    type_name = "example"
    vendor = "Example"
    default_settle_seconds = 30.0

    def __init__(self, options: ProviderOptions, handler: httpx.MockTransport, waits: list[float]) -> None:
        self._transport = handler

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        super().__init__(options, now=lambda: NOW, sleep=sleep)

    def connect(self, options: ProviderOptions) -> VendorCalls:
        return VendorCalls(self.vendor, options, options.url, {}, transport=self._transport)

    async def measure(self, query: str, request: SLIRequest) -> tuple[float, str]:
        response = await self.calls.send("GET", "/value", params={"q": query})
        if response.status_code != 200:
            raise SLIError(f"HTTP {response.status_code}")
        return float(response.text), f"/value?q={query}"


def _answering(values: dict[str, str], asked: list[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        query = request.url.params.get("q", "")
        asked.append(query)
        if query in values:
            return httpx.Response(200, text=values[query])
        return httpx.Response(404)

    return httpx.MockTransport(answer)


def _fetch(provider: VendorProvider, request: SLIRequest) -> tuple[SLIValue, ...]:
    async def run() -> tuple[SLIValue, ...]:
        async with provider:
            return await provider.fetch(request)

    return asyncio.run(run())


def test_values_in_order_with_the_queries_sent() -> None:
    """Placeholders resolved; each value carries the request sent; a missing query fails that SLI only."""
    asked: list[str] = []
    values = {"rate of cart in qa for 42": "12.5", "latency cart": "nan"}
    provider = ExampleProvider(OPTIONS, _answering(values, asked), [])
    rate, latency, missing = _fetch(provider, _request(NOW - timedelta(hours=1)))
    assert (rate.metric, rate.value, rate.success, rate.query) == (
        "rate",
        12.5,
        True,
        "/value?q=rate of cart in qa for 42",
    )
    assert latency.success is False
    assert latency.message == "SLI 'latency': Example returned nan (query: latency cart)"
    assert missing.message == "SLI 'missing': no query for it in example/sli.yaml"
    assert sorted(asked) == ["latency cart", "rate of cart in qa for 42"]


def test_hostile_values_never_reach_the_vendor() -> None:
    """A label value that could change the query fails its SLI before any request is sent."""
    asked: list[str] = []
    provider = ExampleProvider(OPTIONS, _answering({}, asked), [])
    hostile = _request(NOW - timedelta(hours=1), labels=(("buildId", "x} OR *{"),), indicators=("rate",))
    (rate,) = _fetch(provider, hostile)
    assert rate.success is False
    assert "the value 'x} OR *{' of $LABEL.buildId holds characters" in rate.message
    assert asked == []


def test_one_settle_wait_per_evaluation() -> None:
    """A window that ended 10 s ago waits 50 s once for all SLIs; an old window does not wait."""
    waits: list[float] = []
    values = {"rate of cart in qa for 42": "1", "latency cart": "2"}
    provider = ExampleProvider(OPTIONS, _answering(values, []), waits)
    told: list[float] = []
    provider.on_wait = told.append
    assert provider.settle_wait(_request(NOW - timedelta(seconds=10))) == pytest.approx(50.0)
    _fetch(provider, _request(NOW - timedelta(seconds=10)))
    assert waits == [pytest.approx(50.0)]
    assert told == waits  # the gate says it waits, once
    waits.clear()
    _fetch(ExampleProvider(OPTIONS, _answering(values, []), waits), _request(NOW - timedelta(minutes=2)))
    assert waits == []


def test_default_settle_and_a_window_too_far_ahead() -> None:
    """Without the option the provider's default applies; a window ending beyond the allowed wait fails
    every SLI without a query."""
    asked: list[str] = []
    waits: list[float] = []
    provider = ExampleProvider(replace(OPTIONS, settle_seconds=None), _answering({}, asked), waits)
    assert provider.settle_wait(_request(NOW)) == pytest.approx(30.0)
    values = _fetch(provider, _request(NOW + timedelta(minutes=10)))
    assert [value.success for value in values] == [False, False, False]
    assert "more than the 150 s slogate waits" in values[0].message
    assert asked == []
    assert waits == []


def test_refused_credentials_end_the_fetch() -> None:
    """A 401 on any SLI raises CredentialsRefusedError out of fetch: the evaluation is errored."""
    transport = httpx.MockTransport(lambda request: httpx.Response(401, text="bad token"))
    provider = ExampleProvider(OPTIONS, transport, [])
    with pytest.raises(CredentialsRefusedError, match="Example refused the credentials: HTTP 401"):
        _fetch(provider, _request(NOW - timedelta(hours=1)))


def test_placeholders_of_keptn() -> None:
    """Filters ($key and $KEY, quotes stripped), project, stage, service, deployment and labels."""
    request = _request(NOW, filters=(("handler", "'/api'"),), deployment="canary")
    values = keptn_placeholders(request)
    assert values["$handler"] == values["$HANDLER"] == "/api"
    assert (values["$PROJECT"], values["$STAGE"], values["$SERVICE"]) == ("shop", "qa", "cart")
    assert values["$DEPLOYMENT"] == "canary"
    assert values["$LABEL.buildId"] == "42"
    assert keptn_placeholders(_request(NOW))["$DEPLOYMENT"] == "primary"


def test_substitute_longest_first_and_once() -> None:
    """$DURATION_SECONDS is not cut by $DURATION; a value is not searched again; verbatim values pass."""
    values = {"$DURATION": "300", "$DURATION_SECONDS": "300s", "$SERVICE": "$DURATION"}
    verbatim = frozenset({"$SERVICE"})
    assert substitute("$DURATION_SECONDS $DURATION $SERVICE", values, verbatim) == "300s 300 $DURATION"
    assert substitute("q $X", {"$X": "a b"}, frozenset({"$X"})) == "q a b"
    assert substitute("no placeholders", {}) == "no placeholders"
    with pytest.raises(SLIError, match="cannot be placed in a query safely"):
        substitute("q $X", {"$X": "a b"})


class ProbingProvider(ExampleProvider):
    """Probes /whoami before a settle wait."""

    async def probe(self) -> None:
        response = await self.calls.send("GET", "/whoami")
        if response.status_code != 200:
            raise SLIError("probe answered oddly")


def test_refused_credentials_fail_before_the_settle_wait() -> None:
    """A wrong token is reported at once, not after waiting for the data to settle."""
    transport = httpx.MockTransport(lambda request: httpx.Response(403, text="invalid token"))
    waits: list[float] = []
    provider = ProbingProvider(OPTIONS, transport, waits)
    told: list[float] = []
    provider.on_wait = told.append
    with pytest.raises(CredentialsRefusedError, match=r"HTTP 403 for GET http://127\.0\.0\.1:1/whoami"):
        _fetch(provider, _request(NOW - timedelta(seconds=10)))
    assert waits == []
    assert told == []  # no "waiting" note before the refusal


def test_a_probe_that_answers_oddly_is_ignored() -> None:
    """Only refused credentials count: a probe answered 404 still waits and then queries."""
    asked: list[str] = []
    answering = _answering({"latency cart": "3"}, asked)
    waits: list[float] = []
    provider = ProbingProvider(OPTIONS, answering, waits)
    values = _fetch(provider, _request(NOW - timedelta(seconds=10), indicators=("latency",)))
    assert [value.value for value in values] == [3.0]
    assert waits == [pytest.approx(50.0)]
