"""The release tour end to end: a real server, Prometheus, helloservice processes and load."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from slogate.demo.fulltour import Build, Tour, check, run_tour
from slogate.demo.stack import DemoStack, find_prometheus
from slogate.errors import ConfigError
from tests.support.prometheus import MISSING, MISSING_REASON

pytestmark = pytest.mark.slow
TEST_SECONDS = 10.0  # the shortest load test whose window an evaluation accepts


@pytest.fixture(autouse=True)
def _needs_prometheus() -> None:
    if MISSING:
        pytest.fail(f"the tour needs a real Prometheus: {MISSING_REASON}", pytrace=False)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def test_the_tour_promotes_blocks_and_rolls_back(tmp_path: Path) -> None:
    with DemoStack(tmp_path, find_prometheus()) as stack:
        tour = run_tour(stack, quiet(), TEST_SECONDS)
    good, slow, regression = tour.outcomes
    assert good.results == {"qa.delivery": "pass", "production.delivery": "pass"}, good.tasks
    assert slow.results == {"qa.delivery": "fail"}, slow.tasks
    assert regression.results == {
        "qa.delivery": "pass",
        "production.delivery": "fail",
        "production.rollback": "pass",
    }, regression.tasks
    assert tour.versions == {"qa": "v0.1.3", "production": "v0.1.1"}
    check(tour)  # the demo's own verdict agrees
    verdicts = [(stage, task, verdict) for stage, task, verdict, _ in slow.tasks]
    assert verdicts == [("qa", "deployment", "pass"), ("qa", "test", "pass"), ("qa", "evaluation", "fail")]
    (evaluation,) = [message for _, task, _, message in slow.tasks if task == "evaluation"]
    assert "key_sli objective 'HTTP Response Time'" in evaluation
    production = [(task, verdict) for stage, task, verdict, _ in regression.tasks if stage == "production"]
    assert production == [
        ("approval", "pass"),
        ("deployment", "pass"),
        ("release", "pass"),
        ("test", "pass"),
        ("evaluation", "fail"),
        ("rollback", "pass"),
    ]
    rollback = regression.tasks[-1][3]
    assert rollback.endswith(
        "from ghcr.io/podtato-head/podtatoserver:v0.1.3 to ghcr.io/podtato-head/podtatoserver:v0.1.1"
    )
    assert not any(listening(port) for port in tour.ports.values()), "deployments outlived the server"


def test_prometheus_down_fails_the_evaluation_and_stops_the_delivery(tmp_path: Path) -> None:
    build = Build("v0.1.1", "Prometheus is down", "blocked in qa")
    with DemoStack(tmp_path, find_prometheus()) as stack:
        prometheus = stack.prometheus.url
        stack.prometheus.stop()
        console = quiet()
        tour: Tour = run_tour(stack, console, TEST_SECONDS, [build])
    (outcome,) = tour.outcomes
    assert outcome.results == {"qa.delivery": "fail"}
    (evaluation,) = [
        (verdict, message) for _, task, verdict, message in outcome.tasks if task == "evaluation"
    ]
    assert evaluation == (
        "fail",
        "lighthouse failed because SLI failed with message unable to retrieve metrics",
    )
    assert [task for _, task, _, _ in outcome.tasks] == ["deployment", "test", "evaluation"]
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert f"POST {prometheus}/api/v1/query: ConnectError" in printed, printed  # each SLI's own error


def test_waiting_for_a_target_prometheus_never_scrapes_names_it_and_the_log(tmp_path: Path) -> None:
    with DemoStack(tmp_path, find_prometheus()) as stack, pytest.raises(ConfigError) as raised:
        stack.await_scraping({"nobody-announced-this"}, timeout=1.5)
    assert "scrape targets nobody-announced-this within 1.5 s" in str(raised.value)
    assert "prometheus.log" in str(raised.value)


def test_ctrl_c_stops_everything_the_demo_started(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "slogate", "demo", "--workdir", str(tmp_path), "--test-seconds", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert demo.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        lines.append(line)
        if " deployment " in line or not line:
            break
    assert any(" deployment " in line for line in lines), "".join(lines)
    time.sleep(1)  # the load test is running now
    demo.send_signal(signal.SIGINT)
    rest, _ = demo.communicate(timeout=60)
    output = "".join(lines) + rest
    assert demo.returncode == 130, output
    assert "interrupted: everything the demo started is stopped" in output
    assert max(len(line) for line in output.splitlines()) <= 200, "a piped line as wide as the console"
    urls = re.search(r"slogate server (http://\S+) · Prometheus (http://\S+)", output)
    assert urls is not None, output
    targets = tmp_path / "slogate" / "prometheus" / "targets"
    ports = [int(url.rsplit(":", 1)[1]) for url in urls.groups()]
    for target in targets.glob("*.json"):
        ports += [int(address.rsplit(":", 1)[1]) for address in json.loads(target.read_text())[0]["targets"]]
    assert len(ports) >= 3, output  # server, Prometheus and qa's helloservice
    assert [port for port in ports if listening(port)] == []
