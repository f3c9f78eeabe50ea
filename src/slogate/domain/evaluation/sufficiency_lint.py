"""``slo lint`` for the data-sufficiency keys: a traffic floor on an unknown SLI, rules that cannot apply."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from slogate.domain.evaluation.slo import SEVERAL_RESULTS, SLO, DataPolicy, Objective
from slogate.domain.evaluation.sufficiency import has_relative_criterion
from slogate.domain.problems import Problem, Severity, child


def sufficiency_problems(slo: SLO) -> Iterator[Problem]:
    """Problems of the objectives' ``on_no_data``, ``traffic_floor``, ``min_comparison_results`` and
    ``on_insufficient`` (the values themselves are checked by the parser)."""
    slis = [objective.sli for objective in slo.objectives if objective.sli]
    for index, objective in enumerate(slo.objectives):
        if objective.policy is not None:
            yield from _policy_problems(slo, objective, objective.policy, child("objectives", index), slis)
    yield from _never_sufficient(slo)


def _never_sufficient(slo: SLO) -> Iterator[Problem]:
    """An evaluation short of comparison results ends in the SLO's rule; when the comparison leaves such
    results out (``include_result_with_score``), later evaluations never get more to compare with."""
    wanted = slo.comparison.result_filter
    counting = any(
        o.policy is not None and o.policy.min_comparison_results and not o.informational
        for o in slo.objectives
    )
    if wanted is None or slo.on_insufficient in wanted or not counting:
        return
    option = slo.comparison.include_result_with_score
    yield Problem(
        "sufficiency.on_insufficient",
        f"an evaluation short of comparison results ends in {slo.on_insufficient}, which "
        f"include_result_with_score: {option} leaves out of later comparisons, so the comparison results "
        "never become sufficient; set sufficiency.on_insufficient: pass or include_result_with_score: "
        + ("pass_or_warn" if slo.on_insufficient == "warning" else "all"),
    )


def _policy_problems(
    slo: SLO, objective: Objective, policy: DataPolicy, path: str, slis: list[str]
) -> Iterator[Problem]:
    if objective.informational:
        yield Problem(
            path,
            "an objective without pass criteria is informational: its data-sufficiency keys have no effect",
            Severity.WARNING,
        )
        return
    floor = policy.traffic_floor
    if floor is not None and floor.sli and floor.sli not in slis:
        close = difflib.get_close_matches(floor.sli, slis, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        yield Problem(
            child(child(path, "traffic_floor"), "sli"),
            f"'{floor.sli}' is not the SLI of any objective, so it is never measured; {hint}"
            f"add an objective for it (without pass criteria it is informational): '- sli: {floor.sli}'",
        )
    if floor is not None and floor.sli == objective.sli:
        yield Problem(
            child(child(path, "traffic_floor"), "sli"),
            f"the traffic floor reads the objective's own SLI '{floor.sli}'; name the SLI that counts "
            "the traffic, e.g. request_count",
            Severity.WARNING,
        )
    yield from _comparison_problems(slo, objective, policy, path)
    if floor is None and not policy.min_comparison_results and policy.on_insufficient != "informational":
        yield Problem(
            child(path, "on_insufficient"),
            "has no effect without traffic_floor or min_comparison_results",
            Severity.WARNING,
        )


def _comparison_problems(slo: SLO, objective: Objective, policy: DataPolicy, path: str) -> Iterator[Problem]:
    minimum = policy.min_comparison_results
    if not minimum:
        return
    at = child(path, "min_comparison_results")
    if not has_relative_criterion(objective):
        yield Problem(
            at,
            "the objective has no relative criterion (such as '<=+10%'), so this has no effect",
            Severity.WARNING,
        )
    available = slo.comparison.history_size
    if minimum > available:
        fix = (
            f"raise number_of_comparison_results to at least {minimum}"
            if slo.comparison.compare_with == SEVERAL_RESULTS
            else f"use compare_with: several_results with number_of_comparison_results: {minimum} or more"
        )
        yield Problem(
            at,
            f"{minimum} is more than the {available} previous evaluation(s) the comparison takes, so this "
            f"objective's data is always insufficient; {fix}",
        )
