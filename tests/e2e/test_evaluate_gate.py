"""``slogate evaluate`` as a CI step would run it: a real process, a real Prometheus, a SQLite history."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.support.helloapp import HelloApp, drive_load
from tests.support.prometheus import (
    HELLO_JOB,
    Phase,
    PrometheusServer,
    free_port,
    needs_prometheus,
    tutorial_series,
)

pytestmark = needs_prometheus

END = float(int(time.time()) // 3600 * 3600 - 3600)  # a whole hour in the past: backfilled data is final
KEY_SLI_MESSAGE = (
    "Evaluation failed due to key_sli objective 'HTTP Response Time': failed evaluation with score 0.000000"
)
TUTORIAL = resources.files("slogate.demo") / "data"


def iso(unix: float) -> str:
    """RFC 3339 for Unix seconds."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def prometheus(prometheus_factory: Callable[..., PrometheusServer]) -> PrometheusServer:
    """Prometheus on the tutorial's metrics: fast v0.1.1, slow v0.1.2, fast v0.1.3, 5 minutes each."""
    phases = [
        Phase(END - 900, END - 600, 0.004, 0.55, 7),
        Phase(END - 595, END - 300, 0.4, 0.5, 7),
        Phase(END - 295, END, 0.005, 0.56, 8),
    ]
    return prometheus_factory(series=tutorial_series(HELLO_JOB, phases))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """The tutorial's slo.yaml and sli.yaml, and a history database path, in a temp dir."""
    paths = {"slo": tmp_path / "slo.yaml", "sli": tmp_path / "sli.yaml", "db": tmp_path / "history.db"}
    paths["slo"].write_text((TUTORIAL / "slo.yaml").read_text(), encoding="utf-8")
    paths["sli"].write_text((TUTORIAL / "sli.yaml").read_text(), encoding="utf-8")
    return paths


def slogate(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m slogate ARGS`` with a wide, colourless terminal."""
    environment = {**os.environ, "COLUMNS": "250", "PYTHONUTF8": "1", **(env or {})}
    environment.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "slogate", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def gate_args(url: str, files: dict[str, Path], window_end: float, seconds: float = 60) -> list[str]:
    """``evaluate`` of the tutorial service over the ``seconds`` before ``window_end``."""
    return [
        "evaluate", "--prometheus-url", url, "--slo", str(files["slo"]), "--sli", str(files["sli"]),
        "--project", "fulltour", "--stage", "qa", "--service", "helloservice",
        "--start", iso(window_end - seconds), "--end", iso(window_end), "--db", str(files["db"]),
    ]  # fmt: skip


def gate(
    url: str, files: dict[str, Path], window_end: float, *extra: str
) -> subprocess.CompletedProcess[str]:
    """Evaluate the tutorial service over the minute before ``window_end``."""
    return slogate(*gate_args(url, files, window_end), *extra)


def as_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON document a command printed."""
    document = json.loads(done.stdout)
    assert isinstance(document, dict), done.stdout
    return document


def stored(files: dict[str, Path]) -> list[dict[str, Any]]:
    """What ``slogate evaluations list`` returns for the test's database."""
    listed = json.loads(slogate("evaluations", "list", "--db", files["db"], "-o", "json").stdout)
    assert isinstance(listed, list)
    return listed


def test_fast_passes_slow_fails_and_invalidation_is_honoured(
    prometheus: PrometheusServer, files: dict[str, Path]
) -> None:
    """v0.1.1 passes; v0.1.2 fails on its key SLI against it; after invalidating v0.1.1, v0.1.3 has
    nothing to compare with (v0.1.2 failed and include_result_with_score is pass)."""
    first = gate(prometheus.url, files, END - 600, "-o", "json")
    assert first.returncode == 0, first.stderr
    passed = as_json(first)
    assert (passed["result"], passed["evaluation"]["score"]) == ("pass", 100)

    second = gate(prometheus.url, files, END - 300, "-o", "json")
    assert second.returncode == 1, second.stderr
    failed = as_json(second)
    assert failed["result"] == "fail"
    assert failed["message"] == KEY_SLI_MESSAGE
    assert failed["evaluation"]["score"] == pytest.approx(200 / 3)
    first_id = stored(files)[1]["id"]
    assert failed["evaluation"]["comparedEvents"] == [first_id]
    values = {r["value"]["metric"]: r["value"]["value"] for r in failed["evaluation"]["indicatorResults"]}
    assert values["http_response_time_seconds_main_page_sum"] == pytest.approx(0.4)
    assert values["request_throughput"] == pytest.approx(0.5)

    assert slogate("evaluations", "invalidate", first_id, "--db", files["db"]).returncode == 0
    third = gate(prometheus.url, files, END)
    assert third.returncode == 0, third.stderr
    assert "compared with 0 previous evaluations" in third.stdout
    assert "pass: score 100 reaches the pass target 80" in third.stdout
    assert [entry["data"]["result"] for entry in stored(files)] == ["pass", "fail", "pass"]


def test_table_explains_the_key_sli_failure_and_verbose_shows_queries(
    prometheus: PrometheusServer, files: dict[str, Path]
) -> None:
    """The table names the failed key SLI with value and threshold; -v adds window and resolved queries."""
    done = gate(prometheus.url, files, END - 300, "-v")
    assert done.returncode == 1, done.stderr
    assert "fail: key SLI 'HTTP Response Time' failed (0.4 > 0.2)" in done.stdout
    assert f"Window {iso(END - 360)[:-1]}.000Z" in done.stdout
    assert 'job="helloservice-fulltour-qa"}[60s]' in done.stdout
    assert "Stored as evaluation" in done.stdout


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            {"url": "unreachable"}, "cannot reach Prometheus at http://127.0.0.1:", id="unreachable"
        ),
        pytest.param({"sli": "indicators: [oops\n"}, "not valid YAML", id="malformed-sli"),
        pytest.param({"sli": "indicators: {go_routines: x}\n"}, "no query for", id="sli-without-query"),
        pytest.param(
            {"window": 5}, "the evaluation window lasts 5 s; the minimum is 10 s, because", id="short-window"
        ),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(
    prometheus: PrometheusServer, files: dict[str, Path], change: dict[str, Any], expected: str
) -> None:
    """Each bad input exits 2 with one line on stderr, no traceback, and leaves the history empty."""
    url = prometheus.url if "url" not in change else f"http://127.0.0.1:{free_port()}"
    if "sli" in change:
        files["sli"].write_text(change["sli"], encoding="utf-8")
    done = slogate(*gate_args(url, files, END - 600, change.get("window", 60)))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert expected in lines[0]
    assert stored(files) == []


def test_basic_auth(prometheus_factory: Callable[..., PrometheusServer], files: dict[str, Path]) -> None:
    """Credentials from the environment reach a Prometheus requiring basic auth; wrong ones are refused."""
    series = tutorial_series(HELLO_JOB, [Phase(END - 400, END, 0.004, 0.55, 7)])
    server = prometheus_factory(basic_auth=("gate", "s3cret"), series=series)
    args = ("--prometheus-user", "gate", "-o", "json")
    good = slogate(*gate_args(server.url, files, END), *args, env={"SLOGATE_PROMETHEUS_PASSWORD": "s3cret"})
    assert good.returncode == 0, good.stderr
    assert as_json(good)["result"] == "pass"
    bad = slogate(*gate_args(server.url, files, END), *args, env={"SLOGATE_PROMETHEUS_PASSWORD": "wrong"})
    assert bad.returncode == 2
    assert "refused the credentials (HTTP 401)" in bad.stderr


@pytest.mark.slow
def test_live_scraped_builds(
    prometheus_factory: Callable[..., PrometheusServer], files: dict[str, Path]
) -> None:
    """With Prometheus scraping the sample service: the fast build passes, the 0.4 s build fails."""
    with HelloApp() as app:
        server = prometheus_factory(scrape_jobs={HELLO_JOB: app.address})
        server.wait_for_scrape(HELLO_JOB, after=0)
        fast_start = time.time()
        drive_load(app.url, rate=5, seconds=8)
        server.wait_for_scrape(HELLO_JOB, after=time.time())
        fast = slogate(*gate_args(server.url, files, time.time()), "-o", "json")
        assert fast.returncode == 0, fast.stderr
        assert as_json(fast)["result"] == "pass"

        app.redeploy("0.1.2", delay=0.4)
        # the slow build's minute must not reach back into the fast build's traffic
        time.sleep(max(0.0, fast_start + 61 - time.time()))
        drive_load(app.url, rate=5, seconds=8)
        server.wait_for_scrape(HELLO_JOB, after=time.time())
        slow = slogate(*gate_args(server.url, files, time.time()))
        assert slow.returncode == 1, slow.stderr
        verdict = re.search(r"fail: key SLI 'HTTP Response Time' failed \(([0-9.]+) > 0\.2\)", slow.stdout)
        assert verdict is not None, slow.stdout
        assert float(verdict.group(1)) >= 0.35  # the 400 ms sleep, as Prometheus' rate() measures it
