"""docs/quickstart-server.md followed literally: its files, its commands in bash, real server and Prometheus.

The only change to the page's text is its fixed ports (8080, 9090, 8001, 8002), replaced by free ones so
that the test runs beside other servers. The server gets no ``SLOGATE_*`` setting from the test: it
finds Prometheus only through the secret the page creates.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.prometheus import MISSING, MISSING_REASON, free_port
from tests.support.quickstart_doc import files, script

pytestmark = pytest.mark.slow
DOC_PORTS = ("8080", "9090", "8001", "8002")
SCRIPT_SECONDS = 300


@pytest.fixture(autouse=True)
def _needs_prometheus() -> None:
    if MISSING:
        pytest.fail(f"the quickstart needs a real Prometheus: {MISSING_REASON}", pytrace=False)


def with_ports(text: str, ports: dict[str, int]) -> str:
    """``text`` with each of the page's fixed ports replaced by its free one."""
    for documented, free in ports.items():
        text = re.sub(rf"(?<![\d.]){documented}(?!\d)", str(free), text)
    return text


def test_every_port_the_page_uses_is_replaced() -> None:
    page = script() + "".join(files().values())
    used = set(re.findall(r"127\.0\.0\.1:(\d+)|--port (\d+)|\b(?:qa|production): (\d+)", page))
    assert {port for ports in used for port in ports if port} == set(DOC_PORTS)


def reader_environment(home: Path) -> dict[str, str]:
    """The environment of a reader's shell: no SLOGATE_* settings, slogate and Python on PATH, a home of
    its own (``slogate auth`` writes there)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLOGATE_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"))
    env["COLUMNS"] = "200"
    return env


def stop_group(group: int) -> None:
    """SIGTERM to the process group the page's commands ran in (the server stops its deployments), then
    SIGKILL to what is left after 30 s."""
    try:
        os.killpg(group, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(group, signal.SIGKILL)


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[tuple[Path, dict[str, int], list[int]]]:
    """A working directory with the page's files, the free ports, and the process groups to stop."""
    work = tmp_path / "work"
    work.mkdir()
    ports = {documented: free_port() for documented in DOC_PORTS}
    for name, content in files().items():
        (work / name).write_text(with_ports(content, ports), encoding="utf-8")
    groups: list[int] = []
    yield work, ports, groups
    for group in groups:
        stop_group(group)


def api_get(url: str, token: str, path: str, **params: Any) -> Any:
    answer = httpx.get(url + path, headers={"x-token": token}, params=params, timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_the_quickstart_as_written_delivers_and_passes_the_gate(
    reader: tuple[Path, dict[str, int], list[int]],
) -> None:
    work, ports, groups = reader
    commands = with_ports(script(), ports) + 'echo "TOKEN=$SLOGATE_API_TOKEN"\n'
    shell = subprocess.Popen(
        ["bash", "-c", commands],
        cwd=work,
        env=reader_environment(work.parent / "home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group: the server and Prometheus it starts are in it
    )
    groups.append(shell.pid)
    try:
        output, _ = shell.communicate(timeout=SCRIPT_SECONDS)
    except subprocess.TimeoutExpired:
        stop_group(shell.pid)
        output, _ = shell.communicate()
        pytest.fail(f"the quickstart did not finish within {SCRIPT_SECONDS} s:\n{output}")
    logs = "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in work.glob("*.log")
    )
    assert shell.returncode == 0, f"{output}\n{logs}"
    assert "slo.yaml: no problems found" in output, output

    token = re.search(r"^TOKEN=(\S+)$", output, re.MULTILINE)
    assert token is not None, output
    server = f"http://127.0.0.1:{ports['8080']}"
    found = api_get(
        server,
        token.group(1),
        "/api/mongodb-datastore/event/type/sh.keptn.event.evaluation.finished",
        filter="data.project:quickstart AND data.stage:qa",
    )
    (event,) = found["events"]
    evaluation = event["data"]["evaluation"]
    assert (event["data"]["result"], evaluation["score"]) == ("pass", 100), event["data"]
    values = {result["value"]["metric"]: result["value"] for result in evaluation["indicatorResults"]}
    assert set(values) == {"response_time_p95_seconds", "error_rate", "requests_per_second"}, values
    assert all(value["success"] for value in values.values()), values  # queried from Prometheus
    assert 0 < values["response_time_p95_seconds"]["value"] <= 0.2, values
    assert values["error_rate"]["value"] == 0, values
    assert values["requests_per_second"]["value"] > 1, values  # the load test was scraped

    production = httpx.get(f"http://127.0.0.1:{ports['8002']}/", timeout=5).text
    assert "v0.1.1" in production, production  # promoted: production runs the delivered build
    watched, read = output.split("=== step 7\n", 1)[1].split("=== step 8\n", 1)
    for shown in (watched, read):  # --watch and `get event -o table` both show the verdict
        assert "Score 100 (pass ≥ 90%, warning ≥ 75%)" in shown, output
        assert "Result PASS" in shown, output
    assert "qa: succeeded/pass · evaluation pass 100" in read, output  # get sequences
