"""The sample service as a real process: its pages, its metrics, its slow builds and how it stops."""

from __future__ import annotations

import contextlib
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from slogate.demo import helloservice

GO_BOUNDS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"]
BANNER = re.compile(r"^helloservice (v\S+) on http://127\.0\.0\.1:(\d+) \(stage (\S+)\)$")


@dataclass
class Service:
    """A running helloservice process and what its banner said."""

    process: subprocess.Popen[str]
    banner: str
    url: str


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "slogate.demo.helloservice", *args]


def _read_line(process: subprocess.Popen[str], timeout: float = 10.0) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"helloservice printed nothing within {timeout} s"
    return process.stdout.readline().rstrip("\n")


@contextlib.contextmanager
def running(*args: str) -> Iterator[Service]:
    """Start ``helloservice --port 0 <args>``; stop it (SIGTERM) afterwards."""
    process = subprocess.Popen(
        _command("--port", "0", *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        banner = _read_line(process)
        match = BANNER.match(banner)
        assert match, f"unexpected banner {banner!r}"
        yield Service(process, banner, f"http://127.0.0.1:{match.group(2)}")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


def _samples(text: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, f"{name}{labels}: {len(found)} samples"
    return found[0]


def _seconds_of_get(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200
    return time.perf_counter() - started


def test_pages_answer_with_the_version_and_stage() -> None:
    with running("--version", "0.1.1", "--stage", "production") as service, httpx.Client() as client:
        assert service.banner.startswith("helloservice v0.1.1 on ")
        assert service.banner.endswith("(stage production)")
        main = client.get(service.url + "/")
        assert main.status_code == 200
        assert main.headers["content-type"].startswith("text/html")
        assert "v0.1.1" in main.text
        assert "production" in main.text
        health = client.get(service.url + "/health")
        assert (health.status_code, health.text) == (200, "ok")
        assert client.get(service.url + "/nowhere").status_code == 404
        assert client.get(service.url + "/?user=1").status_code == 200


def test_metrics_are_shaped_as_the_tutorials_slis_expect() -> None:
    with running("--version", "v0.1.1") as service, httpx.Client() as client:
        first = _samples(client.get(service.url + "/metrics").text)
        assert _value(first, "http_requests_total", status="success") == 0
        for _ in range(3):
            client.get(service.url + "/")
        client.get(service.url + "/health")
        client.get(service.url + "/missing")
        text = client.get(service.url + "/metrics").text
    samples = _samples(text)
    main_page = {"route": "/", "method": "GET", "status_code": "200"}
    assert _value(samples, "http_requests_total", status="success") == 3
    assert _value(samples, "http_server_request_duration_seconds_count", **main_page) == 3
    bounds = [
        s.labels["le"]
        for s in samples
        if s.name == "http_server_request_duration_seconds_bucket" and s.labels["route"] == "/"
    ]
    assert bounds == GO_BOUNDS
    scrapes = {"route": "/metrics", "method": "GET", "status_code": "200"}
    assert _value(samples, "http_server_request_duration_seconds_count", **scrapes) == 1
    routes = {s.labels.get("route") for s in samples if s.name.startswith("http_server_request_duration")}
    assert routes == {"/", "/metrics"}  # neither /health nor unmatched paths are observed
    assert 1 <= _value(samples, "go_goroutines") < 30
    assert "_created" not in text
    assert "job=" not in text


def test_the_slow_build_is_slower_than_the_fast_one_by_its_delay() -> None:
    with (
        running("--version", "v0.1.1") as fast,
        running("--version", "v0.1.2", "--delay", "0.25") as slow,
        httpx.Client() as client,
    ):
        _seconds_of_get(client, fast.url + "/")  # warm up the connection path
        fast_seconds = min(_seconds_of_get(client, fast.url + "/") for _ in range(3))
        slow_seconds = min(_seconds_of_get(client, slow.url + "/") for _ in range(2))
        metrics = _samples(client.get(slow.url + "/metrics").text)
    assert slow_seconds >= 0.25
    assert fast_seconds < 0.1
    assert slow_seconds - fast_seconds > 0.2
    main_page = {"route": "/", "method": "GET", "status_code": "200"}
    assert _value(metrics, "http_server_request_duration_seconds_sum", **main_page) >= 0.5
    assert _value(metrics, "http_server_request_duration_seconds_bucket", le="0.25", **main_page) == 0


def test_v013_regresses_only_in_production() -> None:
    with (
        running("--version", "0.1.3", "--stage", "qa", "--delay", "0.25") as qa,
        running("--version", "0.1.3", "--stage", "production", "--delay", "0.25") as production,
        httpx.Client() as client,
    ):
        qa_seconds = min(_seconds_of_get(client, qa.url + "/") for _ in range(2))
        production_seconds = _seconds_of_get(client, production.url + "/")
        health_seconds = _seconds_of_get(client, production.url + "/health")
    assert qa_seconds < 0.1
    assert production_seconds >= 0.25
    assert health_seconds < 0.1


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_it_cleanly(stop: signal.Signals) -> None:
    with running("--version", "v0.1.1") as service:
        assert httpx.get(service.url + "/health").status_code == 200
        service.process.send_signal(stop)
        _, stderr = service.process.communicate(timeout=10)
        assert service.process.returncode == 0
        assert stderr == ""
        with pytest.raises(httpx.ConnectError):
            httpx.get(service.url + "/health")


def test_a_port_in_use_exits_with_code_2_and_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            _command("--version", "v0.1.1", "--port", str(port)),
            capture_output=True,
            text=True,
            timeout=20,
        )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "--port" in lines[0]


def test_help_documents_the_versions_and_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        helloservice.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "0.1.2     any" in text
    assert "0.1.3     production" in text
    assert "example: python -m slogate.demo.helloservice --version" in text


@pytest.mark.parametrize(
    ("version", "stage", "slow"),
    [
        ("v0.1.2", "qa", True),
        ("0.1.3", "production", True),
        ("v0.1.4", "production", True),
        ("0.1.4", "qa", False),
        ("v0.1.3", "qa", False),
        ("v0.1.1", "production", False),
    ],
)
def test_which_builds_are_slow(version: str, stage: str, slow: bool) -> None:
    assert helloservice.Build.of(version, stage).slow is slow
