"""Real Prometheus for tests and benchmarks: started on a free 127.0.0.1 port, stopped afterwards.

Three ways to feed it, freely combined by :func:`start_prometheus`:

* scrape live targets every second (``scrape_jobs={"helloservice-fulltour-qa": app.address}``);
* backfill deterministic samples with explicit past timestamps (``series=[Series(...)]``, written
  as OpenMetrics and turned into TSDB blocks by ``promtool tsdb create-blocks-from openmetrics``);
* require HTTP basic auth (``basic_auth=("user", "secret")``, a bcrypt hash in ``--web.config.file``).

Pytest fixtures (enabled in ``tests/conftest.py``): ``prometheus_factory`` (session; call it with the
options above), ``hello_app`` and ``live_prometheus`` (session; the sample service scraped as job
``helloservice-fulltour-qa``). Tests that need the binaries carry the :data:`needs_prometheus` mark:
they skip where Prometheus is not installed, except in CI (``CI`` set), where they fail instead.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.support.helloapp import HelloApp

MISSING = [name for name in ("prometheus", "promtool") if shutil.which(name) is None]
MISSING_REASON = (
    f"{' and '.join(MISSING) or 'nothing'} not installed (apt-get install prometheus); "
    "with CI set, these tests fail instead"
)
needs_prometheus = pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"), reason=MISSING_REASON)

PROJECT, STAGE, SERVICE = "fulltour", "qa", "helloservice"
HELLO_JOB = f"{SERVICE}-{PROJECT}-{STAGE}"


@dataclass(frozen=True)
class Series:
    """One time series to backfill: metric name, labels (include ``job``), (Unix seconds, value) points."""

    name: str
    labels: Mapping[str, str]
    points: Sequence[tuple[float, float]]


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def openmetrics(series: Iterable[Series]) -> str:
    """OpenMetrics text for ``series``: grouped by metric name, the points of equal series merged and
    in time order, ending in ``# EOF``."""
    families: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for one in series:
        labels = ",".join(f'{key}="{_label_value(value)}"' for key, value in one.labels.items())
        families.setdefault(one.name, {}).setdefault(labels, []).extend(one.points)
    lines = [
        f"{name}{{{labels}}} {_number(value)} {stamp!r}"
        for name, members in families.items()
        for labels, points in members.items()
        for stamp, value in sorted(points)
    ]
    return "\n".join([*lines, "# EOF", ""])


@dataclass(frozen=True)
class Phase:
    """A stretch of time in which the sample service ran one build under steady load."""

    start: float
    end: float
    response_time: float  # seconds per GET /
    throughput: float  # GET / per second
    goroutines: float = 7.0


def tutorial_series(job: str, phases: Sequence[Phase], step: float = 5.0) -> list[Series]:
    """The sample service's metrics for consecutive ``phases``, sampled every ``step`` seconds, such
    that the tutorial's SLIs over a window inside a phase give exactly its response time, throughput
    and goroutines (counters keep counting across phases)."""
    common = {"method": "GET", "route": "/", "status_code": "200", "job": job}
    count: list[tuple[float, float]] = []
    total: list[tuple[float, float]] = []
    goroutines: list[tuple[float, float]] = []
    requests = seconds = 0.0
    for phase in phases:
        stamp = phase.start
        while stamp <= phase.end + 1e-9:
            count.append((stamp, requests))
            total.append((stamp, seconds))
            goroutines.append((stamp, phase.goroutines))
            requests += phase.throughput * step
            seconds += phase.throughput * step * phase.response_time
            stamp += step
    return [
        Series("http_server_request_duration_seconds_count", common, count),
        Series("http_server_request_duration_seconds_sum", common, total),
        Series("http_requests_total", {"status": "success", "job": job}, count),
        Series("go_goroutines", {"job": job}, goroutines),
    ]


def backfill(series: Iterable[Series], tsdb: Path) -> None:
    """Write ``series`` into TSDB blocks under ``tsdb`` with promtool."""
    tsdb.mkdir(parents=True, exist_ok=True)
    source = tsdb.parent / "backfill.om"
    source.write_text(openmetrics(series), encoding="utf-8")
    done = subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"promtool failed ({done.returncode}): {done.stderr or done.stdout}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bcrypt_hash(password: str) -> str:
    """A bcrypt hash for Prometheus' web config (cost 4: tests need speed, not strength)."""
    import bcrypt  # a dev dependency, only needed for basic auth

    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode("ascii")


@dataclass
class PrometheusServer:
    """A running Prometheus process and how to reach it."""

    url: str
    process: subprocess.Popen[bytes]
    directory: Path
    auth: tuple[str, str] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def query(self, promql: str, at: float | None = None) -> dict[str, Any]:
        """The ``data`` of a raw instant query (fails the caller's test on an API error)."""
        form = {"query": promql} if at is None else {"query": promql, "time": repr(at)}
        answer = httpx.post(self.url + "/api/v1/query", data=form, auth=self.auth, timeout=10)
        payload: dict[str, Any] = answer.json()
        assert payload["status"] == "success", payload
        return dict(payload["data"])

    def wait_for_scrape(self, job: str, after: float, timeout: float = 15.0) -> float:
        """Wait until ``job`` was scraped successfully at or after Unix time ``after``; that time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            selector = f'up{{job="{job}"}}'  # timestamp() of a plain selector: the scrape's own time
            result = self.query(f"timestamp({selector}) and {selector} == 1")["result"]
            if result and float(result[0]["value"][1]) >= after:
                return float(result[0]["value"][1])
            time.sleep(0.1)
        raise AssertionError(f"job {job} was not scraped after {after} within {timeout} s")

    def log(self) -> str:
        """What Prometheus wrote to its log so far."""
        path = self.directory / "prometheus.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop the process and close its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()


def _config(scrape_jobs: Mapping[str, str], interval: str) -> dict[str, Any]:
    jobs = [
        {
            "job_name": job,
            "scrape_interval": interval,
            "scrape_timeout": interval,
            "metrics_path": "/metrics",
            "static_configs": [{"targets": [target]}],
        }
        for job, target in scrape_jobs.items()
    ]
    return {"global": {"scrape_interval": interval, "evaluation_interval": interval}, "scrape_configs": jobs}


def start_prometheus(
    directory: Path,
    *,
    scrape_jobs: Mapping[str, str] | None = None,
    series: Iterable[Series] = (),
    basic_auth: tuple[str, str] | None = None,
    scrape_interval: str = "1s",
    ready_timeout: float = 30.0,
) -> PrometheusServer:
    """Start Prometheus with its data in ``directory`` and wait until ``/-/ready`` answers."""
    missing = [name for name in ("prometheus", "promtool") if shutil.which(name) is None]
    if missing:
        raise RuntimeError(f"{' and '.join(missing)} not found on PATH: apt-get install prometheus")
    directory.mkdir(parents=True, exist_ok=True)
    series = list(series)
    if series:
        backfill(series, directory / "tsdb")
    config = directory / "prometheus.yml"  # JSON is YAML
    config.write_text(json.dumps(_config(scrape_jobs or {}, scrape_interval)), encoding="utf-8")
    arguments = [
        "prometheus",
        f"--config.file={config}",
        f"--storage.tsdb.path={directory / 'tsdb'}",
        "--log.level=warn",
    ]
    if basic_auth is not None:
        web = directory / "web.yml"
        web.write_text(json.dumps({"basic_auth_users": {basic_auth[0]: bcrypt_hash(basic_auth[1])}}))
        arguments.append(f"--web.config.file={web}")
    for _attempt in range(3):  # the free port may be taken again before Prometheus binds it
        port = free_port()
        log = (directory / "prometheus.log").open("ab")
        process = subprocess.Popen(
            [*arguments, f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT
        )
        server = PrometheusServer(f"http://127.0.0.1:{port}", process, directory, basic_auth, log)
        if _wait_ready(server, ready_timeout):
            return server
        server.stop()
        if "address already in use" not in server.log():
            break
    raise RuntimeError(f"Prometheus did not become ready; its log:\n{server.log()[-3000:]}")


def _wait_ready(server: PrometheusServer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with httpx.Client(auth=server.auth, timeout=2) as client:
        while time.monotonic() < deadline and server.process.poll() is None:
            try:
                if client.get(server.url + "/-/ready").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    return False


def _require_binaries() -> None:
    if MISSING:
        pytest.fail(f"these tests need a real Prometheus: {MISSING_REASON}", pytrace=False)


@pytest.fixture(scope="session")
def prometheus_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., PrometheusServer]]:
    """Start Prometheus servers with :func:`start_prometheus`'s options; all stop at session end."""
    _require_binaries()
    started: list[PrometheusServer] = []

    def start(**options: Any) -> PrometheusServer:
        server = start_prometheus(tmp_path_factory.mktemp("prometheus"), **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def hello_app() -> Iterator[HelloApp]:
    """The sample service (fast build, no delay); tests that change the delay must restore it."""
    with HelloApp() as app:
        yield app


@pytest.fixture(scope="session")
def live_prometheus(
    prometheus_factory: Callable[..., PrometheusServer], hello_app: HelloApp
) -> PrometheusServer:
    """Prometheus scraping :func:`hello_app` every second as job ``helloservice-fulltour-qa``.

    Prometheus applies scrape targets on a 5-second tick, so this waits for the first scrape.
    """
    server = prometheus_factory(scrape_jobs={HELLO_JOB: hello_app.address})
    server.wait_for_scrape(HELLO_JOB, after=0)
    return server
