"""The vendor half of ``bench_gate.py``: a 20-SLI quality gate against each local vendor fake (Dynatrace,
Datadog, Sumo Logic), timed against the same HTTP requests sent concurrently by a plain httpx client.

The requests of the raw client are the ones the provider sent (read back from the fake), so both sides
ask exactly the same; the two are interleaved run by run so that drift hits both alike.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tests.support.fake_datadog import API_KEY, APP_KEY, FakeDatadog
from tests.support.fake_dynatrace import FakeDynatrace
from tests.support.fake_sumologic import FakeSumoLogic

from slogate.adapters.plugins import load_plugin
from slogate.adapters.providers.vendor import VendorProvider
from slogate.domain.evaluation.gate import SLOFile, evaluate_gate
from slogate.domain.evaluation.sli import SLIRequest, sli_outcome
from slogate.domain.protocol.gate_events import SLIResults
from slogate.ports import ProviderOptions

PROJECT, STAGE, SERVICE = "fulltour", "qa", "helloservice"
SKIPPED_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent"})


@dataclass(frozen=True)
class Bench:
    """One vendor: its fake, the query of SLI ``i``, how to store that SLI's value, the options."""

    name: str
    fake: Callable[[], Any]
    query: Callable[[int], str]
    put: Callable[[Any, int], None]
    options: Callable[[Any], ProviderOptions]


def _options(url: str, *credentials: tuple[str, str]) -> ProviderOptions:
    return ProviderOptions(url=url, credentials=credentials, settle_seconds=0.0, concurrency=20)


BENCHES = (
    Bench(
        "dynatrace",
        FakeDynatrace,
        lambda i: f"metricSelector=bench.metric.{i:02d}:avg&entitySelector=type(SERVICE)",
        lambda fake, i: fake.set_metric(f"bench.metric.{i:02d}:avg", [float(i + 1)]),
        lambda fake: _options(fake.url, ("DT_API_TOKEN", fake.token)),
    ),
    Bench(
        "datadog",
        FakeDatadog,
        lambda i: f"avg:bench.metric.{i:02d}{{service:$SERVICE}}",
        lambda fake, i: fake.put(f"avg:bench.metric.{i:02d}{{service:{SERVICE}}}", float(i + 1)),
        lambda fake: _options(fake.url, ("DD_API_KEY", API_KEY), ("DD_APP_KEY", APP_KEY)),
    ),
    Bench(
        "sumologic",
        FakeSumoLogic,
        lambda i: f"metric=bench_{i:02d} service=$SERVICE | quantize to $DURATION using avg",
        lambda fake, i: fake.set(f"metric=bench_{i:02d} service={SERVICE}", float(i + 1)),
        lambda fake: _options(fake.url, *fake.credentials),
    ),
)


def request_for(bench: Bench, names: tuple[str, ...], end: datetime) -> SLIRequest:
    """A get-sli request for the SLIs ``names`` (SLI ``i`` with ``bench``'s query ``i``) over the 5
    minutes before ``end``."""
    queries = tuple((name, bench.query(i)) for i, name in enumerate(names))
    return SLIRequest(PROJECT, STAGE, SERVICE, end - timedelta(minutes=5), end, names, queries=queries)


async def vendor_gate(provider: VendorProvider, request: SLIRequest, slo: SLOFile) -> str:
    """One quality gate with a vendor provider: fetch, sum up get-sli, evaluate; the result."""
    values = await provider.fetch(request)
    result, message = sli_outcome(values)
    sli = SLIResults(PROJECT, STAGE, SERVICE, result=result, message=message, values=values)
    return evaluate_gate(sli, slo, ()).result


def recorded(fake: Any) -> list[httpx.Request]:
    """The requests ``fake`` received, rebuilt for a plain client (same method, path, query, body)."""
    rebuilt = []
    for one in fake.requests:
        headers = {key: value for key, value in one.headers.items() if key.lower() not in SKIPPED_HEADERS}
        body = getattr(one, "body", None)
        rebuilt.append(
            httpx.Request(
                one.method,
                fake.root + one.path if hasattr(fake, "root") else fake.url + one.path,
                params=getattr(one, "params", None) or None,
                json=body if one.method == "POST" else None,
                headers=headers,
            )
        )
    return rebuilt


async def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def measure_vendor(bench: Bench, slo: SLOFile, names: tuple[str, ...], runs: int) -> dict[str, float]:
    """Median milliseconds of the slogate gate (SLO ``slo`` on the SLIs ``names``, SLI ``i`` answering
    ``i + 1``) and of the same requests sent concurrently by a raw client, and their ratio."""
    end = datetime.now(UTC) - timedelta(hours=1)
    request = request_for(bench, names, end)
    indicators = len(names)
    with bench.fake() as fake:
        for i in range(indicators):
            bench.put(fake, i)
        factory = load_plugin("slogate.sli_providers", bench.name)
        provider = factory(bench.options(fake))  # type: ignore[operator]
        assert isinstance(provider, VendorProvider)
        async with provider, httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=20)) as client:
            values = await provider.fetch(request)
            assert all(value.success for value in values), [value.message for value in values]
            assert [value.value for value in values] == [float(i + 1) for i in range(indicators)]
            fake.requests.clear()
            assert await vendor_gate(provider, request, slo) == "pass"
            raw = recorded(fake)
            assert len(raw) == indicators, len(raw)

            async def concurrent() -> None:
                answers = await asyncio.gather(*(client.send(one) for one in raw))
                assert all(answer.status_code == 200 for answer in answers)

            contenders: dict[str, Callable[[], Any]] = {
                "gate": lambda: vendor_gate(provider, request, slo),
                "raw": concurrent,
            }
            timings: dict[str, list[float]] = {name: [] for name in contenders}
            for _ in range(3):  # warm up connections
                for action in contenders.values():
                    await action()
            for _ in range(runs):
                for name, action in contenders.items():
                    timings[name].append(await _timed(action))
    gate_ms = statistics.median(timings["gate"]) * 1e3
    raw_ms = statistics.median(timings["raw"]) * 1e3
    return {"gate_median_ms": gate_ms, "raw_concurrent_median_ms": raw_ms, "ratio": gate_ms / raw_ms}


def measure_vendors(slo: SLOFile, names: tuple[str, ...], runs: int) -> dict[str, dict[str, float]]:
    """Every vendor's figures."""
    return {bench.name: asyncio.run(measure_vendor(bench, slo, names, runs)) for bench in BENCHES}
