"""``slo lint``: every problem of an SLO at once, including what Keptn accepts but gets wrong."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping

from slogate.domain.evaluation.criteria import CriterionError, cached_criterion
from slogate.domain.evaluation.scoring import parse_threshold
from slogate.domain.evaluation.slo import (
    AGGREGATE_FUNCTIONS,
    INCLUDE_RESULT_OPTIONS,
    SEVERAL_RESULTS,
    SINGLE_RESULT,
    SLO,
    CriteriaSet,
    Objective,
)
from slogate.domain.evaluation.sufficiency_lint import sufficiency_problems
from slogate.domain.problems import Problem, Severity, child

CRITERION_HELP = "expected an operator <, <=, =, >=, > followed by a number, optionally signed and with %"


def lint_slo(slo: SLO) -> list[Problem]:
    """Problems of a parsed SLO: invalid criteria, thresholds and comparison settings."""
    problems = list(_objective_problems(slo))
    problems += _comparison_problems(slo)
    problems += _total_score_problems(slo)
    problems += sufficiency_problems(slo)
    return problems


def _objective_problems(slo: SLO) -> Iterator[Problem]:
    if not slo.objectives:
        yield Problem("objectives", "no objectives: Keptn fails every evaluation of this SLO")
    seen: dict[str, int] = {}
    for index, objective in enumerate(slo.objectives):
        path = child("objectives", index)
        if not objective.sli:
            yield Problem(child(path, "sli"), "missing: every objective names the SLI it judges")
        elif objective.sli in seen:
            yield _duplicate_problem(objective, child(path, "sli"), seen[objective.sli])
        else:
            seen[objective.sli] = index
        if objective.weight < 0:
            yield Problem(
                child(path, "weight"),
                f"negative weight {objective.weight} lowers the maximum score; use a positive integer",
            )
        if objective.informational and objective.key_sli:
            yield Problem(
                child(path, "key_sli"),
                "an objective without pass criteria is informational and can never fail the evaluation",
                Severity.WARNING,
            )
        yield from _criteria_problems(objective.pass_sets, child(path, "pass"), "pass")
        yield from _criteria_problems(objective.warning_sets, child(path, "warning"), "warning")


def _duplicate_problem(objective: Objective, path: str, first: int) -> Problem:
    """An SLI judged twice: the value goes to the first objective, so a later one has none. Keptn skips an
    informational objective before the missing-value check (info, never fail): only a warning then."""
    if objective.informational:
        return Problem(
            path,
            f"'{objective.sli}' is already judged by objectives[{first}]; this informational objective "
            "gets no value and is shown without one",
            Severity.WARNING,
        )
    return Problem(
        path,
        f"'{objective.sli}' is already judged by objectives[{first}]; "
        "each SLI value feeds one objective only, so this one always fails",
    )


def _criteria_problems(sets: tuple[CriteriaSet, ...], path: str, kind: str) -> Iterator[Problem]:
    consequence = {
        "pass": "Keptn fails the whole evaluation with this error",
        "warning": "Keptn silently ignores this objective's whole warning check",
    }[kind]
    for set_index, criteria_set in enumerate(sets):
        set_path = child(path, set_index)
        if not criteria_set.criteria:
            yield Problem(
                child(set_path, "criteria"), "no criteria: this item always holds", Severity.WARNING
            )
        for index, text in enumerate(criteria_set.criteria):
            at = child(child(set_path, "criteria"), index)
            try:
                criterion = cached_criterion(text)
            except CriterionError:
                yield Problem(at, f"'{text}' is not a valid criterion ({CRITERION_HELP}); {consequence}")
                continue
            if math.isnan(criterion.value):
                yield Problem(at, f"'{text}' compares with NaN and never holds")


def _comparison_problems(slo: SLO) -> Iterator[Problem]:
    comparison = slo.comparison
    path = "comparison"
    if comparison.compare_with not in (SINGLE_RESULT, SEVERAL_RESULTS):
        shown = f"'{comparison.compare_with}'" if comparison.compare_with else "missing"
        severity = Severity.ERROR if comparison.compare_with else Severity.WARNING
        yield Problem(
            child(path, "compare_with"),
            f"{shown}: expected single_result or "
            "several_results; Keptn then compares with 3 previous results",
            severity,
        )
    if comparison.include_result_with_score.lower() not in INCLUDE_RESULT_OPTIONS:
        yield Problem(
            child(path, "include_result_with_score"),
            f"'{comparison.include_result_with_score}' is not one of "
            f"{', '.join(INCLUDE_RESULT_OPTIONS)}; Keptn treats it as 'all'",
        )
    if comparison.aggregate_function not in AGGREGATE_FUNCTIONS:
        yield Problem(
            child(path, "aggregate_function"),
            f"'{comparison.aggregate_function}' is not one of "
            f"{', '.join(AGGREGATE_FUNCTIONS)} (case sensitive); Keptn silently uses a "
            "baseline of 0 for every relative criterion",
        )
    if comparison.compare_with == SEVERAL_RESULTS and comparison.number_of_comparison_results < 0:
        yield Problem(
            child(path, "number_of_comparison_results"),
            "must be a positive number of previous evaluations",
        )


def _total_score_problems(slo: SLO) -> Iterator[Problem]:
    total = slo.total_score
    if total is None or not total.pass_:
        yield Problem(
            "total_score.pass",
            "missing: Keptn errors every evaluation without a pass target; write e.g. 'pass: \"90%\"'",
        )
        return
    pass_ = parse_threshold(total.pass_)
    if pass_ is None:
        yield Problem("total_score.pass", f"'{total.pass_}' is not a percentage such as '90%'")
    warning = parse_threshold(total.warning) if total.warning else None
    if total.warning and warning is None:
        yield Problem("total_score.warning", f"'{total.warning}' is not a percentage such as '75%'")
    if pass_ is not None and warning is not None and warning > pass_:
        yield Problem(
            "total_score.warning",
            f"warning target {total.warning} is above the pass "
            f"target {total.pass_}, so no evaluation can end in warning",
            Severity.WARNING,
        )


def lint_coverage(
    slo: SLO, indicators: Mapping[str, str], sli_source: str, defaults: Collection[str] = ()
) -> list[Problem]:
    """Objectives whose SLI has no query in ``indicators``, and queries that no objective uses.

    ``defaults`` are the SLIs the provider answers without a query (Prometheus: throughput,
    error_rate, response_time_p50/p90/p95): an objective on one of them is fine without a query.
    """
    problems = []
    used = {objective.sli for objective in slo.objectives}
    for index, objective in enumerate(slo.objectives):
        if objective.sli and objective.sli not in indicators and objective.sli not in defaults:
            problems.append(
                Problem(
                    child(child("objectives", index), "sli"),
                    f"'{objective.sli}' has no query in {sli_source}",
                )
            )
    for name in indicators:
        if name not in used:
            problems.append(
                Problem(
                    child("indicators", name),
                    f"no objective uses this query of {sli_source}",
                    Severity.WARNING,
                )
            )
    return problems
