"""The ``load`` executor against a real local HTTP server: request counts, failures, URLs, stopping."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from slogate.adapters.executors.load_profile import NO_TARGET
from slogate.adapters.executors.load_test import CLOSED, REAL_USER_MESSAGE, create
from slogate.domain.evaluation.window import format_time, parse_time
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports.executors import (
    ERRORED,
    FAIL,
    PASS,
    SUCCEEDED,
    ExecutorEnvironment,
    TaskRequest,
    TaskResult,
)

KEPTN_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Site:
    """A local HTTP server that counts requests per path, fails every ``fail_every``-th one with
    500 and answers after ``delay`` seconds."""

    def __init__(self, fail_every: int = 0, delay: float = 0.0) -> None:
        self.fail_every, self.delay = fail_every, delay
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.hits.values())

    def _count(self, path: str) -> int:
        with self._lock:
            self.hits[path] += 1
            return sum(self.hits.values())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                number = site._count(self.path)
                time.sleep(site.delay)
                failing = site.fail_every and number % site.fail_every == 0
                body = b"boom" if failing else b"hello"
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        return Handler


@contextmanager
def serving(**options: Any) -> Iterator[Site]:
    site = Site(**options)
    thread = threading.Thread(target=site.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()
        thread.join()


class NoResources:
    """A TaskContext without resources or secrets (the load executor reads neither)."""

    def resource(self, uri: str) -> str | None:
        return None

    def secret(self, name: str) -> Mapping[str, str] | None:
        return None


class Clock:
    """The environment's clock: real UTC time, remembering each reading."""

    def __init__(self) -> None:
        self.readings: list[datetime] = []

    def __call__(self) -> datetime:
        self.readings.append(datetime.now(UTC))
        return self.readings[-1]


def _event(data: Mapping[str, Any]) -> KeptnEvent:
    body = {"project": "fulltour", "stage": "qa", "service": "helloservice", **data}
    return KeptnEvent("t-1", "sh.keptn.event.test.triggered", "test", datetime.now(UTC), "ctx", body)


def _deployed_at(url: str) -> dict[str, Any]:
    return {"deployment": {"deploymentURIsLocal": [url], "deploymentNames": ["direct"]}}


def _run(data: Mapping[str, Any], config: Mapping[str, Any], clock: Clock | None = None) -> TaskResult:
    executor = create(ExecutorEnvironment(Path("."), clock or Clock()))
    return asyncio.run(executor.run(TaskRequest(_event(data), "test", config), NoResources()))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_passing_load_reports_counts_latencies_and_its_window() -> None:
    clock = Clock()
    config = {"users": 3, "spawnRate": 10, "thinkTime": "100ms-200ms", "duration": "1s"}
    with serving() as site:
        began = time.monotonic()
        result = _run(_deployed_at(site.url), config, clock)
        elapsed = time.monotonic() - began
        served = site.total
    assert (result.status, result.result) == (SUCCEEDED, PASS)
    load = result.data["load"]
    # Each user sends about one request per 150 ms for up to 1 s: ~19 in all.
    assert 6 <= load["requests"] <= 27  # fewer on a loaded machine
    assert load["requests"] == served
    assert (load["failures"], load["errorRate"], load["url"]) == (0, 0.0, site.url + "/")
    assert 0 < load["p50"] <= load["p95"] < 0.5
    assert re.fullmatch(
        rf"{load['requests']} requests to {re.escape(site.url)}/, 0 failed \(0\.0 %\), p95 \d+\.\d{{3}} s",
        result.message,
    )
    assert 1.0 <= elapsed < 3.0
    window = result.data["test"]
    assert KEPTN_TIME.match(window["start"])
    assert KEPTN_TIME.match(window["end"])
    start, end = parse_time(window["start"]), parse_time(window["end"])
    assert [window["start"], window["end"]] == [format_time(reading) for reading in clock.readings]
    assert 1.0 <= (end - start).total_seconds() < 3.0


def test_users_are_spawned_at_the_spawn_rate() -> None:
    """With a long think time each user sends one request when it starts: users at 0, 0.25 and
    0.5 s fit in 0.7 s, the fourth (0.75 s) never starts."""
    config = {"users": 4, "spawnRate": 4, "thinkTime": "10s", "duration": "700ms"}
    with serving() as site:
        result = _run(_deployed_at(site.url), config)
        assert site.total == 3
    assert result.data["load"]["requests"] == 3


def test_each_user_cycles_through_the_paths() -> None:
    config = {"users": 1, "thinkTime": "20ms", "duration": "400ms", "paths": ["/a", "/b"]}
    with serving() as site:
        result = _run(_deployed_at(site.url + "/"), config)
        hits = dict(site.hits)
    assert result.result == PASS
    assert set(hits) == {"/a", "/b"}
    assert abs(hits["/a"] - hits["/b"]) <= 1  # in turn (how many in 400 ms depends on the machine's load)
    assert result.data["load"]["url"] == site.url + "/"
    assert result.data["load"]["paths"] == ["/a", "/b"]
    assert f"requests to {site.url}/ (2 paths)" in result.message


def test_failed_requests_fail_the_test_beyond_max_error_rate() -> None:
    config = {"users": 2, "spawnRate": 20, "thinkTime": "20ms", "duration": "400ms"}
    with serving(fail_every=2) as site:
        strict = _run(_deployed_at(site.url), config)
        tolerant = _run(_deployed_at(site.url), {**config, "maxErrorRate": 0.6})
    assert (strict.status, strict.result) == (SUCCEEDED, FAIL)
    assert 0.3 <= strict.data["load"]["errorRate"] <= 0.7
    assert "more than maxErrorRate 0 % failed; first failure: GET http://127.0.0.1:" in strict.message
    assert strict.message.endswith("/: HTTP 500 Internal Server Error")
    assert (tolerant.status, tolerant.result) == (SUCCEEDED, PASS)
    assert "first failure:" in tolerant.message


def test_a_slow_answer_fails_by_the_timeout() -> None:
    config = {"users": 1, "thinkTime": 0, "duration": "200ms", "timeout": "100ms"}
    with serving(delay=0.4) as site:
        result = _run(_deployed_at(site.url), config)
    assert result.result == FAIL
    assert "no answer within the timeout of 0.1 s" in result.message
    assert result.data["load"]["failures"] == result.data["load"]["requests"] >= 1


def test_a_dead_url_fails_with_a_clear_message() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    result = _run(_deployed_at(url), {"users": 2, "thinkTime": "50ms", "duration": "300ms"})
    assert (result.status, result.result) == (SUCCEEDED, FAIL)
    assert result.data["load"]["errorRate"] == 1.0
    assert f"first failure: GET {url}/: cannot connect" in result.message
    assert "is the service running there?" in result.message


def test_the_public_uri_and_the_configured_url_are_used() -> None:
    config = {"users": 1, "thinkTime": "10s", "duration": "100ms"}
    with serving() as public, serving() as configured:
        from_public = _run({"deployment": {"deploymentURIsPublic": [public.url]}}, config)
        overridden = _run(_deployed_at(public.url), {**config, "url": configured.url})
        assert (public.total, configured.total) == (1, 1), (from_public.message, overridden.message)
    assert from_public.result == overridden.result == PASS
    assert overridden.data["load"]["url"] == configured.url + "/"


def test_no_deployment_uri_is_an_error_naming_the_fix() -> None:
    result = _run({}, {"duration": "100ms"})
    assert (result.status, result.result, result.message) == (ERRORED, FAIL, NO_TARGET)
    assert "set `url` in the test's config" in result.message


def test_an_invalid_config_is_an_error_naming_the_field() -> None:
    result = _run(_deployed_at("http://127.0.0.1:9"), {"users": "x"})
    assert (result.status, result.result) == (ERRORED, FAIL)
    assert result.message.startswith("slogate/executors.yaml: test.config.users must be a positive integer")
    assert result.message.endswith("got 'x'")


def test_the_real_user_strategy_runs_nothing() -> None:
    with serving() as site:
        began = time.monotonic()
        result = _run({**_deployed_at(site.url), "test": {"teststrategy": "real-user"}}, {"duration": "5s"})
        assert time.monotonic() - began < 0.5
        assert site.total == 0
    assert (result.status, result.result, result.message) == (SUCCEEDED, PASS, REAL_USER_MESSAGE)


def test_aclose_stops_a_running_load() -> None:
    async def scenario(url: str) -> tuple[TaskResult, TaskResult, float]:
        executor = create(ExecutorEnvironment(Path("."), Clock()))
        request = TaskRequest(
            _event(_deployed_at(url)), "test", {"users": 2, "thinkTime": "50ms", "duration": "30s"}
        )
        running = asyncio.create_task(executor.run(request, NoResources()))
        await asyncio.sleep(0.3)
        began = time.monotonic()
        await executor.aclose()
        stopped = await running
        return stopped, await executor.run(request, NoResources()), time.monotonic() - began

    with serving() as site:
        stopped, after, seconds = asyncio.run(scenario(site.url))
    assert seconds < 1.0
    assert (stopped.status, stopped.result) == (ERRORED, FAIL)
    assert re.fullmatch(
        r"the load test was stopped \(slogate is shutting down\) after \d+ requests", stopped.message
    )
    assert KEPTN_TIME.match(stopped.data["test"]["end"])
    assert (after.status, after.message) == (ERRORED, CLOSED)


def test_cancelling_run_cancels_its_load() -> None:
    async def scenario(url: str, site: Site) -> tuple[bool, int, int]:
        executor = create(ExecutorEnvironment(Path("."), Clock()))
        request = TaskRequest(
            _event(_deployed_at(url)), "test", {"users": 2, "thinkTime": "20ms", "duration": "30s"}
        )
        running = asyncio.create_task(executor.run(request, NoResources()))
        await asyncio.sleep(0.2)
        running.cancel()
        try:
            await running
        except asyncio.CancelledError:
            cancelled = True
        else:
            cancelled = False
        await asyncio.sleep(0.1)  # a request already on the wire when run() was cancelled lands now
        served = site.total
        await asyncio.sleep(0.3)  # users going on at a 20 ms think time would add a dozen requests
        return cancelled, served, site.total

    with serving() as site:
        cancelled, served, later = asyncio.run(scenario(site.url, site))
    assert cancelled
    assert served > 0
    assert later == served  # no user goes on after run() was cancelled
