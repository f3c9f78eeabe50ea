"""``slogate lint`` and ``slogate slo lint --sli`` read the Dynatrace, Datadog and Sumo Logic sli.yaml
(by folder or ``--provider``) and ``dynatrace.conf.yaml`` as those providers would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import Run

DYNATRACE = Path(__file__).resolve().parents[2] / "data" / "keptn" / "dynatrace"
SLO = "spec_version: '1.0'\nobjectives:\n  - sli: a\n  - sli: b\ntotal_score:\n  pass: '90%'\n"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(run: Run, *args: str | Path) -> tuple[int, list[dict[str, Any]]]:
    result = run("lint", *args, "-o", "json")
    report = json.loads(result.stdout)
    return result.exit_code, [problem for file in report["files"] for problem in file["problems"]]


@pytest.mark.parametrize(
    ("provider", "good", "bad", "problem"),
    [
        (
            "dynatrace",
            "metricSelector=builtin:service.requestCount.total:merge(0):sum&entitySelector=type(SERVICE)",
            "metricSelector=x&unknownKey=1",
            "unknown key",
        ),
        (
            "datadog",
            "avg:latency{service:$SERVICE}.rollup(avg, $DURATION)",
            "avg:latency{service:$ENV.HOME}",
            "$ENV",
        ),
        (
            "sumologic",
            "metric=latency service=$SERVICE | quantize to $DURATION using avg",
            "metric=latency service=$SERVICE | sum",
            "quantize",
        ),
    ],
)
def test_vendor_queries_are_checked_by_their_provider(
    run: Run, tmp_path: Path, provider: str, good: str, bad: str, problem: str
) -> None:
    """A query the provider would refuse is an error at indicators.<name>; a good one passes."""
    text = f"spec_version: '1.0'\nindicators:\n  a: '{good}'\n  b: '{bad}'\n"
    sli = _write(tmp_path / provider, "sli.yaml", text)
    code, problems = _problems(run, sli)
    assert code == 1
    assert [p["path"] for p in problems] == ["indicators.b"], problems
    assert problem in problems[0]["message"]
    assert problems[0]["severity"] == "error"
    # the same file under another folder is read as Prometheus's: no vendor check
    code, problems = _problems(run, _write(tmp_path / "prometheus", "sli.yaml", text))
    assert code == 0


def test_slo_lint_checks_vendor_queries_by_folder_or_provider(run: Run, tmp_path: Path) -> None:
    """slo lint --sli reads dynatrace/sli.yaml as Dynatrace's; --provider names it for another path."""
    text = "spec_version: '1.0'\nindicators:\n  a: 'metricSelector=x&bogus=1'\n  b: 'metricSelector=y'\n"
    slo = _write(tmp_path, "slo.yaml", SLO)
    by_folder = run("slo", "lint", slo, "--sli", _write(tmp_path / "dynatrace", "sli.yaml", text))
    assert by_folder.exit_code == 1
    assert "indicators.a" in by_folder.stdout
    assert "unknown key" in by_folder.stdout
    elsewhere = _write(tmp_path, "queries.yaml", text)
    assert run("slo", "lint", slo, "--sli", elsewhere).exit_code == 0
    named = run("slo", "lint", slo, "--sli", elsewhere, "--provider", "dynatrace")
    assert named.exit_code == 1
    wrong = run("slo", "lint", slo, "--sli", elsewhere, "--provider", "newrelic")
    assert wrong.exit_code == 2
    assert "--provider 'newrelic'" in wrong.stderr


def test_dynatrace_conf_with_a_dashboard_is_an_error(run: Run, tmp_path: Path) -> None:
    """slogate has no dashboard mode: lint says so; a file-based conf is fine."""
    folder = tmp_path / "dynatrace"
    bad = _write(folder, "dynatrace.conf.yaml", "spec_version: '0.1.0'\ndashboard: query\n")
    code, problems = _problems(run, bad)
    assert code == 1
    assert "dashboard mode is not supported by slogate" in problems[0]["message"]
    good = _write(
        folder / "ok", "dynatrace.conf.yaml", "spec_version: '0.1.0'\ndtCreds: dynatrace-$PROJECT\n"
    )
    assert _problems(run, good) == (0, [])


def test_keptns_dynatrace_examples_lint_clean(run: Run) -> None:
    """The Dynatrace files of Keptn's public repositories pass."""
    files = sorted(DYNATRACE.glob("*.yaml"))
    assert files
    code, problems = _problems(run, *files)
    assert [p for p in problems if p["severity"] == "error"] == []
    assert code == 0
