"""Data sufficiency (slogate's SLO extension): what no data, too little traffic or too few comparisons mean.

Keptn judges whatever value arrives. An objective with ``on_no_data``, ``traffic_floor`` or
``min_comparison_results`` is judged as Keptn does when its data suffices; otherwise it counts as its
rule says (``on_no_data`` / ``on_insufficient``), its result carries the reason in
``dataSufficiency``, and the evaluation's result is never better than ``sufficiency.on_insufficient``
when any objective's data was insufficient. An SLO without these keys is judged exactly as Keptn does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from slogate.domain.evaluation.comparison import aggregate
from slogate.domain.evaluation.criteria import CriterionError, cached_criterion
from slogate.domain.evaluation.objectives import KeySLIFailure, ObjectiveOutcome, evaluate_objective
from slogate.domain.evaluation.slo import DataPolicy, Objective
from slogate.domain.gonumbers import format_go_float
from slogate.domain.protocol.gate_events import FAIL, INFO, PASS, WARNING, SLIValue

INSUFFICIENT_PREFIX = "insufficient data: "
NO_DATA_PREFIX = "no data: "
_STATUS = {"pass": PASS, "warning": WARNING, "fail": FAIL, "informational": INFO}
_RANK = {PASS: 0, WARNING: 1, FAIL: 2}


def judge_objective(
    objective: Objective,
    value: SLIValue | None,
    previous: Sequence[float],
    function: str,
    measured: Sequence[SLIValue],
) -> ObjectiveOutcome:
    """Judge one objective with its data policy; ``previous``: the comparison values of its SLI,
    ``measured``: every SLI value of this evaluation (a traffic floor reads its SLI there)."""
    baseline = aggregate(previous, function)
    policy = objective.policy
    if policy is None or objective.informational:
        return evaluate_objective(objective, value, baseline)
    if value is None or not value.success:
        outcome = evaluate_objective(objective, value, baseline)
        if policy.on_no_data is None:
            return outcome
        reported = outcome.result.value
        why = reported.message if reported is not None and reported.message else "no value"
        note = f"{NO_DATA_PREFIX}{why} (on_no_data of {objective.label})"
        return _counted_as(objective, outcome, policy.on_no_data, note, insufficient=False)
    shortfall = _floor_shortfall(policy, objective.label, measured)
    if shortfall:
        outcome = evaluate_objective(objective, value, baseline)
        return _counted_as(objective, outcome, policy.on_insufficient, shortfall, insufficient=True)
    if len(previous) < policy.min_comparison_results and has_relative_criterion(objective):
        outcome = evaluate_objective(objective, value, None)  # relative criteria are skipped
        rule = _combined(outcome.result.status, policy.on_insufficient)
        count = len(previous)
        note = (
            f"{INSUFFICIENT_PREFIX}{count} comparison result{'' if count == 1 else 's'} < "
            f"{policy.min_comparison_results} (min_comparison_results of {objective.label})"
        )
        return _counted_as(objective, outcome, rule, note, insufficient=True)
    return evaluate_objective(objective, value, baseline)


def _floor_shortfall(policy: DataPolicy, label: str, measured: Sequence[SLIValue]) -> str:
    """Why the traffic floor is not reached ('' when it is, or when there is none)."""
    floor = policy.traffic_floor
    if floor is None:
        return ""
    where = f"(traffic floor of {label})"
    traffic = next((v for v in measured if v.metric == floor.sli), None)
    if traffic is None or not traffic.success:
        return f"{INSUFFICIENT_PREFIX}no value for {floor.sli} {where}"
    if traffic.value >= floor.minimum:
        return ""
    shown, minimum = format_go_float(traffic.value), format_go_float(floor.minimum)
    return f"{INSUFFICIENT_PREFIX}{floor.sli} {shown} < {minimum} {where}"


def has_relative_criterion(objective: Objective) -> bool:
    """Whether any (parsable) pass or warning criterion of the objective is relative."""
    for criteria_set in (*objective.pass_sets, *objective.warning_sets):
        for text in criteria_set.criteria:
            try:
                if cached_criterion(text).relative:
                    return True
            except CriterionError:
                continue
    return False


def _combined(judged: str, rule: str) -> str:
    """Insufficient comparisons never hide what the absolute criteria say: a fail stays a fail, and
    otherwise the objective counts as the worse of its judgement and its rule (informational: not
    counted)."""
    if judged == FAIL or rule == "informational":
        return "fail" if judged == FAIL else rule
    return rule if _RANK[_STATUS[rule]] >= _RANK[judged] else judged


def _counted_as(
    objective: Objective, outcome: ObjectiveOutcome, rule: str, note: str, *, insufficient: bool
) -> ObjectiveOutcome:
    status = _STATUS[rule]
    weight = float(objective.weight)
    score = {PASS: weight, WARNING: 0.5 * weight, FAIL: 0.0, INFO: 0.0}[status]
    result = replace(outcome.result, status=status, score=score, data_sufficiency=note)
    failure = KeySLIFailure(objective.display_name, note) if status == FAIL and objective.key_sli else None
    return ObjectiveOutcome(result, failure, scored=status != INFO, insufficient=insufficient)


def overall(rule: str, outcomes: Sequence[ObjectiveOutcome], result: str, message: str) -> tuple[str, str]:
    """The evaluation's result and message after the SLO's ``sufficiency.on_insufficient`` rule: never
    better than ``rule`` when any objective's data was insufficient; every note goes into the message."""
    notes = [o.result.data_sufficiency for o in outcomes if o.result.data_sufficiency]
    if not notes:
        return result, message
    listed = "; ".join(notes)
    lowered = any(o.insufficient for o in outcomes) and result in _RANK and _RANK[rule] > _RANK[result]
    if lowered and rule == WARNING:
        return WARNING, f"Evaluation returned a warning: {listed}"
    if lowered:
        return FAIL, f"Evaluation failed due to {listed}"
    listed = "; ".join(note for note in notes if note not in message)  # a key SLI's reason names its own
    return result, "; ".join(part for part in (message, listed) if part)
