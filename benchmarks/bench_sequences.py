"""Time whole two-stage deliveries through the sequence engine, as the server runs them.

A server context on SQLite in a temporary data dir is served by uvicorn in-process on 127.0.0.1
(a free port) in its own thread, so the app lifespan runs the real background machinery
(``context.dispatcher.run()`` and ``context.sequences.run()`` as asyncio tasks): every wake-up is
measured as it happens in the server, nothing calls ``drain()``. The client uses httpx from the
main thread and triggers each delivery with ``POST /api/v1/event`` over HTTP.

Executors are instant and in-process: a dispatcher subscriber answers ``deployment``, ``test`` and
``release`` with ``.started`` + ``.finished`` (pass) at once; the built-in approval service answers
``approval`` (pass/warning: automatic); the built-in lighthouse answers ``evaluation`` (see
EVALUATION below); no SLI provider is ever asked.

1. One delivery, qa (deployment, test, evaluation, release) then production (approval,
   deployment, release): from just before the POST to ``production.delivery.finished``, repeated
   ``--runs`` times (each on a fresh service, after one warm-up delivery); p50/p95/max.
   Target: p50 <= 150 ms.
2. ``--services`` (200) deliveries for as many services of one project, all POSTed at once, until
   every ``production.delivery.finished`` exists; total seconds and errors (a ``.finished`` with
   result fail or status errored, any ``sh.keptn.log.error``). Target: <= 20 s with no error.

If a target is missed (or with ``--profile``), the concurrent run is repeated on a fresh server
under cProfile in every thread (the main thread, uvicorn's event loop, the asyncio and anyio worker
threads that run the store and the engine), merged; printed are the top 15 slogate functions by
cumulative time and the top 15 functions by own time without idle waits (thread-pool queue waits,
lock waits, epoll; their total is printed instead).

Run from the repository root: ``python benchmarks/bench_sequences.py``.
Writes ``benchmarks/results/bench_sequences.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import io
import json
import logging
import math
import os
import platform
import pstats
import re
import socket
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, select
from tests.support.engines import engine_of

from slogate import bootstrap
from slogate.adapters.store.tables import EventRow
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import ProviderOptions, SLIProvider
from slogate.services.keptn.emit import answer
from slogate.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bench_sequences.json"
TOKEN = "bench-token-0123456789abcdefghijklmnopqrstuvwxyz"
CONTROL_PLANE = "/api/controlPlane/v1"
RUNS, SERVICES = 30, 200
TARGET_P50_MS, TARGET_TOTAL_SECONDS = 150.0, 20.0
ONE_TIMEOUT, STALL_TIMEOUT, ALL_TIMEOUT = 5.0, 20.0, 600.0
PRODUCTION_FINISHED = "sh.keptn.event.production.delivery.finished"
LOG_ERROR = "sh.keptn.log.error"
EXECUTOR_TASKS = ("deployment", "test", "release")
TOP = 15
SETUP_ATTEMPTS = 20

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: shipyard-bench}
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks:
            - {name: deployment, properties: {deploymentstrategy: direct}}
            - {name: test, properties: {teststrategy: performance}}
            - {name: evaluation, properties: {timeframe: 2m}}
            - {name: release}
    - name: production
      sequences:
        - name: delivery
          triggeredOn: [{event: qa.delivery.finished}]
          tasks:
            - {name: approval, properties: {pass: automatic, warning: automatic}}
            - {name: deployment, properties: {deploymentstrategy: direct}}
            - {name: release}
"""

EVALUATION = (
    "evaluation: answered by the built-in lighthouse only. The projects have no slo.yaml and no "
    "Prometheus is configured (no secret, SLOGATE_PROMETHEUS_URL forced empty), so lighthouse "
    "answers evaluation.triggered at once with evaluation.started + evaluation.finished (pass, "
    '"no SLI-provider configured") in one commit, like an instant executor; the benchmark '
    "executor does not take evaluation.triggered, so exactly one answer exists (checked below: "
    "one evaluation.finished per delivery, all from lighthouse, no get-sli event; the SLI "
    "provider factory raises if called)."
)


# --- the in-process services ----------------------------------------------------------------------


class InstantExecutor:
    """A dispatcher subscriber answering deployment/test/release with ``.started`` + ``.finished`` pass."""

    name = "bench-executor"
    types: tuple[str, ...] = tuple(f"sh.keptn.event.{task}.triggered" for task in EXECUTOR_TASKS)

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """``.started`` and a passing ``.finished``, in one commit."""
        common: dict[str, Any] = {"project": event.project, "stage": event.stage, "service": event.service}
        labels = event.data.get("labels")
        if isinstance(labels, Mapping):
            common["labels"] = dict(labels)
        finished: dict[str, Any] = {**common, "status": "succeeded", "result": "pass"}
        if event.type == "sh.keptn.event.deployment.triggered":
            finished["deployment"] = {
                "deploymentURIsLocal": [f"http://127.0.0.1:9/{event.stage}"],
                "deploymentNames": ["direct"],
            }
        base = event.type.removesuffix("triggered")
        now = datetime.now(UTC)
        return [
            answer(event, base + "started", self.name, {**common, "status": "succeeded"}, now, event.id),
            answer(event, base + "finished", self.name, finished, now, event.id),
        ]


class FinishWatcher:
    """A dispatcher subscriber that notes when each context's ``production.delivery.finished`` is
    delivered (``time.perf_counter()``; it runs one wake-up after the engine's commit)."""

    name = "bench-watcher"
    types: tuple[str, ...] = (PRODUCTION_FINISHED,)

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.seen: dict[str, float] = {}

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """Note the time; emit nothing."""
        now = time.perf_counter()
        with self._changed:
            self.seen.setdefault(event.shkeptncontext, now)
            self._changed.notify_all()
        return []

    def wait(self, contexts: Sequence[str], timeout: float) -> bool:
        """Whether every one of ``contexts`` finished within ``timeout`` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: all(c in self.seen for c in contexts), timeout)

    def count(self, contexts: Sequence[str]) -> int:
        """How many of ``contexts`` finished so far."""
        with self._changed:
            return sum(1 for c in contexts if c in self.seen)


def no_provider(options: ProviderOptions) -> SLIProvider:
    """The SLI provider factory: the benchmark must never reach an SLI provider."""
    raise RuntimeError("bench_sequences: an SLI provider was asked for; the benchmark excludes them")


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ErrorLog(logging.Handler):
    """Every ERROR the server logs (500 answers, a failing in-process service), summarised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Note the message, the exception and the statement that failed (if any)."""
        line = f"{record.name}: {record.getMessage()}"
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            text = str(error).splitlines()
            line += f" — {type(error).__name__}: {text[0] if text else ''}"
            statement = next((part for part in text if part.startswith("[SQL: ")), "")
            line += f" {statement[:110]}" if statement else ""
        self.lines.append(line)


class BenchServer:
    """A server context with the instant executor and the watcher, served by uvicorn in a thread."""

    def __init__(self, data_dir: Path) -> None:
        settings = Settings(
            data_dir=data_dir,
            database_url="",
            api_token=TOKEN,  # type: ignore[arg-type]
            prometheus_url="",
        )
        self.context = bootstrap.server_context(settings, provider_factory=no_provider)
        self.watcher = FinishWatcher()
        self.log = ErrorLog()
        self.shutdown_errors: list[str] = []
        self.context.dispatcher.subscribe(InstantExecutor())
        self.context.dispatcher.subscribe(self.watcher)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            bootstrap.api_app(self.context),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            log_config=None,
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="slogate-server", daemon=True)

    def __enter__(self) -> BenchServer:
        logging.getLogger().addHandler(self.log)  # uvicorn's loggers propagate: log_config=None
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process uvicorn server did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        mark = len(self.log.lines)
        self._server.should_exit = True
        self._thread.join(timeout=20)
        self.context.close()
        logging.getLogger().removeHandler(self.log)
        self.shutdown_errors = [f"server log at shutdown: {line}" for line in self.log.lines[mark:]]

    def dispatcher_running(self) -> bool:
        """Whether ``dispatcher.run()`` still runs (a peek at a private field: it is reset when
        ``run()`` ends, e.g. because one subscriber's task raised)."""
        return self.context.dispatcher._loop is not None

    def client(self) -> httpx.Client:
        """A keep-alive client with the token."""
        return httpx.Client(base_url=self.url, headers={"x-token": TOKEN}, timeout=60)


def b64(text: str) -> str:
    """Base64 of UTF-8 text, as Keptn's API wants file contents."""
    return base64.b64encode(text.encode()).decode()


def create_project(client: httpx.Client, project: str, services: Sequence[str]) -> int:
    """The project with the benchmark shipyard and ``services`` (no slo.yaml); how many requests
    answered 500 and were retried (setup is not measured, but such answers are reported)."""
    retried = 0
    requests = [(f"{CONTROL_PLANE}/project", {"name": project, "shipyard": b64(SHIPYARD)}, 201)]
    requests += [(f"{CONTROL_PLANE}/project/{project}/service", {"serviceName": s}, 200) for s in services]
    for path, body, expected in requests:
        for _ in range(SETUP_ATTEMPTS):
            try:
                response = client.post(path, json=body)
            except httpx.TransportError:  # the server closes the connection after an unhandled error
                retried += 1
                continue
            if response.status_code != 500:
                break
            retried += 1
        else:
            raise RuntimeError(f"POST {path} {body}: still failing after {SETUP_ATTEMPTS} attempts")
        if response.status_code != expected:
            raise RuntimeError(f"POST {path} {body}: {response.status_code} {response.text}")
    return retried


def delivery(project: str, service: str) -> dict[str, Any]:
    """``qa.delivery.triggered`` as ``keptn trigger delivery`` sends it."""
    return {
        "type": "sh.keptn.event.qa.delivery.triggered",
        "source": "https://github.com/keptn/keptn/cli#configuration-change",
        "specversion": "1.0",
        "data": {
            "project": project,
            "stage": "qa",
            "service": service,
            "configurationChange": {"values": {"image": "ghcr.io/podtato-head/podtatoserver:v0.1.1"}},
            "labels": {"version": "v0.1.1"},
        },
    }


def keptn_context(response: httpx.Response) -> str:
    """The Keptn context ``POST /api/v1/event`` answered."""
    if response.status_code != 200:
        raise RuntimeError(f"POST /api/v1/event: {response.status_code} {response.text}")
    context: str = response.json()["keptnContext"]
    return context


# --- the measurements -----------------------------------------------------------------------------


@dataclass
class Latency:
    """Milliseconds per delivery: as the watcher saw the finish, and by the finished event's stamp."""

    observed_ms: list[float] = field(default_factory=list)
    stamped_ms: list[float] = field(default_factory=list)
    setup_retries: int = 0
    errors: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)


def finished_times(server: BenchServer, contexts: Sequence[str]) -> dict[str, datetime]:
    """The ``time`` the engine stamped on each context's ``production.delivery.finished``."""
    with engine_of(server.context).connect() as connection:
        rows = connection.execute(
            select(EventRow.shkeptncontext, EventRow.time).where(
                EventRow.type == PRODUCTION_FINISHED, EventRow.shkeptncontext.in_(list(contexts))
            )
        ).all()
    return {row.shkeptncontext: row.time for row in rows}


def one_delivery_latency(server: BenchServer, runs: int) -> Latency:
    """``runs`` single deliveries one after another, each on a fresh service, after one warm-up."""
    project = "latency"
    services = [f"svc-{index:03d}" for index in range(runs + 1)]
    latency = Latency()
    started: list[tuple[str, float, datetime]] = []
    with server.client() as client:
        latency.setup_retries = create_project(client, project, services)
        mark = len(server.log.lines)
        for index, service in enumerate(services):
            wall, began = datetime.now(UTC), time.perf_counter()
            context = keptn_context(client.post("/api/v1/event", json=delivery(project, service)))
            if not server.watcher.wait([context], ONE_TIMEOUT):
                latency.errors.append(f"delivery {index} ({service}) unfinished after {ONE_TIMEOUT:g} s")
            elif index > 0:  # the first one warms up imports, statement caches and connections
                started.append((context, began, wall))
                latency.observed_ms.append((server.watcher.seen[context] - began) * 1e3)
    stamps = finished_times(server, [context for context, _, _ in started])
    latency.stamped_ms = [(stamps[context] - wall).total_seconds() * 1e3 for context, _, wall in started]
    errors, latency.checks = audit(server, project, len(services))
    errors += running(server)
    latency.errors += errors + [f"server log: {line}" for line in server.log.lines[mark:]]
    return latency


@dataclass
class Load:
    """The concurrent run: seconds to post and to finish, what was stored, what went wrong."""

    services: int
    posted_seconds: float
    total_seconds: float  # until every delivery finished; inf when some never did
    last_seconds: float  # until the last delivery that finished did
    finished: int
    setup_retries: int
    errors: list[str]
    checks: list[str]


async def post_all(url: str, project: str, services: Sequence[str]) -> list[str]:
    """POST every delivery at once (one connection each); the Keptn contexts."""
    limits = httpx.Limits(max_connections=len(services), max_keepalive_connections=len(services))
    async with httpx.AsyncClient(
        base_url=url, headers={"x-token": TOKEN}, limits=limits, timeout=120
    ) as client:
        answers = await asyncio.gather(
            *(client.post("/api/v1/event", json=delivery(project, service)) for service in services)
        )
    return [keptn_context(response) for response in answers]


def concurrent_deliveries(server: BenchServer, count: int) -> Load:
    """``count`` services of one project, then ``count`` deliveries at once, until all finished."""
    project = "load"
    services = [f"load-{index:03d}" for index in range(count)]
    with server.client() as client:
        retries = create_project(client, project, services)
    mark = len(server.log.lines)
    began = time.perf_counter()
    contexts = asyncio.run(post_all(server.url, project, services))
    posted = time.perf_counter() - began
    done, progress = False, (-1, -1)
    while not done and time.perf_counter() - began < ALL_TIMEOUT:
        done = server.watcher.wait(contexts, STALL_TIMEOUT)
        now = (server.watcher.count(contexts), stored_events(server))
        if now == progress:
            break  # no delivery finished and no event was stored for STALL_TIMEOUT seconds: stalled
        progress = now
    finished = server.watcher.count(contexts)
    ends = [server.watcher.seen[c] for c in contexts if c in server.watcher.seen]
    last = (max(ends) - began) if ends else math.nan
    errors, checks = audit(server, project, count)
    errors += running(server) + [f"server log: {line}" for line in server.log.lines[mark:]]
    if not done:
        errors.insert(
            0, f"only {finished} of {count} deliveries finished (stalled or over {ALL_TIMEOUT:g} s)"
        )
    return Load(count, posted, last if done else math.inf, last, finished, retries, errors, checks)


def stored_events(server: BenchServer) -> int:
    """The highest event ``seq`` stored so far (it grows while the server makes progress)."""
    with engine_of(server.context).connect() as connection:
        return int(connection.execute(select(func.max(EventRow.seq))).scalar() or 0)


def running(server: BenchServer) -> list[str]:
    """An error when ``dispatcher.run()`` has ended while the server runs."""
    if server.dispatcher_running():
        return []
    return [
        "dispatcher.run() has ENDED while serving (a subscriber's task raised; no more wake-ups, "
        "the surviving subscribers only poll every 2 s; the exception shows at shutdown)"
    ]


def audit(server: BenchServer, project: str, deliveries: int) -> tuple[list[str], list[str]]:
    """The errors among the stored events, and consistency checks on the evaluations (both as text)."""
    with engine_of(server.context).connect() as connection:
        rows = connection.execute(
            select(EventRow.type, EventRow.source, EventRow.project, EventRow.result, EventRow.data)
        ).all()
    errors: list[str] = []
    for row in rows:
        if row.type == LOG_ERROR:
            errors.append(f"{LOG_ERROR} from {row.source}: {row.data.get('message', '')}")
        elif row.project == project and row.type.endswith(".finished"):
            status = row.data.get("status", "")
            if row.result == "fail" or status == "errored":
                errors.append(f"{row.type} from {row.source}: result {row.result}, status {status}")
    mine = [row for row in rows if row.project == project]
    types = Counter(row.type for row in mine)
    evaluations = [row for row in mine if row.type == "sh.keptn.event.evaluation.finished"]
    checks = [
        f"{types[PRODUCTION_FINISHED]} production.delivery.finished "
        f"({sum(1 for row in mine if row.type == PRODUCTION_FINISHED and row.result == 'pass')} pass)",
        f"{len(evaluations)} evaluation.finished for {deliveries} deliveries, sources "
        f"{sorted({row.source for row in evaluations})}",
        f"{sum(n for kind, n in types.items() if '.get-sli.' in kind)} get-sli events",
        f"{len(mine)} events stored in project {project}",
    ]
    if len(evaluations) != deliveries or {row.source for row in evaluations} != {"lighthouse-service"}:
        errors.append(f"expected {deliveries} evaluation.finished from lighthouse: {checks[1]}")
    return errors, checks


# --- profiling every thread -----------------------------------------------------------------------


class ThreadProfiles:
    """cProfile in the main thread and in every thread started while active (the uvicorn loop, the
    asyncio and anyio worker threads); merged into one ``pstats.Stats``."""

    def __init__(self) -> None:
        self._profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _start_in_thread(self, frame: FrameType, event: str, arg: object) -> None:
        profile = cProfile.Profile()
        with self._lock:
            self._profiles.append(profile)
        profile.enable()  # replaces this bootstrap hook for the new thread

    def __enter__(self) -> ThreadProfiles:
        threading.setprofile(self._start_in_thread)
        self._start_in_thread(sys._getframe(), "call", None)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        threading.setprofile(None)
        self._profiles[0].disable()  # the main thread's; the others stopped with their threads or idle

    def stats(self) -> pstats.Stats:
        """All threads' statistics together."""
        with self._lock:
            profiles = list(self._profiles)
        stats = pstats.Stats(profiles[0], stream=io.StringIO())
        for profile in profiles[1:]:
            stats.add(profile)
        return stats


IDLE = r"acquire' of '_thread.lock|get' of '_queue.SimpleQueue|poll' of 'select.epoll"


@dataclass
class Profile:
    """What the profiled run shows: slogate's functions by cumulative time, everything by own
    time without idle waits, the idle seconds, and the wall seconds of the run."""

    cumulative: str
    own: str
    idle_seconds: float
    seconds: float
    finished: int


def profile_concurrent(count: int) -> Profile:
    """The concurrent run again, on a fresh server, under cProfile in every thread."""
    with tempfile.TemporaryDirectory(prefix="slogate-bench-seq-prof-") as directory:
        profiles = ThreadProfiles()
        with profiles, BenchServer(Path(directory) / "data") as server:
            load = concurrent_deliveries(server, count)
    stats = profiles.stats()
    idle = sum(
        timing[2]  # tottime
        for (_, _, function), timing in stats.stats.items()  # type: ignore[attr-defined]
        if re.search(IDLE, function)
    )
    return Profile(
        cumulative=top(stats, "cumulative", r"/slogate/"),
        own=top(stats, "tottime", rf"^(?!.*({IDLE}))"),
        idle_seconds=idle,
        seconds=load.last_seconds,
        finished=load.finished,
    )


def top(stats: pstats.Stats, key: str, restriction: str) -> str:
    """The first ``TOP`` lines of ``stats`` sorted by ``key`` among those matching ``restriction``."""
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(restriction, TOP)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join("   " + line.replace(str(ROOT) + "/", "") for line in lines[start:] if line.strip())


# --- reporting ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def figures(values: Sequence[float]) -> dict[str, float]:
    """p50, p95 and max (NaN when nothing finished)."""
    if not values:
        return {"p50": math.nan, "p95": math.nan, "max": math.nan}
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "max": max(values)}


def verdict(ok: bool) -> str:
    """MET or MISSED."""
    return "MET" if ok else "MISSED"


def problems(retries: int, checks: Sequence[str], errors: Sequence[str], shown: int = 12) -> None:
    """Print the setup retries, the checks and the errors (the first ``shown``, the rest counted)."""
    if retries:
        print(
            f"   setup (not timed): {retries} project/service requests failed (500 or reset) and were retried"
        )
    for check in checks:
        print(f"   {check}")
    print(f"   errors: {len(errors)}")
    groups = Counter(condensed(error) for error in errors)
    for text, count in groups.most_common(shown):
        print(f"     {count:>4} × {text}")
    if len(groups) > shown:
        print(f"     … and {len(groups) - shown} other kinds")


def condensed(error: str) -> str:
    """An error as one short line without ids or numbers, so that errors of a kind group together."""
    lines = error.splitlines()
    text = lines[0] + "".join(f" {line}" for line in lines[1:] if line.startswith("[SQL: "))
    text = re.sub(r"\(raised as a result of Query-invoked autoflush[^)]*\)", "(autoflush)", text)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)
    text = re.sub(r"\b(svc|load)-\d+", r"\1-N", re.sub(r"\bdelivery \d+", "delivery N", text))
    return text if len(text) <= 200 else text[:199] + "…"


def main(argv: list[str] | None = None) -> int:
    """Measure both figures, print them with their targets, profile on a miss, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=RUNS, help=f"single deliveries timed (default {RUNS})")
    parser.add_argument(
        "--services", type=int, default=SERVICES, help=f"concurrent deliveries (default {SERVICES})"
    )
    parser.add_argument("--profile", action="store_true", help="profile the concurrent run even if met")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.services < 1:
        parser.error("--runs and --services must be at least 1")

    with tempfile.TemporaryDirectory(prefix="slogate-bench-seq-") as directory:
        with BenchServer(Path(directory) / "data") as server:
            latency = one_delivery_latency(server, args.runs)
        latency.errors += server.shutdown_errors
        with BenchServer(Path(directory) / "data-load") as server:
            load = concurrent_deliveries(server, args.services)
        load.errors += server.shutdown_errors

    observed, stamped = figures(latency.observed_ms), figures(latency.stamped_ms)
    latency_met = observed["p50"] <= TARGET_P50_MS and not latency.errors
    load_met = load.total_seconds <= TARGET_TOTAL_SECONDS and not load.errors

    python = f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs"
    print(f"slogate sequence engine ({python}, SQLite in a temp data dir, uvicorn + httpx on 127.0.0.1)")
    print("trigger: POST /api/v1/event over HTTP to uvicorn in-process (its own thread; the app lifespan")
    print("  runs dispatcher.run() and sequences.run() as asyncio tasks, no drain()); end: the moment an")
    print("  in-process subscriber of production.delivery.finished receives it (one dispatcher wake-up")
    print("  after the engine's commit), and, as a cross-check, the time the engine stamped on that event")
    print("executors: instant in-process subscriber for deployment/test/release (.started + .finished")
    print("  pass in one commit); built-in approval service (pass/warning: automatic)")
    print(textwrap.fill(EVALUATION, 100, subsequent_indent="  "))
    print()
    print(f"1. one two-stage delivery (qa: 4 tasks, production: 3 tasks), {args.runs} runs + 1 warm-up")
    print("   (one service per run, one after another)")
    header = f"   {'until production.delivery.finished':<50}  {'p50 ms':>8}  {'p95 ms':>8}  {'max ms':>8}"
    print(header)
    print("   " + "-" * (len(header) - 3))
    rows = {
        f"received by a subscriber ({len(latency.observed_ms)} runs)": observed,
        "stamped on the event by the engine": stamped,
    }
    for label, row in rows.items():
        print(f"   {label:<50}  {row['p50']:>8.1f}  {row['p95']:>8.1f}  {row['max']:>8.1f}")
    problems(latency.setup_retries, latency.checks, latency.errors)
    print(
        f"   target: p50 <= {TARGET_P50_MS:g} ms with no error: {verdict(latency_met)} "
        f"({observed['p50']:.1f} ms, {len(latency.errors)} errors)"
    )
    print()
    print(f"2. {load.services} concurrent deliveries for {load.services} services of one project")
    print(
        f"   all {load.services} POSTs (at once, one connection each) answered after "
        f"{load.posted_seconds:.2f} s"
    )
    if math.isfinite(load.total_seconds):
        print(
            f"   all {load.services} production.delivery.finished after {load.total_seconds:.2f} s "
            f"({load.services / load.total_seconds:.1f} deliveries/s)"
        )
    else:
        print(
            f"   NOT ALL FINISHED: {load.finished}/{load.services} production.delivery.finished "
            f"(the last after {load.last_seconds:.2f} s) when waiting stopped: after {ALL_TIMEOUT:g} s, "
            f"or when no event was stored for {STALL_TIMEOUT:g} s"
        )
    problems(load.setup_retries, load.checks, load.errors)
    print(
        f"   target: <= {TARGET_TOTAL_SECONDS:g} s with no error: {verdict(load_met)} "
        f"({load.total_seconds:.2f} s, {len(load.errors)} errors)"
    )

    profile: Profile | None = None
    if not (latency_met and load_met) or args.profile:
        print()
        print(f"profile: the {args.services}-delivery run again on a fresh server, cProfile in every thread")
        profile = profile_concurrent(args.services)
        print(
            f"   {profile.finished}/{args.services} finished, the last after {profile.seconds:.2f} s "
            f"(profiling slows it); {profile.idle_seconds:.1f} thread-seconds idle (lock waits, "
            "thread-pool queue waits, epoll), left out below"
        )
        print(f"   top {TOP} slogate functions by cumulative time:")
        print(profile.cumulative)
        print(f"   top {TOP} functions by own time, idle waits left out:")
        print(profile.own)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "bench_sequences",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "one_delivery": {
            "runs": args.runs,
            "observed_ms": observed,
            "stamped_ms": stamped,
            "setup_retries": latency.setup_retries,
            "errors": latency.errors,
            "checks": latency.checks,
            "target_p50_ms": TARGET_P50_MS,
            "met": latency_met,
        },
        "concurrent": {
            "services": load.services,
            "posted_seconds": load.posted_seconds,
            "total_seconds": load.total_seconds if math.isfinite(load.total_seconds) else None,
            "last_finished_seconds": load.last_seconds,
            "finished": load.finished,
            "setup_retries": load.setup_retries,
            "errors": load.errors,
            "checks": load.checks,
            "target_seconds": TARGET_TOTAL_SECONDS,
            "met": load_met,
        },
        "profile": None if profile is None else vars(profile),
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
