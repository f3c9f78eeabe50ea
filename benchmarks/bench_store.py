"""Time the server's store: events ingested per second through ``POST /api/v1/event``, and the
evaluation-history lookup (``latest_evaluations``) over one million stored events.

1. Starts ``slogate server`` as a real process (SQLite in a temp dir) and posts task events with
   16 concurrent keep-alive connections for a fixed number of events; prints events per second.
   The load generator is a minimal HTTP/1.1 client over asyncio streams: request bytes are encoded
   before the clock starts, each connection sends one request and reads its status line, headers
   and ``content-length`` body before the next (no pipelining), and every answer must be 200. A
   full client such as httpx costs about as much CPU per request as the server itself, so on a
   machine of a few cores it would measure the client rather than the server.
2. Fills a SQLite database with one million events (10 % evaluation.finished over 200 services,
   some invalidated) straight through SQL, then times lighthouse's history query for random
   services; prints p50/p95/p99 in milliseconds.

Targets (SQLite, this machine): >= 1,000 events/s; history lookup p95 <= 10 ms at 1,000,000 events.
Run from the repository root: ``python benchmarks/bench_store.py`` (``--quick`` for smaller sizes).
Writes ``benchmarks/results/bench_store.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.tables import EventRow

RESULTS = Path(__file__).resolve().parent / "results" / "bench_store.json"
TOKEN = "bench-token-0123456789abcdefghijklmnopqrstuvwxyz"
TARGET_EVENTS_PER_SECOND = 1_000.0
TARGET_P95_MS = 10.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A ``slogate server`` on a free port; its process and URL once /health answers."""
    port = free_port()
    env = {**os.environ, "SLOGATE_API_TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", "slogate", "server", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("slogate server did not start")


def task_event(n: int) -> dict[str, Any]:
    """A valid ``test.finished`` event, as an executor posts it."""
    return {
        "type": "sh.keptn.event.test.finished",
        "source": "bench",
        "shkeptncontext": str(uuid.uuid4()),
        "triggeredid": str(uuid.uuid4()),
        "data": {
            "project": "bench",
            "stage": "qa",
            "service": f"svc-{n % 50}",
            "status": "succeeded",
            "result": "pass",
            "test": {"start": "2026-11-26T10:00:00Z", "end": "2026-11-26T10:05:00Z"},
        },
    }


async def ingest(url: str, total: int, concurrency: int) -> float:
    """Post ``total`` events over ``concurrency`` keep-alive connections; events per second."""
    address = httpx.URL(url)
    host, port = address.host, address.port or 80
    requests = [event_request(host, port, task_event(n)) for n in range(total)]
    pending = iter(enumerate(requests))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for n, request in pending:
                writer.write(request)
                status, body = await read_response(reader)
                if status != 200:
                    raise RuntimeError(f"event {n}: {status} {body.decode(errors='replace')}")
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


def event_request(host: str, port: int, event: dict[str, Any]) -> bytes:
    """The bytes of one ``POST /api/v1/event`` request (HTTP/1.1, keep-alive)."""
    body = json.dumps(event).encode()
    head = (
        f"POST /api/v1/event HTTP/1.1\r\nhost: {host}:{port}\r\nx-token: {TOKEN}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status code and body of one response with a ``content-length`` (what the server sends)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = next(
        (
            int(value)
            for name, _, value in (line.partition(b":") for line in lines[1:])
            if name.strip().lower() == b"content-length"
        ),
        None,
    )
    if length is None:
        raise RuntimeError(f"answer without content-length: {head!r}")
    return status, await reader.readexactly(length)


def fill(url: str, total: int, services: int) -> None:
    """``total`` events straight into the events table, 10 % of them evaluation.finished."""
    engine = open_database(url)
    upgrade(engine)
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for n in range(total):
            service = f"svc-{rng.randrange(services)}"
            finished = n % 10 == 0
            kind = (
                "sh.keptn.event.evaluation.finished"
                if finished
                else rng.choice(
                    [
                        "sh.keptn.event.deployment.finished",
                        "sh.keptn.event.test.finished",
                        "sh.keptn.event.get-sli.finished",
                    ]
                )
            )
            if n % 97 == 0:
                kind = "sh.keptn.event.evaluation.invalidated"
            result = rng.choice(["pass", "pass", "pass", "warning", "fail"])
            triggered = f"t-{n // 7}"  # invalidations hit some evaluations' triggered ids
            data: dict[str, Any] = {"project": "bench", "stage": "qa", "service": service, "result": result}
            if finished:
                data["evaluation"] = {
                    "score": 100.0,
                    "indicatorResults": [{"value": {"metric": "rt", "value": 0.1, "success": True}}],
                }
            batch.append(
                {
                    "id": f"e-{n}",
                    "type": kind,
                    "source": "lighthouse-service",
                    "time": start + timedelta(seconds=n),
                    "shkeptncontext": f"c-{n // 6}",
                    "triggeredid": triggered,
                    "gitcommitid": "",
                    "project": "bench",
                    "stage": "qa",
                    "service": service,
                    "result": result,
                    "data": data,
                }
            )
            if len(batch) == 20_000:
                connection.execute(insert(EventRow), batch)
                batch.clear()
        if batch:
            connection.execute(insert(EventRow), batch)
    engine.dispose()


def lookups(url: str, services: int, count: int) -> list[float]:
    """Milliseconds of ``count`` history lookups for random services."""
    engine = open_database(url)
    store = SqlEventStore(engine)
    rng = random.Random(11)
    timings = []
    for _ in range(count):
        service = f"svc-{rng.randrange(services)}"
        started = time.perf_counter()
        store.latest_evaluations("bench", "qa", service, limit=3, results=frozenset({"pass"}))
        timings.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return timings


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    """Run both measurements, print a table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a smoke run")
    args = parser.parse_args()
    posts, stored, services = (500, 100_000, 200) if args.quick else (5_000, 1_000_000, 200)
    with tempfile.TemporaryDirectory(prefix="slogate-bench-") as directory:
        process, url = start_server(Path(directory) / "server")
        try:
            asyncio.run(ingest(url, 200, 16))  # warm-up
            rate = asyncio.run(ingest(url, posts, 16))
        finally:
            process.terminate()
            process.wait(timeout=10)
        database = f"sqlite:///{Path(directory) / 'history.db'}"
        started = time.perf_counter()
        fill(database, stored, services)
        filled = time.perf_counter() - started
        timings = lookups(database, services, 2_000)
    p50, p95, p99 = (percentile(timings, p) for p in (50, 95, 99))
    print(f"slogate store (CPython {platform.python_version()}, {os.cpu_count()} CPUs, SQLite)")
    print(
        f"POST /api/v1/event, 16 clients: {rate:,.0f} events/s over {posts:,} events "
        f"(target >= {TARGET_EVENTS_PER_SECOND:,.0f}: {_met(rate >= TARGET_EVENTS_PER_SECOND)})"
    )
    print(
        f"history lookup at {stored:,} events ({services} services, filled in {filled:.0f} s): "
        f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms "
        f"(target p95 <= {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'MISSED'})"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "events_per_second": rate,
                "posted": posts,
                "stored_events": stored,
                "lookup_ms": {"p50": p50, "p95": p95, "p99": p99},
                "python": platform.python_version(),
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
