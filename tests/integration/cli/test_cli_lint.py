"""``slogate slo lint`` end to end: every problem with its path, sli.yaml coverage, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from .cli_helpers import Run, assert_one_line_error

# --- slo lint -------------------------------------------------------------------------------------------


def lint_json(run: Run, *args: str | Path) -> tuple[int, dict[str, Any]]:
    """Run ``slo lint -o json`` and return the exit code and the parsed report."""
    result = run("slo", "lint", *args, "-o", "json")
    assert result.stderr == "", result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return result.exit_code, document


def by_path(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The problems of a lint report indexed by path."""
    return {problem["path"]: problem for problem in report["problems"]}


def test_lint_reports_invalid_criterion_with_its_path(run: Run, data: Path) -> None:
    """An invalid pass criterion is an error at ``objectives[N].pass[0].criteria[M]``; exit 1."""
    code, report = lint_json(run, data / "lint-broken-slo.yaml")
    assert code == 1
    problem = by_path(report)["objectives[1].pass[0].criteria[1]"]
    assert problem["severity"] == "error"
    assert problem["message"].startswith("'> 0.1 req/s' is not a valid criterion")
    assert "Keptn fails the whole evaluation" in problem["message"]


def test_lint_reports_unknown_key_with_hint(run: Run, data: Path) -> None:
    """``display_name`` is reported as an unknown key with a did-you-mean hint."""
    _, report = lint_json(run, data / "lint-broken-slo.yaml")
    problem = by_path(report)["objectives[0].display_name"]
    assert problem["severity"] == "error"
    assert problem["message"] == (
        "unknown key 'display_name' is ignored by Keptn (did you mean 'displayName'?)"
    )


def test_lint_reports_unknown_aggregate_function(run: Run, data: Path) -> None:
    """A case-mismatched aggregate_function is an error at ``comparison.aggregate_function``."""
    _, report = lint_json(run, data / "lint-broken-slo.yaml")
    problem = by_path(report)["comparison.aggregate_function"]
    assert problem["severity"] == "error"
    assert "'AVG' is not one of avg, p50, p90, p95" in problem["message"]


def test_lint_reports_every_problem_at_once(run: Run, data: Path) -> None:
    """All problems are reported together with a count of errors; the table ends with a summary."""
    slo = data / "lint-broken-slo.yaml"
    code, report = lint_json(run, slo)
    assert code == 1
    assert report["file"] == str(slo)
    assert report["errors"] == 3
    assert set(by_path(report)) == {
        "objectives[0].display_name",
        "objectives[1].pass[0].criteria[1]",
        "comparison.aggregate_function",
    }
    table = run("slo", "lint", slo)
    assert table.exit_code == 1
    assert f"{slo}: error: objectives[1].pass[0].criteria[1]: '> 0.1 req/s' is not a valid" in table.stdout
    assert f"{slo}: error: objectives[0].display_name: unknown key 'display_name'" in table.stdout
    assert f"{slo}: 3 error(s), 0 warning(s)" in table.stdout


def test_lint_yaml_output(run: Run, data: Path) -> None:
    """``-o yaml`` gives the same report as ``-o json``."""
    as_yaml = run("slo", "lint", data / "lint-broken-slo.yaml", "-o", "yaml")
    code, as_json = lint_json(run, data / "lint-broken-slo.yaml")
    assert as_yaml.exit_code == code == 1
    assert yaml.safe_load(as_yaml.stdout) == as_json


def test_lint_sli_coverage(run: Run, data: Path) -> None:
    """With --sli: an SLI without a query is an error, an unused query a warning; exit 1."""
    sli = data / "prometheus-sli.yaml"
    code, report = lint_json(run, data / "coverage-slo.yaml", "--sli", sli)
    assert code == 1
    assert report["errors"] == 1
    problems = by_path(report)
    assert problems["objectives[3].sli"] == {
        "path": "objectives[3].sli",
        "severity": "error",
        "message": f"'cpu_usage' has no query in {sli}",
    }
    assert problems["indicators.error_rate"] == {
        "path": "indicators.error_rate",
        "severity": "warning",
        "message": f"no objective uses this query of {sli}",
    }


def test_lint_only_warnings_exits_zero(run: Run, data: Path) -> None:
    """The tutorial SLO against an sli.yaml with one unused query: a warning only, so exit 0."""
    slo = data / "tutorial-slo.yaml"
    code, report = lint_json(run, slo, "--sli", data / "prometheus-sli.yaml")
    assert code == 0
    assert report["errors"] == 0
    assert [(p["path"], p["severity"]) for p in report["problems"]] == [("indicators.error_rate", "warning")]
    table = run("slo", "lint", slo, "--sli", data / "prometheus-sli.yaml")
    assert table.exit_code == 0
    assert f"{slo}: 0 error(s), 1 warning(s)" in table.stdout


def test_lint_clean_file(run: Run, data: Path) -> None:
    """The tutorial SLO has no problems: exit 0, 'no problems found', an empty JSON list."""
    slo = data / "tutorial-slo.yaml"
    table = run("slo", "lint", slo)
    assert table.exit_code == 0
    assert table.stdout.strip() == f"{slo}: no problems found"
    code, report = lint_json(run, slo)
    assert code == 0
    assert report == {"file": str(slo), "errors": 0, "problems": []}


def test_lint_unparsable_slo_lists_every_parse_error(run: Run, data: Path) -> None:
    """An SLO Keptn cannot decode gets every decoding error with its path; exit 1."""
    code, report = lint_json(run, data / "unparsable-slo.yaml")
    assert code == 1
    assert report["errors"] == 2
    problems = by_path(report)
    assert "must be true or false" in problems["objectives[0].key_sli"]["message"]
    assert "must be an integer" in problems["objectives[1].weight"]["message"]


def test_lint_missing_slo_file(run: Run, tmp_path: Path) -> None:
    """A missing SLO file is one error line and exit 2 for lint too."""
    missing = tmp_path / "slo.yaml"
    assert_one_line_error(run("slo", "lint", missing), str(missing), "no such file")


def test_lint_missing_sli_file(run: Run, data: Path, tmp_path: Path) -> None:
    """A missing --sli file is one error line naming it, exit 2."""
    missing = tmp_path / "sli.yaml"
    result = run("slo", "lint", data / "tutorial-slo.yaml", "--sli", missing)
    assert_one_line_error(result, str(missing), "no such file")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("- a\n- b\n", "must be a mapping with an 'indicators' key, found a list", id="list"),
        pytest.param("indicators: [a]\n", "indicators must be a mapping", id="indicators-list"),
        pytest.param("indicators: {a: [1]}\n", "indicators.a: must be a query string", id="query-list"),
        pytest.param("indicators: {a: b\n", "not valid YAML", id="syntax"),
    ],
)
def test_lint_invalid_sli_file(run: Run, data: Path, tmp_path: Path, content: str, problem: str) -> None:
    """An sli.yaml of the wrong shape is one error line naming the file and the problem, exit 2."""
    sli = tmp_path / "sli.yaml"
    sli.write_text(content, encoding="utf-8")
    result = run("slo", "lint", data / "tutorial-slo.yaml", "--sli", sli)
    assert_one_line_error(result, str(sli), problem)


def test_lint_yaml_syntax_error_names_the_file_once(run: Run, tmp_path: Path) -> None:
    """A YAML syntax error is reported with its line, and the file name appears once per line."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("objectives: [\n", encoding="utf-8")
    result = run("slo", "lint", broken)
    assert result.exit_code == 1
    (line,) = [line for line in result.stdout.splitlines() if "not valid YAML" in line]
    assert line.count(str(broken)) == 1
    assert "line 2" in line


def test_lint_deeply_nested_yaml_is_one_line_error(run: Run, tmp_path: Path) -> None:
    """YAML nested beyond the parser's depth is reported, not a traceback."""
    nested = tmp_path / "nested.yaml"
    nested.write_text("[" * 5000, encoding="utf-8")
    result = run("slo", "lint", nested)
    assert result.exit_code == 1
    assert "refused: nested more than the limit of 100 levels deep" in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_lint_keptn_examples_default_slis_and_informational_duplicate(run: Run, data: Path) -> None:
    """keptn/examples' style: objectives on the Prometheus provider's default SLIs (throughput,
    error_rate) without a query, and an informational second objective on a judged SLI: Keptn
    evaluates these, so lint has no error (exit 0), only a warning for the duplicate."""
    keptn = data.parent / "keptn"
    code, report = lint_json(
        run, keptn / "slo-quality-gates.yaml", "--sli", keptn / "sli-config-prometheus.yaml"
    )
    assert code == 0, report
    assert report["errors"] == 0
    assert [(p["path"], p["severity"]) for p in report["problems"]] == [("objectives[1].sli", "warning")]
