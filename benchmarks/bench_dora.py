"""Time ``slogate report dora`` (the DORA use case) over 100,000 production deliveries on SQLite.

A SQLite database is filled straight through the events table with a year of deliveries to 50
services of one project: each delivery is a ``dev.delivery.triggered`` (its context's start, 1 to
8 hours before), a production ``deployment.finished`` and a production ``evaluation.finished``
(10 % fail); 3 % are rolled back (a rollback sequence and its task), 2 % of the evaluations are
invalidated, and as many other task events (``test.finished``) are mixed in. Then the use case
(``DoraReports.report``, what the API route and the CLI answer) is timed over the whole year, and
the counts behind ``/metrics`` once. Target: the report <= 1 s.

Run from the repository root: ``python benchmarks/bench_dora.py`` (``--quick`` for 10,000 deliveries).
Writes ``benchmarks/results/bench_dora.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.delivery_repository import SqlDeliveryLog
from slogate.adapters.store.tables import EventRow
from slogate.domain.sequencing.shipyard import Shipyard, Stage
from slogate.services.usecases.dora import DoraReports

RESULTS = Path(__file__).resolve().parent / "results" / "bench_dora.json"
TARGET_SECONDS = 1.0
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


def _row(
    n: int, kind: str, moment: datetime, context: str, service: str, stage: str, result: str
) -> dict[str, Any]:
    data = {"project": "bench", "stage": stage, "service": service, "result": result}
    return {
        "id": f"e-{n}",
        "type": kind,
        "source": "bench",
        "time": moment,
        "shkeptncontext": context,
        "triggeredid": f"t-{context}" if kind.endswith("evaluation.finished") else "",
        "gitcommitid": "",
        "project": "bench",
        "stage": stage,
        "service": service,
        "result": result,
        "data": data,
    }


def _delivery(number: int, total: int, rng: random.Random) -> list[tuple[str, datetime, str, str]]:
    """(type, time, stage, result) of one delivery's events."""
    deployed = START + YEAR * (number / total)
    fails = rng.random() < 0.10
    events = [
        ("sh.keptn.event.dev.delivery.triggered", deployed - timedelta(hours=rng.uniform(1, 8)), "dev", ""),
        ("sh.keptn.event.test.finished", deployed - timedelta(minutes=30), "dev", "pass"),
        ("sh.keptn.event.deployment.finished", deployed, "production", "pass"),
        (
            "sh.keptn.event.evaluation.finished",
            deployed + timedelta(minutes=10),
            "production",
            "fail" if fails else "pass",
        ),
    ]
    if rng.random() < 0.03:
        rolled = deployed + timedelta(minutes=20)
        events.append(("sh.keptn.event.production.rollback.triggered", rolled, "production", ""))
        events.append(("sh.keptn.event.rollback.triggered", rolled, "production", ""))
    if rng.random() < 0.02:
        events.append(
            ("sh.keptn.event.evaluation.invalidated", deployed + timedelta(hours=1), "production", "")
        )
    return events


def fill(url: str, deliveries: int, services: int) -> int:
    """Write ``deliveries`` deliveries; the number of events written."""
    engine = open_database(url)
    upgrade(engine)
    rng = random.Random(7)
    batch: list[dict[str, Any]] = []
    written = 0
    with engine.begin() as connection:
        for number in range(deliveries):
            context, service = f"c-{number}", f"svc-{rng.randrange(services)}"
            for kind, moment, stage, result in _delivery(number, deliveries, rng):
                row = _row(written, kind, moment, context, service, stage, result)
                if kind.endswith("invalidated"):
                    row["triggeredid"] = f"t-{context}"
                batch.append(row)
                written += 1
            if len(batch) >= 20_000:
                connection.execute(insert(EventRow), batch)
                batch.clear()
        if batch:
            connection.execute(insert(EventRow), batch)
    engine.dispose()
    return written


def measure(url: str, runs: int) -> tuple[list[float], dict[str, object], float]:
    """Seconds of ``runs`` reports over the year, the last report, and the seconds of the counts."""
    engine = open_database(url)
    log = SqlDeliveryLog(engine)
    shipyard = Shipyard(stages=(Stage("dev"), Stage("production")))
    reports = DoraReports(log, {"bench": shipyard}.get, lambda: START + YEAR + timedelta(days=1))
    timings, document = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        document = reports.report("bench", since="366d").to_json()
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    log.counts()
    counted = time.perf_counter() - started
    engine.dispose()
    return timings, document, counted


def main() -> None:
    """Fill, measure, print a table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10,000 deliveries instead of 100,000")
    parser.add_argument("--runs", type=int, default=5, help="reports to time (default 5)")
    args = parser.parse_args()
    deliveries = 10_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory(prefix="slogate-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'dora.db'}"
        started = time.perf_counter()
        events = fill(url, deliveries, 50)
        filled = time.perf_counter() - started
        timings, document, counted = measure(url, args.runs)
    median, worst = statistics.median(timings), max(timings)
    met = "met" if median <= TARGET_SECONDS else "MISSED"
    print(f"slogate report dora (CPython {platform.python_version()}, {os.cpu_count()} CPUs, SQLite)")
    print(f"{'deliveries':<28}{deliveries:>12,}")
    print(f"{'events (filled in)':<28}{events:>12,}  ({filled:.0f} s)")
    print(f"{'report, median of runs':<28}{median:>12.3f} s  (target <= {TARGET_SECONDS:.0f} s: {met})")
    print(f"{'report, slowest run':<28}{worst:>12.3f} s")
    print(f"{'/metrics counts':<28}{counted:>12.3f} s")
    print(f"{'change failure rate':<28}{document['changeFailureRate']:>12.3f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "deliveries": deliveries,
                "events": events,
                "report_seconds": {"median": median, "max": worst, "runs": timings},
                "metrics_counts_seconds": counted,
                "target_seconds": TARGET_SECONDS,
                "report": document,
                "python": platform.python_version(),
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
