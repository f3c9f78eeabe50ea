"""slo lint rules: what Keptn rejects or silently gets wrong, reported with paths and severities."""

from __future__ import annotations

import pytest

from slogate.domain.evaluation.lint import CRITERION_HELP, lint_coverage, lint_slo
from slogate.domain.problems import Problem, Severity
from tests.unit.conftest import yaml_slo

GOOD_TAIL = "total_score: {pass: '90%', warning: '75%'}\n"
ONE_OBJECTIVE = "objectives:\n  - sli: rt\n    pass: [{criteria: ['<1']}]\n"


def _lint(text: str) -> list[Problem]:
    return lint_slo(yaml_slo(text))


def test_clean_slo_has_no_problems() -> None:
    """A complete, valid SLO without comparison block lints clean."""
    assert _lint(ONE_OBJECTIVE + GOOD_TAIL) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "objectives: []\n" + GOOD_TAIL,
            Problem("objectives", "no objectives: Keptn fails every evaluation of this SLO"),
            id="no-objectives",
        ),
        pytest.param(
            "objectives:\n  - displayName: x\n    pass: [{criteria: ['<1']}]\n" + GOOD_TAIL,
            Problem("objectives[0].sli", "missing: every objective names the SLI it judges"),
            id="missing-sli",
        ),
        pytest.param(
            ONE_OBJECTIVE + "  - sli: rt\n    pass: [{criteria: ['<2']}]\n" + GOOD_TAIL,
            Problem(
                "objectives[1].sli",
                "'rt' is already judged by objectives[0]; each SLI value feeds one objective only, "
                "so this one always fails",
            ),
            id="duplicate-sli",
        ),
        pytest.param(
            ONE_OBJECTIVE + "    weight: -2\n" + GOOD_TAIL,
            Problem(
                "objectives[0].weight", "negative weight -2 lowers the maximum score; use a positive integer"
            ),
            id="negative-weight",
        ),
        pytest.param(
            "objectives:\n  - sli: rt\n    key_sli: true\n" + GOOD_TAIL,
            Problem(
                "objectives[0].key_sli",
                "an objective without pass criteria is informational and can never fail the evaluation",
                Severity.WARNING,
            ),
            id="informational-key-sli",
        ),
        pytest.param(
            "objectives:\n  - sli: rt\n    pass: [{criteria: []}]\n" + GOOD_TAIL,
            Problem(
                "objectives[0].pass[0].criteria", "no criteria: this item always holds", Severity.WARNING
            ),
            id="empty-pass-item",
        ),
        pytest.param(
            "objectives:\n  - sli: rt\n    pass: [{criteria: ['<1', '<x']}]\n" + GOOD_TAIL,
            Problem(
                "objectives[0].pass[0].criteria[1]",
                f"'<x' is not a valid criterion ({CRITERION_HELP}); "
                "Keptn fails the whole evaluation with this error",
            ),
            id="invalid-pass-criterion",
        ),
        pytest.param(
            ONE_OBJECTIVE + "    warning: [{criteria: ['<1']}, {criteria: ['?']}]\n" + GOOD_TAIL,
            Problem(
                "objectives[0].warning[1].criteria[0]",
                f"'?' is not a valid criterion ({CRITERION_HELP}); "
                "Keptn silently ignores this objective's whole warning check",
            ),
            id="invalid-warning-criterion",
        ),
        pytest.param(
            "objectives:\n  - sli: rt\n    pass: [{criteria: ['<NaN']}]\n" + GOOD_TAIL,
            Problem("objectives[0].pass[0].criteria[0]", "'<NaN' compares with NaN and never holds"),
            id="nan-criterion",
        ),
        pytest.param(
            "comparison: {compare_with: latest, number_of_comparison_results: 1}\n"
            + ONE_OBJECTIVE
            + GOOD_TAIL,
            Problem(
                "comparison.compare_with",
                "'latest': expected single_result or several_results; "
                "Keptn then compares with 3 previous results",
            ),
            id="unknown-compare-with",
        ),
        pytest.param(
            "comparison: {number_of_comparison_results: 1}\n" + ONE_OBJECTIVE + GOOD_TAIL,
            Problem(
                "comparison.compare_with",
                "missing: expected single_result or several_results; "
                "Keptn then compares with 3 previous results",
                Severity.WARNING,
            ),
            id="missing-compare-with",
        ),
        pytest.param(
            "comparison: {compare_with: single_result, include_result_with_score: best}\n"
            + ONE_OBJECTIVE
            + GOOD_TAIL,
            Problem(
                "comparison.include_result_with_score",
                "'best' is not one of all, pass, pass_or_warn; Keptn treats it as 'all'",
            ),
            id="unknown-include-result",
        ),
        pytest.param(
            "comparison: {compare_with: single_result, aggregate_function: AVG}\n"
            + ONE_OBJECTIVE
            + GOOD_TAIL,
            Problem(
                "comparison.aggregate_function",
                "'AVG' is not one of avg, p50, p90, p95 (case sensitive); "
                "Keptn silently uses a baseline of 0 for every relative criterion",
            ),
            id="unknown-aggregate-function",
        ),
        pytest.param(
            "comparison: {compare_with: several_results, number_of_comparison_results: -1}\n"
            + ONE_OBJECTIVE
            + GOOD_TAIL,
            Problem(
                "comparison.number_of_comparison_results", "must be a positive number of previous evaluations"
            ),
            id="negative-number-of-results",
        ),
        pytest.param(
            ONE_OBJECTIVE,
            Problem(
                "total_score.pass",
                "missing: Keptn errors every evaluation without a pass target; write e.g. 'pass: \"90%\"'",
            ),
            id="total-score-missing",
        ),
        pytest.param(
            ONE_OBJECTIVE + "total_score: {warning: 75}\n",
            Problem(
                "total_score.pass",
                "missing: Keptn errors every evaluation without a pass target; write e.g. 'pass: \"90%\"'",
            ),
            id="total-score-pass-missing",
        ),
        pytest.param(
            ONE_OBJECTIVE + "total_score: {pass: bla}\n",
            Problem("total_score.pass", "'bla' is not a percentage such as '90%'"),
            id="pass-not-a-number",
        ),
        pytest.param(
            ONE_OBJECTIVE + "total_score: {pass: 90, warning: bla}\n",
            Problem("total_score.warning", "'bla' is not a percentage such as '75%'"),
            id="warning-not-a-number",
        ),
        pytest.param(
            ONE_OBJECTIVE + "total_score: {pass: 50%, warning: 60%}\n",
            Problem(
                "total_score.warning",
                "warning target 60% is above the pass target 50%, so no evaluation can end in warning",
                Severity.WARNING,
            ),
            id="warning-above-pass",
        ),
    ],
)
def test_lint_rule(text: str, expected: Problem) -> None:
    """Each lint rule reports exactly one problem at its path with its severity."""
    assert _lint(text) == [expected]


def test_lint_reports_every_problem_in_order() -> None:
    """Objective problems come first, then comparison, then total_score."""
    problems = _lint(
        "comparison: {compare_with: latest, aggregate_function: max}\n"
        "objectives:\n  - sli: ''\n    weight: -1\n"
        "total_score: {pass: bla, warning: blub}\n"
    )
    assert [p.path for p in problems] == [
        "objectives[0].sli",
        "objectives[0].weight",
        "comparison.compare_with",
        "comparison.aggregate_function",
        "total_score.pass",
        "total_score.warning",
    ]


def test_lint_coverage() -> None:
    """Objectives without a query are errors; queries no objective uses are warnings; empty sli is skipped."""
    slo = yaml_slo("objectives:\n  - sli: a\n  - sli: b\n  - sli: ''\n")
    assert lint_coverage(slo, {"a": "q1", "c": "q2"}, "sli.yaml") == [
        Problem("objectives[1].sli", "'b' has no query in sli.yaml"),
        Problem("indicators.c", "no objective uses this query of sli.yaml", Severity.WARNING),
    ]


def test_lint_coverage_clean() -> None:
    """Every objective has a query and every query is used: no problems."""
    assert lint_coverage(yaml_slo("objectives:\n  - sli: a\n"), {"a": "q"}, "sli.yaml") == []


def test_informational_duplicate_is_a_warning() -> None:
    """A second objective on an SLI without pass criteria is skipped by Keptn before the missing-value
    check (info): a warning, not an error."""
    problems = _lint(ONE_OBJECTIVE + "  - sli: rt\n    displayName: rt (info)\n" + GOOD_TAIL)
    assert problems == [
        Problem(
            "objectives[1].sli",
            "'rt' is already judged by objectives[0]; this informational objective gets no value and is "
            "shown without one",
            Severity.WARNING,
        )
    ]


def test_scored_duplicate_after_informational_is_an_error() -> None:
    """The first objective takes the value even when it is informational: a scored second one fails."""
    problems = _lint("objectives:\n  - sli: rt\n" + ONE_OBJECTIVE.removeprefix("objectives:\n") + GOOD_TAIL)
    assert [(p.path, p.severity) for p in problems] == [("objectives[1].sli", Severity.ERROR)]


def test_lint_coverage_default_slis_need_no_query() -> None:
    """SLIs the provider answers by default need no query; others still do."""
    slo = yaml_slo("objectives:\n  - sli: throughput\n  - sli: response_time_p95\n  - sli: cpu\n")
    assert lint_coverage(slo, {}, "prometheus/sli.yaml", ("throughput", "response_time_p95")) == [
        Problem("objectives[2].sli", "'cpu' has no query in prometheus/sli.yaml")
    ]
