"""The server quickstart's example files (docs/examples/) are valid, judge as their comments say, and are
the files docs/quickstart-server.md shows; the README leads to the quickstart."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from slogate.adapters.executors.load_profile import parse_profile
from slogate.adapters.executors.local_deploy import load_config
from slogate.cli.app import app
from slogate.domain.sequencing.executor_plan import parse_plan
from slogate.domain.sequencing.shipyard import parse_shipyard
from tests.support.quickstart_doc import EXAMPLES, QUICKSTART, ROOT, files, script, steps

WIDE = {"COLUMNS": "200"}
SHOWN_ONLY = {"sli-results.json"}  # used with `slogate slo evaluate`, not a step of the page


def slogate(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], env=WIDE)


def example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def test_the_page_shows_exactly_the_example_files() -> None:
    shown = files()
    assert sorted(shown) == sorted(path.name for path in EXAMPLES.iterdir() if path.name not in SHOWN_ONLY)
    for name, content in shown.items():
        assert content == example(name), (
            f"docs/quickstart-server.md's {name} differs from docs/examples/{name}"
        )


def test_the_page_runs_every_step_in_order() -> None:
    commands = script()
    order = [
        "slogate server --port 8080 --data-dir ./slogate-data",
        "prometheus --config.file=prometheus.yml",
        "slogate create project quickstart --shipyard shipyard.yaml",
        "--resourceUri slogate/executors.yaml",
        "--resourceUri slogate/deployment.yaml",
        "slogate create secret prometheus-credentials-quickstart --scope keptn-prometheus-service",
        "slogate slo lint slo.yaml --sli sli.yaml",
        "--resourceUri prometheus/sli.yaml",
        "slogate trigger delivery --project quickstart",
        "slogate get event evaluation.finished",
    ]
    places = [commands.find(command) for command in order]
    assert -1 not in places, [command for command, place in zip(order, places, strict=True) if place < 0]
    assert places == sorted(places)
    assert commands.startswith("set -euo pipefail\n")


def test_a_marker_without_its_block_is_refused_not_skipped() -> None:
    marker = "<!-- quickstart: run -->\n"
    text = f"{marker}```sh\necho one\n```\n{marker}text\n```sh\necho two\n```\n"
    with pytest.raises(ValueError, match="2 quickstart markers but 1 marked blocks"):
        steps(text)
    assert files("<!-- quickstart: file a.yaml -->\n```yaml\nk: v\n```\n") == {"a.yaml": "k: v\n"}


def test_the_example_slo_and_sli_lint_clean() -> None:
    result = slogate("slo", "lint", EXAMPLES / "slo.yaml", "--sli", EXAMPLES / "sli.yaml")
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.output


def test_the_example_executor_and_deployment_files_are_what_the_executors_accept() -> None:
    plan = parse_plan(yaml.safe_load(example("executors.yaml")))
    assert {task: choice.executor for task, choice in plan.items()} == {
        "deployment": "local",
        "release": "local",
        "rollback": "local",
        "test": "load",
    }
    profile = parse_profile(plan["test"].config)
    assert (profile.users, profile.duration) == (5, 30.0)
    for stage, port in (("qa", 8001), ("production", 8002)):
        config = load_config({}, example("deployment.yaml"), stage, "helloservice")
        assert (config.port, config.health) == (port, "/health")
        assert "{version}" in config.command
    shipyard = parse_shipyard(yaml.safe_load(example("shipyard.yaml")))
    assert [stage.name for stage in shipyard.stages] == ["qa", "production"]


def evaluate(tmp_path: Path, values: dict[str, float], history: list[dict[str, Any]] | None = None) -> Result:
    """``slogate slo evaluate -o json`` of the example SLO on the example results with ``values`` set."""
    results = json.loads(example("sli-results.json"))
    for indicator in results["get-sli"]["indicatorValues"]:
        indicator["value"] = values.get(indicator["metric"], indicator["value"])
    path = tmp_path / "sli.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    arguments: list[str | Path] = ["slo", "evaluate", "--slo", EXAMPLES / "slo.yaml", "--sli-results", path]
    if history is not None:
        (tmp_path / "history.json").write_text(json.dumps(history), encoding="utf-8")
        arguments += ["--history", tmp_path / "history.json"]
    return slogate(*arguments, "-o", "json")


def test_the_example_results_pass_offline() -> None:
    result = slogate(
        "slo", "evaluate", "--slo", EXAMPLES / "slo.yaml", "--sli-results", EXAMPLES / "sli-results.json"
    )
    assert result.exit_code == 0, result.output
    assert "Score 100 (pass ≥ 90%, warning ≥ 75%)" in result.output
    assert "Result PASS" in result.output


@pytest.mark.parametrize(
    ("values", "exit_code", "verdict", "score"),
    [
        ({}, 0, "pass", 100),
        ({"response_time_p95_seconds": 0.35}, 0, "warning", 75),  # key SLI in its warning band
        ({"response_time_p95_seconds": 0.8}, 1, "fail", 50),  # key SLI failed: fail whatever the score
        ({"error_rate": 0.02}, 1, "fail", 50),
        ({"requests_per_second": 0.0}, 0, "pass", 100),  # informational: shown, not scored
    ],
)
def test_the_example_slo_judges_as_its_comments_say(
    tmp_path: Path, values: dict[str, float], exit_code: int, verdict: str, score: float
) -> None:
    result = evaluate(tmp_path, values)
    assert result.exit_code == exit_code, result.output
    data = json.loads(result.output)
    assert (data["result"], data["evaluation"]["score"]) == (verdict, score)


def test_a_build_half_again_slower_than_the_last_passing_one_is_only_a_warning(tmp_path: Path) -> None:
    first = json.loads(evaluate(tmp_path, {}).output)
    history = [{"id": "1", "type": "sh.keptn.event.evaluation.finished", "time": "2026-12-01T10:01:00.000Z",
                "invalidated": False, "data": first}]  # fmt: skip
    slower = evaluate(tmp_path, {"response_time_p95_seconds": 0.00475 * 1.6}, history)  # +60 %
    data = json.loads(slower.output)
    assert (data["result"], data["evaluation"]["score"]) == ("warning", 75), slower.output
    same = json.loads(evaluate(tmp_path, {"response_time_p95_seconds": 0.005}, history).output)
    assert same["result"] == "pass"  # +5 %: within "<=+50%"


def test_the_readme_leads_to_the_quickstart_and_its_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Quickstart: your own service through the server" in readme
    assert "(docs/quickstart-server.md)" in readme
    assert "(docs/examples/)" in readme
    section = readme.split("## Quickstart: your own service through the server", 1)[1]
    commands = section.split("```sh\n", 1)[1].split("```\n", 1)[0]
    assert commands == "".join(step.body for step in steps() if step.kind == "run")  # the page's, verbatim
    page = QUICKSTART.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page)
    assert links
    missing = [
        link for link in links if not link.startswith("http") and not (QUICKSTART.parent / link).exists()
    ]
    assert missing == []
