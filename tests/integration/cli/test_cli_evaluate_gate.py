"""``slogate evaluate`` in-process: input checks before anything is queried, and a run against Prometheus."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from slogate.adapters.providers.prometheus import PrometheusProvider
from slogate.cli.options import parse_labels
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions
from tests.support.prometheus import (
    HELLO_JOB,
    Phase,
    PrometheusServer,
    free_port,
    needs_prometheus,
    tutorial_series,
)

from .cli_helpers import Run, assert_one_line_error

END = float(int(datetime.now(UTC).timestamp()) // 3600 * 3600 - 7200)
TUTORIAL = resources.files("slogate.demo") / "data"


def iso(unix: float) -> str:
    """RFC 3339 for Unix seconds."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def args(tmp_path: Path) -> list[str]:
    """The arguments of a valid evaluation of the tutorial service, without a Prometheus URL."""
    slo, sli = tmp_path / "slo.yaml", tmp_path / "sli.yaml"
    slo.write_text((TUTORIAL / "slo.yaml").read_text(), encoding="utf-8")
    sli.write_text((TUTORIAL / "sli.yaml").read_text(), encoding="utf-8")
    return [
        "evaluate", "--slo", str(slo), "--sli", str(sli),
        "--project", "fulltour", "--stage", "qa", "--service", "helloservice",
        "--db", str(tmp_path / "history.db"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            [], "no Prometheus URL: pass --prometheus-url or set SLOGATE_PROMETHEUS_URL", id="no-url"
        ),
        pytest.param(["--prometheus-url", "ftp://x"], "is not an http:// or https:// URL", id="bad-url"),
        pytest.param(["--labels", "buildId"], "--labels: 'buildId' is not key=value", id="bad-labels"),
        pytest.param(["--start", "yesterday"], "--start: 'yesterday' is not a time", id="bad-start"),
        pytest.param(
            ["--end", "2026-11-26T10:00:00Z"],
            "evaluation window: end time specifications cannot be set without start parameter",
            id="end-without-start",
        ),
        pytest.param(
            ["--timeframe", "5m", "--start", "2026-11-26T10:00:00Z", "--end", "2026-11-26T10:10:00Z"],
            "timeframe and end time specifications cannot be set together",
            id="end-with-timeframe",
        ),
        pytest.param(["--timeframe", "5"], "could not parse provided timeframe", id="bad-timeframe"),
        pytest.param(
            ["--timeframe", "9.5s"],
            "evaluation window: the evaluation window lasts 9.5 s; the minimum is 10 s, because SLIs are",
            id="shorter-than-the-servers-minimum",
        ),
        pytest.param(
            ["--start", "2026-11-26T10:00:00Z", "--end", "2026-11-26T10:00:00Z"],
            "does not end after it starts",
            id="empty-window",
        ),
        # the server evaluates a 20 s load test's window: so does slogate evaluate (the next check fails)
        pytest.param(["--timeframe", "20s"], "no Prometheus URL", id="a-load-tests-window-is-accepted"),
    ],
)
def test_input_errors_before_any_query(
    run: Run, args: list[str], extra: list[str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad options give one line and exit 2 before Prometheus is contacted."""
    monkeypatch.delenv("SLOGATE_PROMETHEUS_URL", raising=False)
    assert_one_line_error(run(*args, *extra), expected)


def test_empty_project_is_refused(run: Run, args: list[str]) -> None:
    """An empty --project is an input error."""
    args[args.index("--project") + 1] = " "
    assert_one_line_error(run(*args, "--prometheus-url", "http://127.0.0.1:1"), "--project must not be empty")


def test_labels_are_parsed_like_keptns() -> None:
    """k=v pairs separated by commas, spaces trimmed, empty items ignored."""
    assert parse_labels(" buildId = 42 ,, env=ci,empty=") == (("buildId", "42"), ("env", "ci"), ("empty", ""))


@needs_prometheus
def test_provider_check(prometheus_factory: Callable[..., PrometheusServer]) -> None:
    """check() passes against Prometheus, and names the URL when it is unreachable or refuses us."""
    server = prometheus_factory(basic_auth=("gate", "pw"))

    async def check(config: ProviderOptions) -> None:
        async with PrometheusProvider(config) as provider:
            await provider.check()

    asyncio.run(check(ProviderOptions(server.url, username="gate", password="pw")))
    with pytest.raises(ConfigError, match=r"refused the credentials \(HTTP 401\)"):
        asyncio.run(check(ProviderOptions(server.url)))
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ConfigError, match=f"cannot reach Prometheus at {closed}"):
        asyncio.run(check(ProviderOptions(closed)))


@needs_prometheus
def test_evaluate_in_process(
    run: Run,
    args: list[str],
    prometheus_factory: Callable[..., PrometheusServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run against backfilled data: JSON and YAML output, -v details, settings from the environment."""
    server = prometheus_factory(series=tutorial_series(HELLO_JOB, [Phase(END - 400, END, 0.004, 0.55, 7)]))
    monkeypatch.setenv("SLOGATE_PROMETHEUS_URL", server.url)
    window = ["--start", iso(END - 120), "--end", iso(END), "--labels", "buildId=7"]
    as_json = run(*args, *window, "-o", "json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert (data["result"], data["labels"]) == ("pass", {"buildId": "7"})
    verbose = run(*args, *window, "-v")
    assert verbose.exit_code == 0
    assert "Window " in verbose.stdout
    assert "[120s]" in verbose.stdout
    assert "Stored as evaluation" in verbose.stdout
    assert "compared with 1 previous evaluation" in verbose.stdout
    as_yaml = run(*args, *window, "-o", "yaml", "--fail-on-warning")
    assert as_yaml.exit_code == 0
    assert "result: pass" in as_yaml.stdout
