"""A YAML bomb given to the CLI is refused at once, naming the limit: exit 2 for evaluate, a lint error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.yaml_bombs import aliases_of_a_big_node, billion_laughs, nested_flow

from .cli_helpers import Run

BOMBS = {
    "billion-laughs": (billion_laughs(), "more than the limit of 250000 nodes"),
    "aliases-of-a-big-node": (aliases_of_a_big_node(20_000, 100), "more than the limit of 250000 nodes"),
    "deep-nesting": (nested_flow(100_000), "nested more than the limit of 100 levels deep"),
}


@pytest.mark.parametrize(("text", "limit"), BOMBS.values(), ids=list(BOMBS))
def test_slo_evaluate_refuses_a_bomb_with_exit_2(
    run: Run, data: Path, tmp_path: Path, text: str, limit: str
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(text, encoding="utf-8")
    result = run("slo", "evaluate", "--slo", slo, "--sli-results", data / "tutorial-sli-pass.json")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f"error: {slo}: refused: {limit}" in result.stderr
    lenient = run(
        "slo", "evaluate", "--slo", slo, "--sli-results", data / "tutorial-sli-pass.json", "--lenient"
    )
    assert lenient.exit_code == 2, lenient.output
    assert "Result ERRORED" in lenient.stdout
    assert f"{slo}: error: refused: {limit}" in lenient.stdout


@pytest.mark.parametrize(("text", "limit"), BOMBS.values(), ids=list(BOMBS))
def test_slo_lint_reports_a_bomb_as_one_error(run: Run, tmp_path: Path, text: str, limit: str) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(text, encoding="utf-8")
    result = run("slo", "lint", slo)
    assert result.exit_code == 1, result.output
    assert f"refused: {limit}" in result.stdout
    assert "Traceback" not in result.output
