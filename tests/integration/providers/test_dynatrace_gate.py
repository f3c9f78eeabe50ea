"""The Dynatrace provider as a gate uses it: retries, timeouts, refused tokens, the settle wait, Keptn's
default SLIs, builds that pass and regress, and Keptn's public example files."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slogate.adapters.plugins import load_plugin
from slogate.adapters.providers.dynatrace import (
    DynatraceProvider,
    check_conf,
    check_query,
    create_provider,
    normalise_tenant,
    parse_conf,
)
from slogate.adapters.providers.dynatrace_queries import MetricsQuery, parse_query
from slogate.adapters.providers.vendor import keptn_placeholders, substitute
from slogate.adapters.providers.vendor_http import CredentialsRefusedError
from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions
from slogate.services.usecases.offline_gate import load_indicators
from tests.integration.providers.test_dynatrace import COUNT, END, RT, START, Sleeps, request
from tests.support.fake_dynatrace import FakeDynatrace

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "keptn" / "dynatrace"
SLI_FILES = sorted(EXAMPLES.glob("*sli*.yaml"))


@pytest.fixture
def fake() -> Iterator[FakeDynatrace]:
    with FakeDynatrace() as server:
        yield server


def provider(
    fake: FakeDynatrace, sleeps: Sleeps, now: datetime | None = None, **options: Any
) -> DynatraceProvider:
    settings = {"url": fake.url, "credentials": (("DT_API_TOKEN", fake.token),), **options}
    clock = (lambda: now) if now is not None else (lambda: END + timedelta(days=1))
    return DynatraceProvider(ProviderOptions(**settings), now=clock, sleep=sleeps)


def fetch(
    fake: FakeDynatrace, sli: SLIRequest, sleeps: Sleeps | None = None, **options: Any
) -> list[SLIValue]:
    async def run() -> tuple[SLIValue, ...]:
        async with provider(fake, sleeps if sleeps is not None else Sleeps(), **options) as dynatrace:
            return await dynatrace.fetch(sli)

    return list(asyncio.run(run()))


def test_429_is_retried_after_dynatraces_retry_after(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [5.0])
    fake.script(429, headers={"Retry-After": "3"}, times=2)
    sleeps = Sleeps()
    [value] = fetch(fake, request(("sli", f"metricSelector={COUNT}")), sleeps)
    assert value.success
    assert value.value == 5.0
    assert sleeps == [3.0, 3.0]
    assert len(fake.requests) == 3


def test_503_is_retried_with_backoff(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [5.0])
    fake.script(503)
    sleeps = Sleeps()
    assert fetch(fake, request(("sli", f"metricSelector={COUNT}")), sleeps)[0].value == 5.0
    assert sleeps == [0.5]


def test_retries_end_within_the_retry_time(fake: FakeDynatrace) -> None:
    fake.script(429, headers={"Retry-After": "120"}, times=10)
    sleeps = Sleeps()
    [value] = fetch(fake, request(("sli", f"metricSelector={COUNT}")), sleeps, retry_seconds=30.0)
    assert not value.success
    assert "Dynatrace answered HTTP 429 1 time(s)" in value.message
    assert "would exceed the retry time of 30 s" in value.message
    assert sleeps == []
    assert len(fake.requests) == 1


def test_a_slow_answer_fails_the_sli_at_the_timeout(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [5.0])
    fake.script(None, delay=5.0, path="/api/v2/slo")
    fake.set_slo("slow", 99.0)
    values = fetch(
        fake, request(("slow", "SLO;slow"), ("fast", f"metricSelector={COUNT}")), timeout_seconds=0.3
    )
    assert "Dynatrace gave no answer within the timeout of 0.3 s" in values[0].message
    assert values[1].success
    assert values[1].value == 5.0


def test_a_wrong_token_errors_the_evaluation_naming_dynatrace_and_the_status(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [5.0])
    with pytest.raises(CredentialsRefusedError) as caught:
        fetch(
            fake, request(("sli", f"metricSelector={COUNT}")), credentials=(("DT_API_TOKEN", "dt0c01.WRONG"),)
        )
    assert "Dynatrace" in str(caught.value)
    assert "401" in str(caught.value)
    assert "dt0c01.WRONG" not in str(caught.value)


def test_a_wrong_token_fails_before_the_settle_wait(fake: FakeDynatrace) -> None:
    """With data still settling, a probe finds the refused token first: no two-minute wait for a 401."""
    sleeps = Sleeps()

    async def run() -> tuple[SLIValue, ...]:
        wrong = (("DT_API_TOKEN", "dt0c01.WRONG"),)
        async with provider(fake, sleeps, now=END + timedelta(seconds=10), credentials=wrong) as dynatrace:
            return await dynatrace.fetch(request(("sli", f"metricSelector={COUNT}")))

    with pytest.raises(CredentialsRefusedError, match="401"):
        asyncio.run(run())
    assert sleeps == []
    assert [entry.path for entry in fake.requests] == ["/api/v2/metrics/query"]


def test_a_token_without_the_scope_errors_the_evaluation(fake: FakeDynatrace) -> None:
    fake.script(403, path="/api/v2/slo")
    with pytest.raises(CredentialsRefusedError, match="403"):
        fetch(fake, request(("sli", "SLO;abc")))


def test_a_token_of_another_shape_is_left_to_dynatrace(fake: FakeDynatrace) -> None:
    with FakeDynatrace(token="my-managed-token") as managed:
        managed.set_metric(COUNT, [1.0])
        values = fetch(managed, request(("sli", f"metricSelector={COUNT}")))
    assert values[0].success


def test_one_settle_wait_per_evaluation(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [1.0])
    queries = tuple((f"sli{index}", f"metricSelector={COUNT}") for index in range(3))
    sleeps = Sleeps()

    async def run() -> tuple[SLIValue, ...]:
        async with provider(fake, sleeps, now=END + timedelta(seconds=10)) as dynatrace:
            return await dynatrace.fetch(request(*queries))

    assert all(value.success for value in asyncio.run(run()))
    assert sleeps == [110.0]


@pytest.mark.parametrize(
    ("query", "options", "expected"),
    [
        (f"metricSelector={COUNT}", {}, [110.0]),
        ("USQL;SINGLE_VALUE;;SELECT 1", {}, [350.0]),
        (f"metricSelector={COUNT}", {"settle_seconds": 30.0}, [20.0]),
        ("USQL;SINGLE_VALUE;;SELECT 1", {"settle_seconds": 0.0}, []),
    ],
)
def test_settle_time_default_usql_and_option(
    fake: FakeDynatrace, query: str, options: dict[str, Any], expected: list[float]
) -> None:
    sleeps = Sleeps()

    async def run() -> None:
        async with provider(fake, sleeps, now=END + timedelta(seconds=10), **options) as dynatrace:
            await dynatrace.fetch(request(("sli", query)))

    asyncio.run(run())
    assert sleeps == expected


def test_an_old_window_is_queried_at_once(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [1.0])
    sleeps = Sleeps()
    assert fetch(fake, request(("sli", f"metricSelector={COUNT}")), sleeps)[0].success
    assert sleeps == []


def test_a_window_ending_too_far_ahead_fails_every_sli_without_a_request(fake: FakeDynatrace) -> None:
    sleeps = Sleeps()

    async def run() -> tuple[SLIValue, ...]:
        async with provider(fake, sleeps, now=END - timedelta(seconds=300)) as dynatrace:
            return await dynatrace.fetch(request(("a", f"metricSelector={COUNT}"), ("b", "SLO;x")))

    values = asyncio.run(run())
    assert all(not value.success and "the window ends 300 s from now" in value.message for value in values)
    assert sleeps == []
    assert fake.requests == []


def test_an_empty_sli_yaml_uses_keptns_defaults(fake: FakeDynatrace) -> None:
    tags = (
        "type(SERVICE),tag(keptn_project:shop),tag(keptn_stage:qa),"
        "tag(keptn_service:carts),tag(keptn_deployment:primary)"
    )
    fake.set_metric("builtin:service.requestCount.total:splitBy():sum", [120.0], entity_selector=tags)
    fake.set_metric(
        "builtin:service.response.time:splitBy():percentile(95)", [480_000.0], entity_selector=tags
    )
    sli = SLIRequest("shop", "qa", "carts", START, END, ("throughput", "response_time_p95", "custom"))
    dynatrace = provider(fake, Sleeps())
    assert dynatrace.unsupported(sli) == ("custom",)
    throughput, p95, custom = fetch(fake, sli)
    assert (throughput.value, p95.value) == (120.0, 480.0)
    assert not custom.success
    assert "custom" in custom.message


def test_a_missing_name_fails_when_the_sli_yaml_has_entries(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [1.0])
    sli = SLIRequest(
        "shop",
        "qa",
        "carts",
        START,
        END,
        ("mine", "throughput"),
        queries=(("mine", f"metricSelector={COUNT}"),),
    )
    assert provider(fake, Sleeps()).unsupported(sli) == ("throughput",)
    mine, throughput = fetch(fake, sli)
    assert mine.success
    assert not throughput.success
    assert "no query for it in dynatrace/sli.yaml" in throughput.message


def test_three_builds_pass_regress_pass(fake: FakeDynatrace) -> None:
    queries = (("rt", f"metricSelector={RT}"), ("errors", "PV2;problemSelector=status(open)"))
    seen = []
    for response_time, problems in ((200_000.0, 0), (900_000.0, 4), (210_000.0, 0)):
        fake.set_metric(RT, [response_time])
        fake.set_problems("status(open)", problems)
        seen.append([value.value for value in fetch(fake, request(*queries))])
    assert seen == [[200.0, 0.0], [900.0, 4.0], [210.0, 0.0]]


@pytest.mark.parametrize(
    ("tenant", "expected"),
    [
        ("abc12345.live.dynatrace.com", "https://abc12345.live.dynatrace.com"),
        ("  https://abc12345.live.dynatrace.com/ ", "https://abc12345.live.dynatrace.com"),
        ("https://managed.example.com/e/1234-abcd/", "https://managed.example.com/e/1234-abcd"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_the_tenant_is_normalised_as_keptn_did(tenant: str, expected: str) -> None:
    assert normalise_tenant(tenant) == expected


@pytest.mark.parametrize(
    ("url", "token", "message"),
    [
        (
            "ftp://abc.live.dynatrace.com",
            "t",
            "DT_TENANT: 'ftp://abc.live.dynatrace.com' is not an http:// or https:// URL",
        ),
        ("https://", "t", "is not an http:// or https:// URL with a host"),
        ("  ", "t", "DT_TENANT: missing"),
        ("https://user:pw@abc.live.dynatrace.com", "t", "must not hold credentials"),
        ("abc.live.dynatrace.com", "", "DT_API_TOKEN: missing"),
        ("abc.live.dynatrace.com", "dt0c01.A\r\nX-Injected: 1", "DT_API_TOKEN: holds spaces or characters"),
    ],
)
def test_unusable_options_are_refused_naming_the_key(url: str, token: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        create_provider(ProviderOptions(url=url, credentials=(("DT_API_TOKEN", token),)))
    assert message in str(caught.value)
    assert "X-Injected" not in str(caught.value)


def test_the_entry_point_builds_the_provider() -> None:
    factory = load_plugin("slogate.sli_providers", "dynatrace")
    assert factory is create_provider


@pytest.mark.parametrize("path", SLI_FILES, ids=lambda path: path.name)
def test_keptns_example_sli_files_load_parse_and_fetch(fake: FakeDynatrace, path: Path) -> None:
    queries = load_indicators(path.read_text(), str(path), load_document)
    assert len(queries) == 5
    sli = SLIRequest(
        "sockshop", "staging", "carts", START, END, tuple(queries), queries=tuple(queries.items())
    )
    for template in queries.values():
        assert check_query(template) == []
        parsed = parse_query(substitute(template, keptn_placeholders(sli)))
        assert isinstance(parsed, MetricsQuery)
        assert "tag(keptn_service:carts)" in parsed.entity_selector
        fake.set_metric(parsed.selector, [2000.0, 4000.0], entity_selector=parsed.entity_selector)
    values = fetch(fake, sli)
    assert [value.metric for value in values] == list(queries)
    assert all(value.success for value in values), [value.message for value in values]
    assert {value.value for value in values} == {3000.0, 3.0}  # response times in ms


def test_keptns_example_conf_reads_the_dynatrace_secret() -> None:
    path = EXAMPLES / "examples-dynatrace.conf.yaml"
    conf = parse_conf(path.read_text(), str(path))
    assert conf.credentials_secret("sockshop", "staging", "carts") == "dynatrace"
    assert check_conf(path.read_text(), str(path)) == []
