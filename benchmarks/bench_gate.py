"""Time a whole quality gate against a real Prometheus: 20 SLIs fetched by slogate, then evaluated.

It starts its own Prometheus on deterministic backfilled data (``tests/support/prometheus.py``) and,
interleaved in the same run, times

* (a) slogate: ``PrometheusProvider.fetch`` for 20 indicators, ``SLIResults`` built from the values,
  and ``evaluate_gate`` on an SLO of 20 objectives;
* (b) the same 20 resolved queries issued with plain httpx one after another, and
* (c) the same 20 raw queries issued concurrently;

then measures sustained gate evaluations per second for ~5 s with one provider (one client) reused,
one gate at a time and with several gates in flight. Then the same 20-SLI gate against a local fake
of each vendor API (Dynatrace, Datadog, Sumo Logic; ``benchmarks/vendor_gate.py``), timed against
the same requests sent concurrently by a plain httpx client. It prints tables and writes
``benchmarks/results/bench_gate.json``.

Targets: (a) within 1.25× of (c); at least 100 gate evaluations per second; each vendor's gate
within 1.25× of its raw concurrent requests.

Run from the repository root: ``python benchmarks/bench_gate.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``tests.support`` importable
    sys.path.insert(0, str(ROOT))

from tests.support.prometheus import PrometheusServer, Series, start_prometheus  # noqa: E402

from benchmarks.vendor_gate import measure_vendors  # noqa: E402
from slogate.adapters.providers.prometheus import PrometheusProvider, query_url, unix_seconds  # noqa: E402
from slogate.adapters.providers.promql import QueryBuilder  # noqa: E402
from slogate.adapters.yamlfile import load_document  # noqa: E402
from slogate.domain.evaluation.gate import SLOFile, evaluate_gate  # noqa: E402
from slogate.domain.evaluation.sli import SLIRequest, sli_outcome  # noqa: E402
from slogate.domain.evaluation.slo_parser import parse_slo  # noqa: E402
from slogate.domain.protocol.gate_events import SLIResults  # noqa: E402
from slogate.ports import ProviderOptions  # noqa: E402

INDICATORS = 20
WINDOW = 300
RUNS, QUICK_RUNS = 60, 10
SUSTAIN_SECONDS, QUICK_SUSTAIN_SECONDS = 5.0, 1.0
GATES_IN_FLIGHT = 4
TARGET_RATIO, TARGET_GATES_PER_SECOND = 1.25, 100.0
RESULTS = ROOT / "benchmarks" / "results" / "bench_gate.json"
PROJECT, STAGE, SERVICE = "fulltour", "qa", "helloservice"
END = (int(time.time()) // 60) * 60 - 3600


def sli_name(index: int) -> str:
    """The name of SLI ``index``."""
    return f"handler_{index:02d}_throughput"


def dataset() -> list[Series]:
    """One request counter per handler, +``index + 1`` per second, for the 15 minutes before END."""
    job = f"{SERVICE}-{PROJECT}-{STAGE}"
    return [
        Series(
            "bench_requests_total",
            {"job": job, "handler": f"h{index:02d}", "status": "success"},
            [(END - 900 + s, float((index + 1) * s)) for s in range(0, 901, 5)],
        )
        for index in range(INDICATORS)
    ]


def sli_request() -> SLIRequest:
    """The get-sli request: 20 sli.yaml queries with placeholders over a 5-minute window."""
    queries = tuple(
        (
            sli_name(i),
            "sum(rate(bench_requests_total"
            f'{{job="$SERVICE-$PROJECT-$STAGE",handler="h{i:02d}",status="success"}}[$DURATION_SECONDS]))',
        )
        for i in range(INDICATORS)
    )
    end = datetime.fromtimestamp(END, UTC)
    names = tuple(name for name, _ in queries)
    return SLIRequest(PROJECT, STAGE, SERVICE, end - timedelta(seconds=WINDOW), end, names, queries=queries)


def slo_file() -> SLOFile:
    """An SLO with one objective per SLI (absolute pass and warning criteria)."""
    lines = ["spec_version: '1.0'", "objectives:"]
    for i in range(INDICATORS):
        lines += [
            f"  - sli: {sli_name(i)}",
            "    pass:",
            "      - criteria:",
            f'          - ">={i + 0.5}"',
            "    warning:",
            "      - criteria:",
            f'          - ">={i / 2}"',
        ]
    lines += ["total_score:", '  pass: "90%"', '  warning: "75%"', ""]
    text = "\n".join(lines)
    slo, _ = parse_slo(load_document(text, "bench-slo.yaml"))
    return SLOFile(text, slo)


async def gate(provider: PrometheusProvider, request: SLIRequest, slo: SLOFile) -> str:
    """One quality gate: fetch the SLIs, sum up get-sli, evaluate; the result."""
    values = await provider.fetch(request)
    result, message = sli_outcome(values)
    sli = SLIResults(
        project=request.project,
        stage=request.stage,
        service=request.service,
        result=result,
        message=message,
        start=request.start.isoformat(),
        end=request.end.isoformat(),
        values=values,
    )
    return evaluate_gate(sli, slo, ()).result


async def raw_one(client: httpx.AsyncClient, url: str, query: str, at: str) -> float:
    """One plain httpx instant query and its value."""
    response = await client.post(url, data={"query": query, "time": at})
    return float(response.json()["data"]["result"][0]["value"][1])


async def timed(action: Callable[[], Awaitable[Any]]) -> float:
    """Seconds ``action`` takes."""
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def sustained(
    provider: PrometheusProvider, request: SLIRequest, slo: SLOFile, seconds: float, in_flight: int
) -> float:
    """Gate evaluations per second over ``seconds`` with ``in_flight`` gates running at a time."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await gate(provider, request, slo)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(in_flight)))
    return done / (time.perf_counter() - started)


async def measure(server: PrometheusServer, runs: int, sustain: float) -> dict[str, Any]:
    """All timings against ``server``."""
    request, slo = sli_request(), slo_file()
    config = ProviderOptions(url=server.url)
    builder = QueryBuilder(request)
    queries = [builder.build(name) for name in request.indicators]
    at, url = unix_seconds(request.end), query_url(config.url)
    async with PrometheusProvider(config) as provider, httpx.AsyncClient(timeout=10) as client:
        values = await provider.fetch(request)
        assert all(v.success for v in values), [v.message for v in values if not v.success]
        expected = [float(i + 1) for i in range(INDICATORS)]
        assert [round(v.value, 6) for v in values] == expected, values
        assert await gate(provider, request, slo) == "pass"

        async def sequential() -> list[float]:
            return [await raw_one(client, url, q, at) for q in queries]

        async def concurrent() -> list[float]:
            return list(await asyncio.gather(*(raw_one(client, url, q, at) for q in queries)))

        assert [round(v, 6) for v in await sequential()] == expected
        assert [round(v, 6) for v in await concurrent()] == expected
        contenders: dict[str, Callable[[], Awaitable[Any]]] = {
            "slogate_gate": lambda: gate(provider, request, slo),
            "raw_sequential": sequential,
            "raw_concurrent": concurrent,
        }
        timings: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(3):  # warm up connections and caches
            for action in contenders.values():
                await action()
        for _ in range(runs):  # interleaved, so that drift hits all three alike
            for name, action in contenders.items():
                timings[name].append(await timed(action))
        fetch_only = [await timed(lambda: provider.fetch(request)) for _ in range(runs)]
        rates = {
            "one_at_a_time": await sustained(provider, request, slo, sustain, 1),
            f"{GATES_IN_FLIGHT}_in_flight": await sustained(provider, request, slo, sustain, GATES_IN_FLIGHT),
        }
    return {"timings": timings, "fetch_only": fetch_only, "gates_per_second": rates}


def summary(samples: list[float]) -> dict[str, float]:
    """Median and best of ``samples`` in milliseconds."""
    return {"median_ms": statistics.median(samples) * 1e3, "best_ms": min(samples) * 1e3}


def print_vendors(vendors: dict[str, dict[str, float]]) -> None:
    """The vendor table and its target line."""
    print(f"\nquality gate over {INDICATORS} SLIs against local vendor fakes")
    header = f"{'vendor':<12}  {'gate median ms':>14}  {'raw concurrent ms':>17}  {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for name, figures in vendors.items():
        gate_ms, raw_ms, ratio = (
            figures["gate_median_ms"],
            figures["raw_concurrent_median_ms"],
            figures["ratio"],
        )
        print(f"{name:<12}  {gate_ms:>14.2f}  {raw_ms:>17.2f}  {ratio:>6.2f}")
        met = "met" if ratio <= TARGET_RATIO else "MISSED"
        print(f"target: {name} gate <= {TARGET_RATIO}× its raw concurrent requests: {met} ({ratio:.2f}×)")


def main(argv: list[str] | None = None) -> int:
    """Start Prometheus, measure, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer runs and 1 s of sustained load")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args(argv)
    runs, sustain = (QUICK_RUNS, QUICK_SUSTAIN_SECONDS) if args.quick else (RUNS, SUSTAIN_SECONDS)

    with tempfile.TemporaryDirectory(prefix="bench-gate-") as directory:
        server = start_prometheus(Path(directory), series=dataset())
        try:
            measured = asyncio.run(measure(server, runs, sustain))
        finally:
            server.stop()

    vendors = measure_vendors(slo_file(), tuple(sli_name(i) for i in range(INDICATORS)), runs)
    rows = {name: summary(samples) for name, samples in measured["timings"].items()}
    rows["slogate_fetch_only"] = summary(measured["fetch_only"])
    concurrent = rows["raw_concurrent"]["median_ms"]
    ratios = {name: row["median_ms"] / concurrent for name, row in rows.items()}
    rates = measured["gates_per_second"]
    ratio_met = ratios["slogate_gate"] <= TARGET_RATIO
    vendors_met = all(figures["ratio"] <= TARGET_RATIO for figures in vendors.values())
    rate_met = rates["one_at_a_time"] >= TARGET_GATES_PER_SECOND

    python = f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs"
    print(f"quality gate over {INDICATORS} SLIs against a real Prometheus ({python}, {runs} runs each)")
    header = f"{'contender':<36}  {'median ms':>10}  {'best ms':>8}  {'× raw concurrent':>16}"
    print(header)
    print("-" * len(header))
    labels = {
        "slogate_gate": "(a) slogate fetch + evaluate_gate",
        "slogate_fetch_only": "    slogate fetch alone",
        "raw_sequential": "(b) raw httpx, sequential",
        "raw_concurrent": "(c) raw httpx, concurrent",
    }
    for name, label in labels.items():
        row = rows[name]
        print(f"{label:<36}  {row['median_ms']:>10.2f}  {row['best_ms']:>8.2f}  {ratios[name]:>16.2f}")
    for name, rate in rates.items():
        print(f"sustained gates per second, {name.replace('_', ' ')}: {rate:.1f}")
    ratio, rate = ratios["slogate_gate"], rates["one_at_a_time"]
    print(f"target: (a) <= {TARGET_RATIO}× (c): {'met' if ratio_met else 'MISSED'} ({ratio:.2f}×)")
    print(
        f"target: >= {TARGET_GATES_PER_SECOND:g} gates/s: {'met' if rate_met else 'MISSED'} "
        f"({rate:.1f}/s one at a time)"
    )

    print_vendors(vendors)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "bench_gate",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "indicators": INDICATORS,
        "runs": runs,
        "results": {name: {**row, "ratio_to_raw_concurrent": ratios[name]} for name, row in rows.items()},
        "gates_per_second": rates,
        "vendors": vendors,
        "targets": {
            "vendor_ratio_met": vendors_met,
            "ratio_to_raw_concurrent_at_most": TARGET_RATIO,
            "ratio_met": ratio_met,
            "gates_per_second_at_least": TARGET_GATES_PER_SECOND,
            "rate_met": rate_met,
        },
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
