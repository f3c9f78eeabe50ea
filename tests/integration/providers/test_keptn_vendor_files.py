"""The Datadog and Sumo Logic ``sli.yaml`` files of Keptn's public sandbox integrations: they load, lint as
their provider reads them, and fetch from the local fakes (a leftover Datadog query in Sumo Logic's
quickstart is reported and never sent)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slogate.adapters.providers import datadog, sumologic
from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.ports import ProviderOptions
from slogate.services.usecases.offline_gate import load_indicators
from tests.support.fake_datadog import API_KEY, APP_KEY, FakeDatadog
from tests.support.fake_sumologic import FakeSumoLogic

KEPTN = Path(__file__).resolve().parents[2] / "data" / "keptn"
END = datetime(2024, 1, 1, 10, 5, tzinfo=UTC)


def _queries(path: Path) -> dict[str, str]:
    return load_indicators(path.read_text(encoding="utf-8"), str(path), load_document)


def _request(queries: dict[str, str]) -> SLIRequest:
    return SLIRequest(
        "sockshop",
        "qa",
        "carts",
        END - timedelta(minutes=5),
        END,
        tuple(queries),
        queries=tuple(queries.items()),
    )


def _fetch(
    provider: datadog.DatadogProvider | sumologic.SumoLogicProvider, request: SLIRequest
) -> tuple[SLIValue, ...]:
    async def run() -> tuple[SLIValue, ...]:
        async with provider:
            return await provider.fetch(request)

    return asyncio.run(run())


def test_datadogs_examples_lint_clean_and_fetch() -> None:
    """Both files of keptn-sandbox/datadog-service: no lint problem, every SLI measured ($DURATION 300)."""
    with FakeDatadog() as fake:
        fake.put("avg:system.load.1{*}.rollup(avg, 300)", 0.5)
        fake.put("avg:network.http.response_time{*} by {carts}.rollup(avg, 300)", 0.25)
        options = ProviderOptions(
            url=fake.url, credentials=(("DD_API_KEY", API_KEY), ("DD_APP_KEY", APP_KEY)), settle_seconds=0.0
        )
        for path in sorted((KEPTN / "datadog").glob("*.yaml")):
            queries = _queries(path)
            assert [problem for query in queries.values() for problem in datadog.check_query(query)] == []
            values = _fetch(datadog.create_provider(options), _request(queries))
            assert all(value.success for value in values), [value.message for value in values]
            assert {value.value for value in values} <= {0.5, 0.25}


def test_sumologics_examples_lint_and_the_leftover_datadog_query_is_refused() -> None:
    """podtatohead's query lints clean and fetches; the quickstart's copied Datadog query is a lint error
    naming quantize and a failed SLI without any request."""
    podtatohead = _queries(KEPTN / "sumologic" / "podtatohead-sli.yaml")
    quickstart = _queries(KEPTN / "sumologic" / "quickstart-sli.yaml")
    assert [sumologic.check_query(query) for query in podtatohead.values()] == [[]]
    (problems,) = [sumologic.check_query(query) for query in quickstart.values()]
    assert any("quantize" in problem for problem in problems)
    with FakeSumoLogic() as fake:
        fake.set("metric=container_cpu_usage_seconds_total service=carts", 0.75)
        options = ProviderOptions(url=fake.url, credentials=fake.credentials, settle_seconds=0.0)
        (cpu,) = _fetch(sumologic.create_provider(options), _request(podtatohead))
        assert (cpu.success, cpu.value) == (True, 0.75)
        sent = len(fake.requests)
        (load,) = _fetch(sumologic.create_provider(options), _request(quickstart))
        assert not load.success
        assert "quantize" in load.message
        assert len(fake.requests) == sent  # refused before any request
