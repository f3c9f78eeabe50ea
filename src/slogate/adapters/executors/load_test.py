"""The ``load`` executor: a built-in HTTP load test, the equivalent of the tutorial's Locust job.

``users`` virtual users, started ``spawnRate`` per second, each loop: GET the next of ``paths`` on
the deployment's URI, then wait a uniform ``thinkTime``; until ``duration`` has passed since the
start. A request fails on a transport error, a timeout or an HTTP status of 400 or more; the test
fails when more than ``maxErrorRate`` of the requests failed (0 by default: any failure, as Locust).
The ``.finished`` data carries ``test.start``/``test.end`` and a ``load`` summary. Settings are in
:mod:`.load_profile`.

Example::

    executor = create(ExecutorEnvironment(data_dir, now=lambda: datetime.now(UTC)))
    result = await executor.run(TaskRequest(event, "test", {"users": 5, "duration": "20s"}), context)
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from slogate.adapters.executors.load_profile import (
    LoadProfile,
    join_url,
    parse_profile,
    strategy_of,
    target_url,
)
from slogate.domain.evaluation.window import format_time
from slogate.errors import InputError
from slogate.ports.executors import ExecutorEnvironment, TaskContext, TaskExecutor, TaskRequest, TaskResult

REAL_USER = "real-user"
REAL_USER_MESSAGE = "test strategy 'real-user': real users are the load, so no load test was run"
STOPPED = "the load test was stopped (slogate is shutting down) after {requests} requests"
CLOSED = "the load executor is closed (slogate is shutting down); trigger the sequence again"
logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Tally:
    """What the users measured: every request's latency in seconds, and the failures."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str = ""

    @property
    def requests(self) -> int:
        """How many requests were answered or failed."""
        return len(self.latencies)

    @property
    def error_rate(self) -> float:
        """The fraction of requests that failed (0 without requests)."""
        return self.failures / self.requests if self.requests else 0.0

    def record(self, seconds: float, failure: str) -> None:
        """Count one request; ``failure`` is "" for a success, else why it failed."""
        self.latencies.append(seconds)
        if failure:
            self.failures += 1
            self.first_failure = self.first_failure or failure

    def percentile(self, fraction: float) -> float:
        """The nearest-rank percentile of the latencies (0 without requests)."""
        if not self.latencies:
            return 0.0
        ranked = sorted(self.latencies)
        return ranked[max(1, math.ceil(fraction * len(ranked))) - 1]


@dataclass(frozen=True, slots=True)
class Target:
    """The base URL one load test requests the paths of, and how its reports name them."""

    base: str
    paths: tuple[str, ...]

    @property
    def urls(self) -> tuple[str, ...]:
        """Each path's full URL."""
        return tuple(join_url(self.base, path) for path in self.paths)

    @property
    def url(self) -> str:
        """The one URL requested, or the base URL when there are several paths."""
        return self.urls[0] if len(self.paths) == 1 else self.base

    @property
    def label(self) -> str:
        """``http://h:1/``, or ``http://h:1 (3 paths)`` for several paths."""
        return self.url if len(self.paths) == 1 else f"{self.base} ({len(self.paths)} paths)"


class LoadTestExecutor:
    """Runs load tests; several may run at once (one per task), ``aclose()`` stops them all."""

    name = "load"

    def __init__(self, environment: ExecutorEnvironment, rng: random.Random | None = None) -> None:
        self._now = environment.now
        self._random = rng or random.Random()
        self._loads: set[asyncio.Task[None]] = set()
        self._closed = False

    @staticmethod
    def rerun_safe(request: TaskRequest) -> bool:
        """A load test interrupted by a server crash runs again: it only reads, and the re-run
        measures its own window."""
        return True

    async def run(self, request: TaskRequest, context: TaskContext) -> TaskResult:
        """Send the configured load to the event's deployment and judge its error rate."""
        if strategy_of(request.event) == REAL_USER:
            return TaskResult(message=REAL_USER_MESSAGE)
        try:
            profile = parse_profile(request.config, request.task)
            target = Target(target_url(request.event, profile.url), profile.paths)
        except InputError as error:
            return TaskResult.errored(error.message)
        if self._closed:
            return TaskResult.errored(CLOSED)
        tally = Tally()
        start = self._now()
        load = asyncio.create_task(self._drive(profile, target, tally))
        self._loads.add(load)
        load.add_done_callback(self._loads.discard)
        try:
            await load
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the caller cancelled run() itself
            window = _window(start, self._now())
            return TaskResult.errored(STOPPED.format(requests=tally.requests), window)
        return verdict(profile, target, tally, start, self._now())

    async def aclose(self) -> None:
        """Cancel every running load test (their ``run`` answers errored) and refuse new ones."""
        self._closed = True
        loads = list(self._loads)
        for load in loads:
            load.cancel()
        await asyncio.gather(*loads, return_exceptions=True)

    async def _drive(self, profile: LoadProfile, target: Target, tally: Tally) -> None:
        limits = httpx.Limits(max_connections=profile.users, max_keepalive_connections=profile.users)
        timeout = httpx.Timeout(profile.timeout)
        logger.info("load test: %d users on %s for %g s", profile.users, target.label, profile.duration)
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as client, asyncio.TaskGroup() as users:
            # the window starts once the client is ready: creating it (its TLS context) can take longer than
            # a short test's whole duration
            deadline = asyncio.get_running_loop().time() + profile.duration
            for index in range(profile.users):
                users.create_task(self._user(index, client, profile, target, deadline, tally))

    async def _user(
        self,
        index: int,
        client: httpx.AsyncClient,
        profile: LoadProfile,
        target: Target,
        deadline: float,
        tally: Tally,
    ) -> None:
        """One virtual user: spawned at ``index / spawnRate`` s, then request and think until the end."""
        loop = asyncio.get_running_loop()
        spawn_at = deadline - profile.duration + index / profile.spawn_rate
        if spawn_at >= deadline:
            return
        await asyncio.sleep(max(0.0, spawn_at - loop.time()))
        urls = target.urls
        position = index % len(urls)
        while loop.time() < deadline:
            url = urls[position]
            position = (position + 1) % len(urls)
            tally.record(*await _get(client, url, profile.timeout))
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.sleep(min(self._random.uniform(profile.think_min, profile.think_max), remaining))


async def _get(client: httpx.AsyncClient, url: str, timeout: float) -> tuple[float, str]:
    """One request: its latency in seconds and why it failed ("" when it did not)."""
    started = time.perf_counter()
    try:
        response = await client.get(url)
    except httpx.TimeoutException:
        failure = f"GET {url}: no answer within the timeout of {timeout:g} s"
    except httpx.ConnectError as error:
        failure = f"GET {url}: cannot connect ({error or 'connection failed'}): is the service running there?"
    except httpx.HTTPError as error:
        failure = f"GET {url}: {type(error).__name__}: {error}"
    else:
        status = response.status_code
        failure = f"GET {url}: HTTP {status} {response.reason_phrase}".rstrip() if status >= 400 else ""
    return time.perf_counter() - started, failure


def verdict(profile: LoadProfile, target: Target, tally: Tally, start: datetime, end: datetime) -> TaskResult:
    """The task's result: pass unless more than ``maxErrorRate`` of the requests failed."""
    data = {**_window(start, end), "load": _load_block(target, tally)}
    summary = (
        f"{tally.requests} requests to {target.label}, {tally.failures} failed "
        f"({tally.error_rate * 100:.1f} %), p95 {tally.percentile(0.95):.3f} s"
    )
    if tally.requests == 0:
        return TaskResult.failed(f"no request was sent to {target.label}: make the duration longer", data)
    if tally.error_rate > profile.max_error_rate:
        limit = f"{profile.max_error_rate * 100:g} %"
        message = f"{summary}: more than maxErrorRate {limit} failed; first failure: {tally.first_failure}"
        return TaskResult.failed(message, data)
    if tally.first_failure:
        summary += f"; first failure: {tally.first_failure}"
    return TaskResult(message=summary, data=data)


def _window(start: datetime, end: datetime) -> dict[str, Any]:
    """The ``test`` block: when the load began and ended, in Keptn's timestamp format."""
    return {"test": {"start": format_time(start), "end": format_time(end)}}


def _load_block(target: Target, tally: Tally) -> dict[str, Any]:
    """The ``load`` block of the ``.finished`` data (latencies in seconds)."""
    block: dict[str, Any] = {
        "url": target.url,
        "requests": tally.requests,
        "failures": tally.failures,
        "errorRate": round(tally.error_rate, 6),
        "p50": round(tally.percentile(0.50), 6),
        "p95": round(tally.percentile(0.95), 6),
    }
    if len(target.paths) > 1:
        block["paths"] = list(target.paths)
    if tally.first_failure:
        block["firstFailure"] = tally.first_failure
    return block


def create(environment: ExecutorEnvironment) -> TaskExecutor:
    """The ``load`` executor (entry point of group ``slogate.executors``)."""
    return LoadTestExecutor(environment)
