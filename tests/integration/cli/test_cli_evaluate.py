"""``slogate slo evaluate`` end to end: exit codes, JSON/YAML/table output, input errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from .cli_helpers import Run, assert_one_line_error, history_of, write_json

TUTORIAL_FAIL_MESSAGE = (
    "Evaluation failed due to key_sli objective 'HTTP Response Time': failed evaluation with score 0.000000"
)


def evaluate_json(run: Run, *args: str | Path) -> tuple[int, dict[str, Any]]:
    """Run ``slo evaluate -o json`` and return the exit code and the parsed document."""
    result = run("slo", "evaluate", *args, "-o", "json")
    assert result.stderr == "", result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return result.exit_code, document


@pytest.fixture
def tutorial_history(run: Run, data: Path, tmp_path: Path) -> Path:
    """A history file holding the tutorial's passing evaluation (id ``ev-pass``), as slogate produced it."""
    code, passed = evaluate_json(
        run, "--slo", data / "tutorial-slo.yaml", "--sli-results", data / "tutorial-sli-pass.json"
    )
    assert code == 0
    return write_json(tmp_path / "history.json", history_of([("ev-pass", passed)]))


# --- the acceptance example: the Keptn tutorial's pass, then fail against that pass -------------------


def test_tutorial_pass_json(run: Run, data: Path) -> None:
    """Tutorial values without history pass, score 100, exit 0; JSON is the evaluation.finished data."""
    code, document = evaluate_json(
        run, "--slo", data / "tutorial-slo.yaml", "--sli-results", data / "tutorial-sli-pass.json"
    )
    assert code == 0
    assert document["status"] == "succeeded"
    assert document["result"] == "pass"
    assert (document["project"], document["stage"], document["service"]) == ("sockshop", "staging", "carts")
    assert document["labels"] == {"DtCreds": "dynatrace"}
    assert "message" not in document
    evaluation = document["evaluation"]
    assert evaluation["score"] == 100
    assert evaluation["result"] == "pass"
    assert evaluation["timeStart"] == "2024-05-06T10:00:00.000Z"
    assert evaluation["timeEnd"] == "2024-05-06T10:05:00.000Z"
    assert "comparedEvents" not in evaluation
    assert [r["status"] for r in evaluation["indicatorResults"]] == ["pass", "pass", "pass"]
    assert [r["value"]["value"] for r in evaluation["indicatorResults"]] == [0.004, 0.55, 7]
    assert [r["keySli"] for r in evaluation["indicatorResults"]] == [True, False, True]


def test_tutorial_pass_score_is_printed_as_go_integer(run: Run, data: Path) -> None:
    """The JSON text shows an integral score as ``100`` (Go's encoding), not ``100.0``."""
    result = run(
        "slo", "evaluate", "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-pass.json", "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0
    assert '"score": 100,' in result.stdout
    assert "100.0" not in result.stdout


def test_tutorial_pass_table(run: Run, data: Path) -> None:
    """The table lists each objective with value, targets, status and points, then score and verdict."""
    result = run(
        "slo",
        "evaluate",
        "--slo",
        data / "tutorial-slo.yaml",
        "--sli-results",
        data / "tutorial-sli-pass.json",
    )
    assert result.exit_code == 0
    out = result.stdout
    for piece in (
        "HTTP Response Time (key)",
        "Request Throughput",
        "Go Routines (key)",
        "0.004",
        "0.55",
        "✓ <=0.2",
        "✓ <=0.1",
        "✓ <=30",
        "1/1",
        "Score 100 (pass ≥ 80%, warning ≥ 50%)",
        "compared with 0 previous evaluations",
        "Result PASS",
        "pass: score 100 reaches the pass target 80",
    ):
        assert piece in out, piece
    assert "✗" not in out


def test_tutorial_fail_against_the_pass(run: Run, data: Path, tutorial_history: Path) -> None:
    """0.4 s response time with the pass as history fails: score 66.67, Keptn's key-SLI message, exit 1."""
    code, document = evaluate_json(
        run,
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-fail.json",
        "--history", tutorial_history,
    )  # fmt: skip
    assert code == 1
    assert document["status"] == "succeeded"
    assert document["result"] == "fail"
    assert document["message"] == TUTORIAL_FAIL_MESSAGE
    evaluation = document["evaluation"]
    assert evaluation["score"] == 66.66666666666666
    assert evaluation["result"] == "fail"
    assert evaluation["comparedEvents"] == ["ev-pass"]
    response, throughput, routines = evaluation["indicatorResults"]
    assert response["status"] == "fail"
    assert response["score"] == 0
    assert response["value"] == {
        "metric": "http_response_time_seconds_main_page_sum",
        "value": 0.4,
        "comparedValue": 0.004,
        "success": True,
    }
    assert response["passTargets"] == [{"criteria": "<=0.2", "targetValue": 0.2, "violated": True}]
    assert throughput["status"] == "pass"
    assert throughput["value"]["comparedValue"] == 0.55
    assert throughput["passTargets"][0]["targetValue"] == pytest.approx(0.11)
    assert throughput["passTargets"][0]["violated"] is False
    assert routines["status"] == "pass"
    assert routines["value"]["comparedValue"] == 7


def test_tutorial_fail_table_explains_why(run: Run, data: Path, tutorial_history: Path) -> None:
    """The fail table shows compared values with change, violated targets and the one-sentence reason."""
    result = run(
        "slo", "evaluate",
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-fail.json",
        "--history", tutorial_history,
    )  # fmt: skip
    assert result.exit_code == 1
    out = result.stdout
    for piece in (
        "HTTP Response Time (key)",
        "0.004 (+9900.0%)",
        "0.55 (-9.1%)",
        "7 (+0.0%)",
        "✗ <=0.2",
        "✗ <=0.1",
        "✓ >=-80% (0.11)",
        "0/1",
        "Score 66.67 (pass ≥ 80%, warning ≥ 50%)",
        "compared with 1 previous evaluation\n",
        "Result FAIL",
        "fail: key SLI 'HTTP Response Time' failed (0.4 > 0.2)",
    ):
        assert piece in out, piece


def test_tutorial_fail_yaml_matches_json(run: Run, data: Path, tutorial_history: Path) -> None:
    """``-o yaml`` prints the same document as ``-o json``, with the same exit code."""
    args = (
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-fail.json",
        "--history", tutorial_history,
    )  # fmt: skip
    as_yaml = run("slo", "evaluate", *args, "-o", "yaml")
    code, as_json = evaluate_json(run, *args)
    assert as_yaml.exit_code == code == 1
    assert yaml.safe_load(as_yaml.stdout) == as_json
    assert "message: 'Evaluation failed due to key_sli objective" in as_yaml.stdout


def test_invalidated_history_is_not_compared(run: Run, data: Path, tmp_path: Path) -> None:
    """An invalidated previous evaluation is skipped: no comparedEvents, relative criteria hold."""
    _, passed = evaluate_json(
        run, "--slo", data / "tutorial-slo.yaml", "--sli-results", data / "tutorial-sli-pass.json"
    )
    history = write_json(tmp_path / "h.json", history_of([("ev-pass", passed)], invalidated=True))
    code, document = evaluate_json(
        run,
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-fail.json",
        "--history", history,
    )  # fmt: skip
    assert code == 1
    assert "comparedEvents" not in document["evaluation"]
    throughput = document["evaluation"]["indicatorResults"][1]
    assert throughput["value"]["comparedValue"] == 0
    assert throughput["passTargets"] == [{"criteria": ">=-80%", "targetValue": 0, "violated": False}]


def test_empty_history_array_compares_with_nothing(run: Run, data: Path, tmp_path: Path) -> None:
    """``--history`` with ``[]`` is valid and gives the same verdict as no history."""
    code, document = evaluate_json(
        run,
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-pass.json",
        "--history", write_json(tmp_path / "h.json", []),
    )  # fmt: skip
    assert code == 0
    assert document["evaluation"]["score"] == 100


# --- warning and --fail-on-warning ---------------------------------------------------------------------


def test_warning_exits_zero(run: Run, data: Path) -> None:
    """A warning verdict exits 0 by default; the table names the warning objective and the targets."""
    result = run(
        "slo", "evaluate", "--slo", data / "warning-slo.yaml", "--sli-results", data / "warning-sli.json"
    )
    assert result.exit_code == 0
    out = result.stdout
    for piece in (
        "Response time P95",
        "✗ <600",
        "✓ <=800",
        "warning",
        "0.5/1",
        "Score 75 (pass ≥ 90%, warning ≥ 75%)",
        "Result WARNING",
        "warning: score 75 is below the pass target 90 but reaches the warning target 75; "
        "warning: 'Response time P95'",
    ):
        assert piece in out, piece


def test_warning_with_fail_on_warning_exits_one(run: Run, data: Path) -> None:
    """``--fail-on-warning`` turns a warning into exit 1 without changing the document."""
    plain_code, plain = evaluate_json(
        run, "--slo", data / "warning-slo.yaml", "--sli-results", data / "warning-sli.json"
    )
    strict_code, strict = evaluate_json(
        run,
        "--slo",
        data / "warning-slo.yaml",
        "--sli-results",
        data / "warning-sli.json",
        "--fail-on-warning",
    )
    assert (plain_code, strict_code) == (0, 1)
    assert plain == strict
    assert strict["result"] == "warning"
    assert strict["status"] == "succeeded"
    assert strict["evaluation"]["score"] == 75
    assert [r["status"] for r in strict["evaluation"]["indicatorResults"]] == ["warning", "pass"]


def test_fail_on_warning_keeps_pass_at_zero(run: Run, data: Path) -> None:
    """``--fail-on-warning`` does not affect a pass: still exit 0."""
    code, document = evaluate_json(
        run,
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-pass.json",
        "--fail-on-warning",
    )  # fmt: skip
    assert code == 0
    assert document["result"] == "pass"


# --- errored evaluations: exit 2, and the document is still printed ------------------------------------


def test_errored_sli_prints_json_and_exits_two(run: Run, data: Path) -> None:
    """get-sli status errored gives an errored evaluation.finished with Keptn's message, exit 2."""
    code, document = evaluate_json(
        run, "--slo", data / "tutorial-slo.yaml", "--sli-results", data / "sli-errored.json"
    )
    assert code == 2
    assert document["status"] == "errored"
    assert document["result"] == "fail"
    assert document["message"] == (
        "evaluation performed by lighthouse received an unexpected error: "
        "could not connect to Prometheus at http://prometheus:9090"
    )
    assert document["evaluation"]["indicatorResults"] is None
    assert document["evaluation"]["score"] == 0


def test_errored_sli_table(run: Run, data: Path) -> None:
    """The table of an errored evaluation shows the verdict ERRORED and the reason, exit 2."""
    result = run(
        "slo", "evaluate", "--slo", data / "tutorial-slo.yaml", "--sli-results", data / "sli-errored.json"
    )
    assert result.exit_code == 2
    assert "Result ERRORED" in result.stdout
    assert "errored: evaluation performed by lighthouse received an unexpected error: " in result.stdout
    assert "could not connect to Prometheus" in result.stdout
    assert result.stderr == ""


def test_unparsable_slo_is_errored_json(run: Run, data: Path) -> None:
    """An SLO Keptn cannot decode gives an errored evaluation naming the service, exit 2."""
    code, document = evaluate_json(
        run,
        "--slo",
        data / "unparsable-slo.yaml",
        "--sli-results",
        data / "tutorial-sli-pass.json",
        "--lenient",
    )
    assert code == 2
    assert document["status"] == "errored"
    assert document["result"] == "fail"
    assert document["message"] == (
        "Could not parse SLO file for service carts in stage staging in project sockshop"
    )
    assert document["evaluation"]["indicatorResults"] is None


def test_unparsable_slo_table_lists_the_problems(run: Run, data: Path) -> None:
    """The errored table (--lenient) also lists every parse problem with its path."""
    slo = data / "unparsable-slo.yaml"
    result = run(
        "slo", "evaluate", "--slo", slo, "--sli-results", data / "tutorial-sli-pass.json", "--lenient"
    )
    assert result.exit_code == 2
    out = result.stdout
    assert "Result ERRORED" in out
    assert "Could not parse SLO file for service carts" in out
    assert f"{slo}: error: objectives[0].key_sli: must be true or false" in out
    assert f"{slo}: error: objectives[1].weight: must be an integer" in out


def test_slo_with_yaml_syntax_error_is_errored(run: Run, data: Path, tmp_path: Path) -> None:
    """A YAML syntax error in the SLO is an errored evaluation (exit 2) whose table names line and column."""
    slo = tmp_path / "slo.yaml"
    slo.write_text("objectives: [\n", encoding="utf-8")
    result = run(
        "slo", "evaluate", "--slo", slo, "--sli-results", data / "tutorial-sli-pass.json", "--lenient"
    )
    assert result.exit_code == 2
    assert "Result ERRORED" in result.stdout
    assert "not valid YAML" in result.stdout
    assert "(line 2, column 1)" in result.stdout


def test_invalid_pass_criterion_fails_the_evaluation(run: Run, data: Path) -> None:
    """An unparsable pass criterion fails the whole evaluation with Keptn's message (status succeeded)."""
    code, document = evaluate_json(
        run,
        "--slo",
        data / "lint-broken-slo.yaml",
        "--sli-results",
        data / "tutorial-sli-pass.json",
        "--lenient",
    )
    assert code == 1
    assert document["status"] == "succeeded"
    assert document["result"] == "fail"
    assert document["message"] == "error with Request Throughput: could not parse criteria target value"


# --- no SLO configured ----------------------------------------------------------------------------------


def test_empty_slo_passes_without_evaluation(run: Run, data: Path, tmp_path: Path) -> None:
    """An empty SLO file means no SLO configured: Keptn passes without evaluating, exit 0 (--lenient);
    standard error says that nothing was evaluated, standard output stays one JSON document."""
    slo = tmp_path / "slo.yaml"
    slo.write_text("", encoding="utf-8")
    args = ("--slo", slo, "--sli-results", data / "tutorial-sli-pass.json", "--lenient", "-o", "json")
    result = run("slo", "evaluate", *args)
    assert result.exit_code == 0
    assert result.stderr.startswith("nothing was evaluated: no slo.yaml for service carts in stage staging")
    document = json.loads(result.stdout)
    assert document["status"] == "succeeded"
    assert document["result"] == "pass"
    assert document["message"] == (
        "no evaluation performed by lighthouse because no SLO file configured for project sockshop"
    )
    assert document["evaluation"]["indicatorResults"] is None


def test_empty_slo_table(run: Run, data: Path, tmp_path: Path) -> None:
    """The table of an empty SLO (--lenient) says PASS, that no SLO file is configured, and that nothing
    was evaluated."""
    slo = tmp_path / "slo.yaml"
    slo.write_text("", encoding="utf-8")
    result = run(
        "slo", "evaluate", "--slo", slo, "--sli-results", data / "tutorial-sli-pass.json", "--lenient"
    )
    assert result.exit_code == 0
    assert "Result PASS" in result.stdout
    assert "no SLO file configured" in result.stdout
    assert "nothing was evaluated: no slo.yaml for service carts" in result.stdout


def test_table_with_zero_baseline_and_two_criteria(run: Run, tmp_path: Path) -> None:
    """A zero baseline shows no % change; criteria of one item are listed side by side with targets."""
    slo = tmp_path / "slo.yaml"
    slo.write_text(
        "objectives:\n"
        "  - sli: error_rate\n"
        "    pass:\n"
        "      - criteria: ['<=+10%', '<=1']\n"
        "total_score:\n"
        "  pass: '90%'\n",
        encoding="utf-8",
    )
    sli = write_json(
        tmp_path / "sli.json",
        {"get-sli": {"indicatorValues": [{"metric": "error_rate", "value": 0, "success": True}]}},
    )
    previous = {
        "result": "pass",
        "evaluation": {
            "indicatorResults": [{"value": {"metric": "error_rate", "value": 0, "success": True}}]
        },
    }
    history = write_json(tmp_path / "history.json", history_of([("ev-zero", previous)]))
    result = run("slo", "evaluate", "--slo", slo, "--sli-results", sli, "--history", history)
    assert result.exit_code == 0
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("│ error_rate ")]
    cells = [cell.strip() for cell in row.strip("│").split("│")]
    assert cells == ["error_rate", "0", "0", "✓ <=+10% (0)  ✓ <=1", "", "pass", "1/1"]
    assert "compared with 1 previous evaluation\n" in result.stdout


# --- markup in user data --------------------------------------------------------------------------------


def test_square_brackets_in_names_and_messages_are_printed_verbatim(run: Run, tmp_path: Path) -> None:
    """Display names and SLI messages with ``[...]`` are data, not Rich markup: printed as written."""
    slo = tmp_path / "slo.yaml"
    slo.write_text(
        "objectives:\n"
        "  - sli: errors\n"
        '    displayName: "Errors [/]"\n'
        "    pass:\n"
        "      - criteria: ['<=1']\n"
        "  - sli: latency\n"
        '    displayName: "Latency [ms]"\n'
        "    pass:\n"
        "      - criteria: ['<=100']\n"
        "total_score:\n"
        "  pass: '90%'\n",
        encoding="utf-8",
    )
    sli = write_json(
        tmp_path / "sli.json",
        {
            "get-sli": {
                "indicatorValues": [
                    {"metric": "errors", "value": 0, "success": True},
                    {"metric": "latency", "success": False, "message": "[bold]query failed[/bold]"},
                ]
            }
        },
    )
    result = run("slo", "evaluate", "--slo", slo, "--sli-results", sli)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert rows[0].startswith("│ Errors [/] ")
    assert rows[1].startswith("│ Latency [ms] ")
    assert "no value: [bold]query failed[/bold]" in rows[1]


# --- invalid input: exit 2, one line on stderr naming the file and the problem, no traceback ------------


def test_missing_sli_results_file(run: Run, data: Path, tmp_path: Path) -> None:
    """A missing --sli-results file is one error line naming it."""
    missing = tmp_path / "nope.json"
    result = run("slo", "evaluate", "--slo", data / "tutorial-slo.yaml", "--sli-results", missing)
    assert_one_line_error(result, str(missing), "no such file")


def test_missing_slo_file(run: Run, data: Path, tmp_path: Path) -> None:
    """A missing --slo file is one error line naming it, also with ``-o json``."""
    missing = tmp_path / "slo.yaml"
    result = run(
        "slo", "evaluate", "--slo", missing, "--sli-results", data / "tutorial-sli-pass.json", "-o", "json"
    )
    assert_one_line_error(result, str(missing), "no such file")


def test_missing_history_file(run: Run, data: Path, tmp_path: Path) -> None:
    """A missing --history file is one error line naming it."""
    missing = tmp_path / "history.json"
    result = run(
        "slo", "evaluate",
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-pass.json",
        "--history", missing,
    )  # fmt: skip
    assert_one_line_error(result, str(missing), "no such file", "history")


def test_slo_path_is_a_directory(run: Run, data: Path, tmp_path: Path) -> None:
    """A directory given as --slo is one error line, not a traceback."""
    result = run("slo", "evaluate", "--slo", tmp_path, "--sli-results", data / "tutorial-sli-pass.json")
    assert_one_line_error(result, str(tmp_path), "is a directory")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param('{"get-sli": ', "not valid JSON: Expecting value (line 1, column 13)", id="truncated"),
        pytest.param("", "not valid JSON", id="empty"),
        pytest.param("project: x", "not valid JSON", id="yaml-not-json"),
        pytest.param(
            '{"get-sli": {"indicatorValues": {"metric": "x"}}}',
            "get-sli.indicatorValues: must be an array, found an object",
            id="indicatorValues-not-array",
        ),
        pytest.param("[1, 2]", "must be an object, found an array", id="array-not-object"),
        pytest.param('{"get-sli": "yes"}', "get-sli: must be an object, found a string", id="get-sli-string"),
        pytest.param(
            '{"get-sli": {"indicatorValues": [{"metric": "x", "value": "0.4"}]}}',
            "get-sli.indicatorValues[0].value: must be a number, found a string",
            id="value-string",
        ),
        pytest.param(
            '{"get-sli": {"indicatorValues": [{"metric": "x", "value": 1, "success": "true"}]}}',
            "get-sli.indicatorValues[0].success: must be true or false, found a string",
            id="success-string",
        ),
        pytest.param('{"project": 7}', "project: must be a string, found a number", id="project-number"),
        pytest.param(
            '{"get-sli": {"indicatorValues": [{"metric": "x", "value": NaN}]}}',
            "NaN is not a JSON number",
            id="nan",
        ),
        pytest.param(
            '{"get-sli": {"indicatorValues": [{"metric": "x", "value": 1e400}]}}',
            "out of range",
            id="float-overflow",
        ),
        pytest.param(
            '{"get-sli": {"indicatorValues": [{"metric": "x", "value": 1' + "0" * 400 + "}]}}",
            "out of range",
            id="int-overflow",
        ),
        pytest.param("[" * 100_000 + "]" * 100_000, "nested too deeply", id="deeply-nested"),
    ],
)
def test_invalid_sli_results(run: Run, data: Path, tmp_path: Path, content: str, problem: str) -> None:
    """Unusable SLI results (bad JSON or wrong shape) are one error line naming the file, exit 2."""
    sli = tmp_path / "sli.json"
    sli.write_text(content, encoding="utf-8")
    for output in ("table", "json"):
        result = run(
            "slo", "evaluate", "--slo", data / "tutorial-slo.yaml", "--sli-results", sli, "-o", output
        )
        assert_one_line_error(result, f"{sli}: ", problem)


def test_sli_results_not_utf8(run: Run, data: Path, tmp_path: Path) -> None:
    """A binary SLI results file is one error line, not a decoding traceback."""
    sli = tmp_path / "sli.json"
    sli.write_bytes(b"\xff\xfe\x00{")
    result = run("slo", "evaluate", "--slo", data / "tutorial-slo.yaml", "--sli-results", sli)
    assert_one_line_error(result, str(sli), "not UTF-8")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("[{", "not valid JSON", id="truncated"),
        pytest.param('{"id": "x"}', "must be an array of stored evaluations, found an object", id="object"),
        pytest.param('[{"id": 1}]', "[0].id: must be a string, found a number", id="id-number"),
        pytest.param(
            '[{"id": "a", "invalidated": "no"}]', "[0].invalidated: must be true or false", id="flag"
        ),
        pytest.param('["ev-1"]', "[0]: must be an object, found a string", id="entry-string"),
    ],
)
def test_invalid_history(run: Run, data: Path, tmp_path: Path, content: str, problem: str) -> None:
    """An unusable history file is one error line naming the file and the problem, exit 2."""
    history = tmp_path / "history.json"
    history.write_text(content, encoding="utf-8")
    result = run(
        "slo", "evaluate",
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-pass.json",
        "--history", history,
    )  # fmt: skip
    assert_one_line_error(result, f"{history}: ", problem)


def test_undecodable_history_data_is_skipped(run: Run, data: Path, tmp_path: Path) -> None:
    """A history entry whose data Keptn could not decode is skipped (as lighthouse does), not an error."""
    bad_entry = {
        "id": "ev-bad",
        "type": "sh.keptn.event.evaluation.finished",
        "data": {"evaluation": {"indicatorResults": "not a list"}},
    }
    history = write_json(tmp_path / "history.json", [bad_entry])
    code, document = evaluate_json(
        run,
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-pass.json",
        "--history", history,
    )  # fmt: skip
    assert code == 0
    assert "comparedEvents" not in document["evaluation"]


def test_debug_shows_the_traceback(run: Run, data: Path, tmp_path: Path) -> None:
    """``--debug`` re-raises the error instead of printing one line (for bug reports)."""
    missing = tmp_path / "nope.json"
    result = run("--debug", "slo", "evaluate", "--slo", data / "tutorial-slo.yaml", "--sli-results", missing)
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "InputError"
    assert str(missing) in str(result.exception)
