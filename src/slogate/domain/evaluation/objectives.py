"""Per-objective evaluation: match SLI values to objectives and judge them (lighthouse §5–6)."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from slogate.domain.evaluation.criteria import Criterion, CriterionError, cached_criterion
from slogate.domain.evaluation.slo import CriteriaSet, Objective
from slogate.domain.protocol.gate_events import FAIL, INFO, PASS, WARNING, IndicatorResult, SLIValue, Target
from slogate.errors import InputError

NO_VALUE_MESSAGE = "no value received from SLI provider"


class InvalidPassCriterionError(InputError, ValueError):
    """A pass criterion Keptn cannot parse: it fails the whole evaluation with this message."""

    code = "invalid_pass_criterion"


@dataclass(frozen=True, slots=True)
class KeySLIFailure:
    """A key SLI that failed, and why (for the verdict message)."""

    display_name: str
    reason: str


@dataclass(frozen=True, slots=True)
class ObjectiveOutcome:
    """An objective's reported result plus what the total score needs to know about it.

    ``scored``: its weight counts in the maximum score; ``insufficient``: its data was insufficient
    (traffic floor or comparison results), so the SLO's ``sufficiency`` rule applies.
    """

    result: IndicatorResult
    key_failure: KeySLIFailure | None = None
    scored: bool = True
    insufficient: bool = False


@dataclass(frozen=True, slots=True)
class _Judged:
    """The outcome of an OR over criteria sets."""

    satisfied: bool
    targets: tuple[Target, ...] | None


class ValuePool:
    """The SLI values not yet used; each value feeds one objective only (Keptn's removal order)."""

    def __init__(self, values: Sequence[SLIValue]) -> None:
        self._values = list(values)
        # Per metric, a min-heap of its positions in _values, so that take() needs no scan. An entry
        # goes stale only when the last value moves away, and then it is at or beyond the end.
        self._positions: dict[str, list[int]] = {}
        for index, value in enumerate(self._values):
            self._positions.setdefault(value.metric, []).append(index)  # ascending: already a heap

    def take(self, metric: str) -> SLIValue | None:
        """Remove and return the first value named ``metric``; the last value fills its place."""
        positions = self._positions.get(metric)
        while positions:
            index = heapq.heappop(positions)
            if index < len(self._values):
                break
        else:
            return None
        value = self._values[index]
        last = self._values.pop()
        if index < len(self._values):
            self._values[index] = last
            heapq.heappush(self._positions[last.metric], index)
        return value

    def remaining(self) -> list[str]:
        """Metric names no objective consumed, in pool order."""
        return [value.metric for value in self._values]


def evaluate_objective(
    objective: Objective, value: SLIValue | None, baseline: float | None
) -> ObjectiveOutcome:
    """Judge one objective; ``baseline`` is the aggregated history, None when there is none."""
    if objective.informational:
        return ObjectiveOutcome(_informational(objective, value, baseline), scored=False)
    if value is None or not value.success:
        return _without_value(objective, value, baseline)
    return _scored(objective, value, baseline)


def _informational(objective: Objective, value: SLIValue | None, baseline: float | None) -> IndicatorResult:
    return IndicatorResult(
        score=0.0,
        status=INFO,
        display_name=objective.display_name,
        key_sli=False,
        value=value,
        pass_targets=(),
        warning_targets=_unevaluated_targets(objective.warning_sets, baseline),
    )


def _without_value(objective: Objective, value: SLIValue | None, baseline: float | None) -> ObjectiveOutcome:
    reported = value or SLIValue(objective.sli, 0.0, False, NO_VALUE_MESSAGE)
    result = IndicatorResult(
        score=0.0,
        status=FAIL,
        display_name=objective.display_name,
        key_sli=False,  # Keptn reports false on this path even for key SLIs
        value=reported,
        pass_targets=_unevaluated_targets(objective.pass_sets, baseline),
        warning_targets=_unevaluated_targets(objective.warning_sets, baseline),
    )
    failure = KeySLIFailure(objective.display_name, reported.message) if objective.key_sli else None
    return ObjectiveOutcome(result, failure)


def _unevaluated_targets(sets: Sequence[CriteriaSet], baseline: float | None) -> tuple[Target, ...]:
    """Every parsable criterion, violated; relative ones show the raw baseline."""
    targets = []
    for criteria_set in sets:
        for text in criteria_set.criteria:
            try:
                criterion = cached_criterion(text)
            except CriterionError:
                continue
            shown = (baseline or 0.0) if criterion.relative else criterion.value
            targets.append(Target(text, shown, True))
    return tuple(targets)


def _scored(objective: Objective, value: SLIValue, baseline: float | None) -> ObjectiveOutcome:
    try:
        passed = _judge_any(objective.pass_sets, value.value, baseline)
    except CriterionError as error:
        raise InvalidPassCriterionError(f"error with {objective.label}: {error}") from error
    warned: _Judged | None = None
    if objective.warning_sets:
        try:
            warned = _judge_any(objective.warning_sets, value.value, baseline)
        except CriterionError:
            warned = _Judged(False, ())
    if passed.satisfied:
        status, score = PASS, float(objective.weight)
    elif warned is not None and warned.satisfied:
        status, score = WARNING, 0.5 * float(objective.weight)
    else:
        status, score = FAIL, 0.0
    if _any_criterion(objective.pass_sets) or _any_criterion(objective.warning_sets):
        compared = baseline if baseline is not None else 0.0
        value = SLIValue(value.metric, value.value, value.success, value.message, compared, value.query)
    result = IndicatorResult(
        score=score,
        status=status,
        display_name=objective.display_name,
        key_sli=objective.key_sli,
        value=value,
        pass_targets=passed.targets,
        warning_targets=warned.targets if warned is not None else None,
    )
    failure = None
    if status == FAIL and objective.key_sli:
        failure = KeySLIFailure(objective.display_name, f"failed evaluation with score {score:f}")
    return ObjectiveOutcome(result, failure)


def _any_criterion(sets: Sequence[CriteriaSet]) -> bool:
    return any(criteria_set.criteria for criteria_set in sets)


def _judge_any(sets: Sequence[CriteriaSet], measured: float, baseline: float | None) -> _Judged:
    """OR over the sets, AND within each; every criterion is judged and reported (no short cut).

    Raises :class:`CriterionError` for an unparsable criterion. Targets are None when the sets
    hold no criterion at all (Keptn's nil slice).
    """
    satisfied = False
    targets: list[Target] = []
    for criteria_set in sets:
        set_holds = True
        for text in criteria_set.criteria:
            target = judge(cached_criterion(text), measured, baseline)
            set_holds = set_holds and not target.violated
            targets.append(target)
        satisfied = satisfied or set_holds
    return _Judged(satisfied, tuple(targets) if targets else None)


def judge(criterion: Criterion, measured: float, baseline: float | None) -> Target:
    """One criterion against a measured value; relative ones hold when there is no baseline."""
    if criterion.relative and baseline is None:
        return Target(criterion.text, 0.0, False)
    threshold = criterion.target(baseline or 0.0)
    return Target(criterion.text, threshold, not criterion.holds(measured, threshold))
