"""The gate commands check the SLO first (``--lenient``: as Keptn) and say when nothing was evaluated."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import Result

from tests.integration.cli.conftest import Cli
from tests.integration.cli.test_cli_trigger import SERVICE, context_of, events_of, make_project
from tests.integration.cli.test_cli_trigger import resources as upload
from tests.support.live_server import LiveServer
from tests.support.prometheus import free_port

from .cli_helpers import Run

TUTORIAL = (resources.files("slogate.demo") / "data" / "slo.yaml").read_text()
SLI = (resources.files("slogate.demo") / "data" / "sli.yaml").read_text()
TYPO_WEIGHT = TUTORIAL.replace("    key_sli: true\n", "    key_sli: true\n    wieght: 2\n", 1)
SECONDS_CRITERION = TUTORIAL.replace('"<=0.2"', '"<= 0.1s"')
OBJECTIVE_KEY = TUTORIAL.replace("objectives:", "objective:")
NO_OBJECTIVES = "spec_version: '1.0'\nobjectives: []\ntotal_score: {pass: '90%'}\n"
WEIGHT_LINE = "objectives[0].wieght: unknown key 'wieght' is ignored by Keptn (did you mean 'weight'?)"
CRITERION_LINE = "objectives[0].pass[0].criteria[0]: '<= 0.1s' is not a valid criterion"
CASES = {
    "unknown-key": (TYPO_WEIGHT, [WEIGHT_LINE]),
    "criterion-with-unit": (SECONDS_CRITERION, [CRITERION_LINE]),
    "objective-not-objectives": (
        OBJECTIVE_KEY,
        [
            "objective: unknown key 'objective' is ignored by Keptn (did you mean 'objectives'?)",
            "objectives: no objectives: Keptn fails every evaluation of this SLO",
        ],
    ),
    "no-objectives": (NO_OBJECTIVES, ["objectives: no objectives: Keptn fails every evaluation of this SLO"]),
    "empty-file": ("", ["the file is empty: Keptn skips the evaluation and passes it"]),
}


def assert_refused(result: Result, slo: Path, problems: list[str]) -> None:
    """Exit 2, nothing on standard output, one ``error:`` line per problem naming the file, then the fix."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(problems) + 1, result.stderr
    for line, problem in zip(lines, problems, strict=False):
        assert line.startswith(f"error: {slo}: {problem}"), line
    assert lines[-1] == (
        f"error: {slo}: {len(problems)} error(s), so nothing was evaluated or stored: fix the file "
        f"(`slogate slo lint {slo}` shows every problem), or pass --lenient to evaluate it as Keptn would"
    )


def gate_args(tmp_path: Path, slo_text: str) -> tuple[list[str], Path, Path]:
    """``slogate evaluate`` of ``slo_text`` against a Prometheus port where nothing listens: any query
    would fail with a connection error. The SLO's path and the history database's path."""
    slo, sli, db = tmp_path / "slo.yaml", tmp_path / "sli.yaml", tmp_path / "history.db"
    slo.write_text(slo_text, encoding="utf-8")
    sli.write_text(SLI, encoding="utf-8")
    args = [
        "evaluate", "--slo", str(slo), "--sli", str(sli), "--prometheus-url", f"http://127.0.0.1:{free_port()}",
        "--project", "fulltour", "--stage", "qa", "--service", "helloservice", "--db", str(db),
    ]  # fmt: skip
    return args, slo, db


@pytest.mark.parametrize(("text", "problems"), CASES.values(), ids=list(CASES))
def test_evaluate_refuses_what_lint_calls_an_error_before_any_query(
    run: Run, tmp_path: Path, text: str, problems: list[str]
) -> None:
    args, slo, db = gate_args(tmp_path, text)
    assert_refused(run(*args), slo, problems)
    assert not db.exists()  # nothing stored: the store was not even opened


def test_evaluate_lenient_goes_on_to_query_as_keptn_would(run: Run, tmp_path: Path) -> None:
    """With --lenient the typo is Keptn's silence: the gate goes on to Prometheus (unreachable here)."""
    args, _, _ = gate_args(tmp_path, TYPO_WEIGHT)
    result = run(*args, "--lenient")
    assert result.exit_code == 2, result.output
    assert "wieght" not in result.stderr
    assert "127.0.0.1" in result.stderr


@pytest.mark.parametrize(("text", "problems"), CASES.values(), ids=list(CASES))
def test_slo_evaluate_refuses_what_lint_calls_an_error(
    run: Run, data: Path, tmp_path: Path, text: str, problems: list[str]
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(text, encoding="utf-8")
    result = run(
        "slo", "evaluate", "--slo", slo, "--sli-results", data / "tutorial-sli-pass.json", "-o", "json"
    )
    assert_refused(result, slo, problems)


def test_slo_evaluate_lenient_is_keptn(run: Run, tmp_path: Path) -> None:
    """--lenient: the unknown key is ignored (pass), the unit in a criterion fails the evaluation."""
    sli = tmp_path / "sli.json"
    values = {"http_response_time_seconds_main_page_sum": 0.05, "request_throughput": 1.0, "go_routines": 7}
    sli.write_text(json.dumps({"get-sli": {"indicatorValues": [
        {"metric": name, "value": value, "success": True} for name, value in values.items()
    ]}}), encoding="utf-8")  # fmt: skip
    for text, code, result in ((TYPO_WEIGHT, 0, "pass"), (SECONDS_CRITERION, 1, "fail")):
        slo = tmp_path / "slo.yaml"
        slo.write_text(text, encoding="utf-8")
        evaluated = run("slo", "evaluate", "--slo", slo, "--sli-results", sli, "--lenient", "-o", "json")
        assert evaluated.exit_code == code, evaluated.output
        assert json.loads(evaluated.stdout)["result"] == result


def test_slo_evaluate_lenient_without_objectives_says_nothing_was_evaluated(
    run: Run, data: Path, tmp_path: Path
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(NO_OBJECTIVES, encoding="utf-8")
    result = run(
        "slo", "evaluate", "--slo", slo, "--sli-results", data / "tutorial-sli-pass.json", "--lenient"
    )
    assert result.exit_code == 1, result.output
    assert "Result FAIL" in result.stdout
    assert "nothing was evaluated: the SLO has no objectives; add objectives to slo.yaml" in result.stdout


# --- the server: trigger evaluation --wait / --watch -----------------------------------------------------

NOTHING = (
    "nothing was evaluated: no slo.yaml for service helloservice in stage production of project {project}; "
    "add one with `slogate add-resource --project {project} --stage production --service helloservice "
    "--resource slo.yaml`"
)


def trigger_production(cli: Cli, project: str, *flags: str) -> Result:
    return cli("trigger", "evaluation", "--project", project, "--stage", "production", "--service", SERVICE,
               "--timeframe", "5m", *flags)  # fmt: skip


def test_wait_says_nothing_was_evaluated_and_passes_by_default(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "nothing")  # an slo.yaml in qa only
    result = trigger_production(cli, "nothing", "--wait")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-2:] == [
        NOTHING.format(project="nothing"),
        "Result: evaluation pass: no evaluation performed by lighthouse because no SLO file configured "
        "for project nothing",
    ]
    json_result = trigger_production(cli, "nothing", "--wait", "-o", "json")
    assert json_result.exit_code == 0, json_result.output
    assert NOTHING.format(project="nothing") in json_result.stderr
    assert json.loads(json_result.stdout)["keptnContext"]


def test_a_project_setting_makes_it_fail_over_the_api(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "strictgate")
    with live_server.client() as client:
        answer = client.post(
            "/api/resource-service/v1/project/strictgate/resource",
            json=upload("slogate/evaluation.yaml", "nothingEvaluated: fail\n"),
        )
    assert answer.status_code == 201, answer.text
    result = trigger_production(cli, "strictgate", "--wait")
    assert result.exit_code == 1, result.output
    assert NOTHING.format(project="strictgate") in result.stdout
    assert (
        "Result: evaluation fail: no evaluation performed by lighthouse because no SLO file" in result.stdout
    )
    finished = [
        e
        for e in events_of(live_server, context_of(result))
        if e["type"] == "sh.keptn.event.evaluation.finished"
    ]
    assert [(e["data"]["result"], e["data"]["evaluation"]["result"]) for e in finished] == [("fail", "fail")]
    assert finished[0]["data"]["message"].endswith(
        "; slogate/evaluation.yaml (project) makes it fail (nothingEvaluated)"
    )
    qa = cli("trigger", "evaluation", "--project", "strictgate", "--stage", "qa", "--service", SERVICE,
             "--timeframe", "5m", "--wait")  # fmt: skip
    assert qa.exit_code == 0, qa.output  # an evaluated SLO is Keptn's verdict, whatever the setting
    assert "nothing was evaluated" not in qa.stdout


def test_watch_shows_it_with_the_evaluation(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "watched")
    result = trigger_production(cli, "watched", "--watch", "--wait")
    assert result.exit_code == 0, result.output
    assert result.stdout.count(NOTHING.format(project="watched")) == 1


def test_delivery_wait_names_the_stage_that_evaluated_nothing(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "emptyslo", slo="")  # an empty slo.yaml is Keptn's "no SLO file"
    result = cli("trigger", "delivery", "--project", "emptyslo", "--service", SERVICE,
                 "--image", "ghcr.io/podtato-head/podtatoserver:v0.1.1", "--wait")  # fmt: skip
    assert result.exit_code == 0, result.output
    line = NOTHING.format(project="emptyslo").replace("stage production", "stage qa")
    assert line.replace("--stage production", "--stage qa") in result.stdout.splitlines()


SLO_FILES = sorted(
    path.name
    for path in (Path(__file__).resolve().parents[2] / "data" / "cli").glob("*.yaml")
    if path.name != "prometheus-sli.yaml"
)


@pytest.mark.parametrize("name", SLO_FILES)
def test_slo_evaluate_refuses_exactly_what_lint_calls_an_error(run: Run, data: Path, name: str) -> None:
    """The check and `slo lint` cannot drift apart: the same files, the same error lines."""
    slo = data / name
    lint = run("slo", "lint", slo)
    evaluated = run(
        "slo", "evaluate", "--slo", slo, "--sli-results", data / "tutorial-sli-pass.json", "-o", "json"
    )
    lint_errors = [line.split(": error: ", 1)[1] for line in lint.stdout.splitlines() if ": error: " in line]
    if lint.exit_code == 0:
        assert evaluated.exit_code in (0, 1), evaluated.output
        assert lint_errors == []
        return
    assert lint.exit_code == 1, lint.output
    assert_refused(evaluated, slo, lint_errors)
