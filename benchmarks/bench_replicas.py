"""Deliveries through one SQLite server, one PostgreSQL replica and three PostgreSQL replicas, and
the time from a replica's SIGKILL to the takeover of its listeners.

Every server is a real ``python -m slogate server`` process on 127.0.0.1 with its own port and data
dir; the PostgreSQL replicas share one database on a throwaway cluster (``tests/support/postgres.py``:
fsync off, as the SQLite file's WAL with synchronous=NORMAL does not wait for the disk either).
The shipyard has two stages, each with one ``approval`` task that the built-in approval service
answers at once (``pass: automatic``): instant executors, so the figures are the engine, the log and
the coordination.

1. Throughput: ``--deliveries`` (200) deliveries over ``--services`` (40) services, POSTed from 8
   client threads, round-robin over the mode's replicas, until every ``prod.delivery.finished`` is
   stored; deliveries per second. Targets: PostgreSQL with one replica ≥ 0.5 × SQLite; three
   replicas ≥ 0.8 × one replica.
2. Takeover: with the three replicas, ``--kills`` (5) times: SIGKILL the replica that runs the
   sequence engine, measure until another replica's ``/metrics`` says it runs it, start the killed one
   again. p50 and max; target: max ≤ 30 s (``SLOGATE_LEASE_TTL`` 15 s, heartbeat 5 s: the defaults).

Run from the repository root: ``python benchmarks/bench_replicas.py``.
Writes ``benchmarks/results/bench_replicas.json``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import httpx  # noqa: E402
from tests.support.postgres import PostgresServer, start_postgres  # noqa: E402
from tests.support.server_process import ServerProcess as Replica  # noqa: E402
from tests.support.server_process import shared_key_dir  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "bench_replicas.json"
TOKEN = "bench-token-0123456789abcdefghijklmnopqrstuvwxyz"
CONTROL_PLANE = "/api/controlPlane/v1"
PROJECT = "bench"
FINISHED = "sh.keptn.event.prod.delivery.finished"
ENGINE = "shipyard-controller"
TARGET_ONE_VS_SQLITE, TARGET_THREE_VS_ONE, TARGET_TAKEOVER_SECONDS = 0.5, 0.8, 30.0
ALL_TIMEOUT, TAKEOVER_TIMEOUT = 600.0, 60.0
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: bench}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks: [{name: approval, properties: {pass: automatic, warning: automatic}}]
    - name: prod
      sequences:
        - name: delivery
          triggeredOn: [{event: dev.delivery.finished}]
          tasks: [{name: approval, properties: {pass: automatic, warning: automatic}}]
"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def onboard(api: httpx.Client, services: int) -> None:
    response = api.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)})
    response.raise_for_status()
    for number in range(services):
        response = api.post(
            f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": f"svc{number}"}
        )
        response.raise_for_status()


def trigger(api: httpx.Client, service: str, number: int) -> None:
    data = {
        "project": PROJECT,
        "stage": "dev",
        "service": service,
        "result": "pass",
        "labels": {"run": str(number)},
    }
    event = {
        "type": "sh.keptn.event.dev.delivery.triggered",
        "source": "bench",
        "specversion": "1.0",
        "data": data,
    }
    api.post("/api/v1/event", json=event).raise_for_status()


def finished(api: httpx.Client) -> tuple[int, int]:
    """How many deliveries finished, and how many of them did not pass."""
    params: dict[str, str | int] = {"type": FINISHED, "project": PROJECT, "pageSize": 1}
    total = int(api.get("/api/mongodb-datastore/event", params=params).json()["totalCount"])
    failed = 0
    if total:
        params["pageSize"] = 100
        for page in range(0, total, 100):
            params["nextPageKey"] = str(page)
            events = api.get("/api/mongodb-datastore/event", params=params).json()["events"]
            failed += sum(1 for event in events if event["data"].get("result") != "pass")
    return total, failed


def throughput(replicas: list[Replica], deliveries: int, services: int) -> dict[str, Any]:
    """Deliveries per second through ``replicas`` (round-robin), from the first POST to the last
    ``prod.delivery.finished``."""
    with replicas[0].client() as api:
        onboard(api, services)
    clients = [replica.client() for replica in replicas]
    start = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        for future in [
            pool.submit(trigger, clients[n % len(clients)], f"svc{n % services}", n)
            for n in range(deliveries)
        ]:
            future.result()
    posted = time.perf_counter() - start
    done = 0
    while done < deliveries:
        if time.perf_counter() - start > ALL_TIMEOUT:
            raise RuntimeError(f"only {done} of {deliveries} deliveries finished in {ALL_TIMEOUT} s")
        done = finished(clients[0])[0]
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    _, failed = finished(clients[0])
    for client in clients:
        client.close()
    return {
        "deliveries": deliveries,
        "seconds": round(seconds, 2),
        "per_second": round(deliveries / seconds, 1),
        "post_seconds": round(posted, 2),
        "not_passed": failed,
    }


def takeovers(replicas: list[Replica], kills: int) -> list[float]:
    """Seconds from the SIGKILL of the engine's replica until another runs the engine, ``kills`` times."""
    times = []
    for _ in range(kills):
        deadline = time.monotonic() + TAKEOVER_TIMEOUT
        while not any(replica.runs(ENGINE) for replica in replicas):
            if time.monotonic() > deadline:
                raise RuntimeError("no replica runs the sequence engine")
            time.sleep(0.2)
        victim = next(replica for replica in replicas if replica.runs(ENGINE))
        victim.kill()
        killed = time.monotonic()
        others = [replica for replica in replicas if replica is not victim]
        while not any(replica.runs(ENGINE) for replica in others):
            if time.monotonic() - killed > TAKEOVER_TIMEOUT:
                raise RuntimeError(f"no takeover within {TAKEOVER_TIMEOUT} s")
            time.sleep(0.1)
        times.append(round(time.monotonic() - killed, 2))
        print(f"  kill of {victim.name}: taken over after {times[-1]:.1f} s", flush=True)
        victim.start()
    return times


def run_mode(
    root: Path, name: str, urls: list[str], deliveries: int, services: int
) -> tuple[dict[str, Any], list[Replica]]:
    keys = shared_key_dir(root / name)  # every replica of a mode gets the same keys (docs/deployment.md)
    replicas = [
        Replica(root, f"{name}-{number}", TOKEN, url, keys).start() for number, url in enumerate(urls)
    ]
    try:
        figures = throughput(replicas, deliveries, services)
    except BaseException:
        for replica in replicas:
            replica.stop()
        raise
    print(f"{name}: {figures['deliveries']} deliveries in {figures['seconds']} s = {figures['per_second']}/s "
          f"({figures['not_passed']} not passed)", flush=True)  # fmt: skip
    return figures, replicas


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--services", type=int, default=40)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument(
        "--modes", default="sqlite,postgresql_1,postgresql_3", help="which to run (comma-separated)"
    )
    options = parser.parse_args()
    postgres: PostgresServer = start_postgres()
    results: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as directory:
            root = Path(directory)
            modes = {
                "sqlite": [""],
                "postgresql_1": [postgres.url(postgres.create_database())],
                "postgresql_3": [postgres.url(postgres.create_database())] * 3,
            }
            for name, urls in modes.items():
                if name not in options.modes.split(","):
                    continue
                figures, replicas = run_mode(root, name, urls, options.deliveries, options.services)
                results[name] = figures
                if name == "postgresql_3" and options.kills:
                    times = takeovers(replicas, options.kills)
                    results["takeover"] = {
                        "seconds": times,
                        "p50": statistics.median(times),
                        "max": max(times),
                    }
                for replica in replicas:
                    replica.stop()
    finally:
        postgres.stop()
    return report(results)


def report(results: dict[str, Any]) -> int:
    if not all(mode in results for mode in ("sqlite", "postgresql_1", "postgresql_3")):
        return 0  # a partial run (--modes): the figures only
    one_vs_sqlite = results["postgresql_1"]["per_second"] / results["sqlite"]["per_second"]
    three_vs_one = results["postgresql_3"]["per_second"] / results["postgresql_1"]["per_second"]
    results["ratios"] = {
        "postgresql_1_vs_sqlite": round(one_vs_sqlite, 2),
        "postgresql_3_vs_1": round(three_vs_one, 2),
    }
    one_line = f"PostgreSQL 1 replica vs SQLite: {one_vs_sqlite:.2f} (target ≥ {TARGET_ONE_VS_SQLITE})"
    three_line = f"3 replicas vs 1: {three_vs_one:.2f} (target ≥ {TARGET_THREE_VS_ONE})"
    checks = [
        (one_line, one_vs_sqlite >= TARGET_ONE_VS_SQLITE),
        (three_line, three_vs_one >= TARGET_THREE_VS_ONE),
    ]
    if "takeover" in results:
        takeover = results["takeover"]
        line = f"takeover p50 {takeover['p50']:.1f} s, max {takeover['max']:.1f} s"
        line += f" (target max ≤ {TARGET_TAKEOVER_SECONDS} s)"
        checks.append((line, takeover["max"] <= TARGET_TAKEOVER_SECONDS))
    failures = sum(
        mode["not_passed"] for mode in (results[m] for m in ("sqlite", "postgresql_1", "postgresql_3"))
    )
    checks.append((f"deliveries not passed: {failures} (target 0)", failures == 0))
    for line, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {line}")
    results["targets_met"] = all(ok for _, ok in checks)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if results["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
