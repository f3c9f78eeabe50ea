"""``slogate server`` as a real process: a CI script's Keptn API calls, a real Prometheus, a SIGKILL."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.httpproxy import RecordingProxy
from tests.support.prometheus import (
    HELLO_JOB,
    Phase,
    PrometheusServer,
    free_port,
    needs_prometheus,
    tutorial_series,
)

pytestmark = needs_prometheus

TOKEN = "e2e-token-abcdefghijklmnopqrstuvwxyz0123456789"
END = float(int(time.time()) // 3600 * 3600 - 3600)
DEMO = resources.files("slogate.demo") / "data"
CONTROL = "/api/controlPlane/v1"
SERVICE_PATH = f"{CONTROL}/project/fulltour/stage/qa/service/helloservice"
KEY_SLI = (
    "Evaluation failed due to key_sli objective 'HTTP Response Time': failed evaluation with score 0.000000"
)


def b64(text: str) -> str:
    """Base64 of UTF-8 text."""
    return base64.b64encode(text.encode()).decode()


def iso(unix: float) -> str:
    """RFC 3339 (UTC) for Unix seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


class Server:
    """A ``slogate server`` process on a free port with its data in ``data_dir``."""

    def __init__(self, data_dir: Path, prometheus_url: str) -> None:
        self.data_dir = data_dir
        self.prometheus_url = prometheus_url
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        """Start the process and wait until /health answers."""
        env = {**os.environ, "SLOGATE_API_TOKEN": TOKEN, "SLOGATE_PROMETHEUS_URL": self.prometheus_url}
        log = (self.data_dir.parent / "server.log").open("ab")
        command = [
            sys.executable,
            "-m",
            "slogate",
            "server",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"server did not start: {(self.data_dir.parent / 'server.log').read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Terminate gracefully if still running."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> httpx.Client:
        """An HTTP client that sends the API token, as a CI script would."""
        return httpx.Client(base_url=self.url, headers={"x-token": TOKEN}, timeout=10)


@pytest.fixture(scope="module")
def prometheus(prometheus_factory: Callable[..., PrometheusServer]) -> PrometheusServer:
    """The tutorial's metrics: a fast build, then a slow one."""
    phases = [Phase(END - 900, END - 600, 0.004, 0.55, 7), Phase(END - 595, END - 300, 0.4, 0.5, 7)]
    return prometheus_factory(series=tutorial_series(HELLO_JOB, phases))


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[[str], Server]]:
    """Start servers on ``tmp_path/data`` against a Prometheus URL; all stop at the end."""
    started: list[Server] = []

    def start(prometheus_url: str) -> Server:
        server = Server(tmp_path / "data", prometheus_url).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def onboard(api: httpx.Client) -> None:
    """What a CI integration does once: project from the shipyard, service, slo.yaml and sli.yaml."""
    created = api.post(
        f"{CONTROL}/project", json={"name": "fulltour", "shipyard": b64((DEMO / "shipyard.yaml").read_text())}
    )
    assert created.status_code == 201, created.text
    assert (
        api.post(f"{CONTROL}/project/fulltour/service", json={"serviceName": "helloservice"}).status_code
        == 200
    )
    slo = {
        "resources": [{"resourceURI": "slo.yaml", "resourceContent": b64((DEMO / "slo.yaml").read_text())}]
    }
    assert (
        api.post(
            f"/api/resource-service/v1{SERVICE_PATH.removeprefix(CONTROL)}/resource", json=slo
        ).status_code
        == 201
    )
    sli = {
        "resources": [
            {"resourceURI": "prometheus/sli.yaml", "resourceContent": b64((DEMO / "sli.yaml").read_text())}
        ]
    }
    assert api.post("/api/resource-service/v1/project/fulltour/resource", json=sli).status_code == 201


def evaluate(api: httpx.Client, window_end: float) -> str:
    """Trigger an evaluation of the minute before ``window_end``; its keptnContext."""
    answer = api.post(
        f"{SERVICE_PATH}/evaluation", json={"start": iso(window_end - 60), "end": iso(window_end)}
    )
    assert answer.status_code == 200, answer.text
    context = answer.json()["keptnContext"]
    assert isinstance(context, str)
    return context


def wait_for_verdict(
    api: httpx.Client, context: str, timeout: float = 30, kind: str = "sh.keptn.event.evaluation.finished"
) -> dict[str, Any]:
    """Poll the datastore for the context's event of ``kind`` (by default its evaluation.finished),
    as Keptn's CLI and CI scripts do."""
    deadline = time.monotonic() + timeout
    params = {"keptnContext": context, "type": kind}
    while time.monotonic() < deadline:
        events = api.get("/api/mongodb-datastore/event", params=params).json()["events"]
        if events:
            assert len(events) == 1
            event: dict[str, Any] = events[0]
            return event
        time.sleep(0.2)
    raise AssertionError(f"no {kind} for {context} within {timeout} s")


def test_ci_flow_gives_keptns_verdicts(prometheus: PrometheusServer, launch: Callable[[str], Server]) -> None:
    """Onboard, evaluate the fast build (pass), then the slow build (fail on its key SLI, compared)."""
    with launch(prometheus.url).client() as api:
        onboard(api)
        fast = wait_for_verdict(api, evaluate(api, END - 600))
        assert (fast["data"]["result"], fast["data"]["evaluation"]["score"]) == ("pass", 100)
        assert fast["source"] == "lighthouse-service"
        slow = wait_for_verdict(api, evaluate(api, END - 300))
        assert slow["data"]["result"] == "fail"
        assert slow["data"]["message"] == KEY_SLI
        assert slow["data"]["evaluation"]["comparedEvents"] == [fast["id"]]
        metrics = api.get("/metrics").text
        fails = [
            line
            for line in metrics.splitlines()
            if line.startswith("slogate_evaluations_total{")
            and 'project="fulltour"' in line
            and 'stage="qa"' in line
            and 'result="fail"' in line
        ]
        assert [line.rsplit(" ", 1)[1] for line in fails] == ["1.0"], metrics


def test_sigkill_during_an_evaluation_completes_after_restart(
    prometheus: PrometheusServer, launch: Callable[[str], Server]
) -> None:
    """Killed while Prometheus is slow to answer, the restarted server finishes the evaluation once."""
    held = {"on": True}
    with RecordingProxy(
        prometheus.url, delay=lambda form: 30.0 if held["on"] and form.get("query", "1") != "1" else 0.0
    ) as proxy:
        server = launch(proxy.url)
        with server.client() as api:
            onboard(api)
            context = evaluate(api, END - 600)
            deadline = time.monotonic() + 15
            while not proxy.requests and time.monotonic() < deadline:  # the SLI service is querying
                time.sleep(0.05)
            assert proxy.requests, "the SLI service never queried Prometheus"
        server.kill()
        held["on"] = False
        with launch(proxy.url).client() as api:
            verdict = wait_for_verdict(api, context)
            assert verdict["data"]["result"] == "pass"
            wait_for_verdict(api, context, kind="sh.keptn.event.qa.evaluation.finished")  # the sequence's end
            everything = api.get(
                "/api/mongodb-datastore/event", params={"keptnContext": context, "pageSize": 100}
            )
            types = [event["type"].removeprefix("sh.keptn.event.") for event in everything.json()["events"]]
            assert sorted(types) == sorted(
                [
                    "qa.evaluation.triggered",
                    "evaluation.triggered",
                    "evaluation.started",
                    "get-sli.triggered",
                    "get-sli.started",
                    "get-sli.finished",
                    "evaluation.finished",
                    "qa.evaluation.finished",
                ]
            )
