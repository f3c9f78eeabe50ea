"""Which previous evaluations a new one is compared with, and how their values are aggregated."""

from __future__ import annotations

import math
from collections.abc import Sequence

from slogate.domain.evaluation.slo import Comparison
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, StoredEvaluation

_PERCENTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95}


def select_previous(
    history: Sequence[StoredEvaluation],
    comparison: Comparison,
    project: str,
    stage: str,
    service: str,
) -> tuple[StoredEvaluation, ...]:
    """Keptn's datastore query: newest first, same service, not invalidated, result filter, limit.

    ``history`` is newest first. Entries that name another project, stage or service, or another
    event type, are not part of this service's history (a field left empty does not exclude).
    Undecodable entries take a slot of the limit and are then dropped, as lighthouse does.
    """
    wanted_results = comparison.result_filter
    scope = (project, stage, service)

    def qualifies(event: StoredEvaluation) -> bool:
        if event.invalidated or (event.type and event.type != EVALUATION_FINISHED):
            return False
        own = (event.project, event.stage, event.service)
        if any(mine and theirs and mine != theirs for mine, theirs in zip(scope, own, strict=True)):
            return False
        return wanted_results is None or event.result in wanted_results

    limit = max(comparison.history_size, 0)
    selected = [event for event in history if qualifies(event)][:limit]
    return tuple(event for event in selected if event.decodable)


def previous_values(selected: Sequence[StoredEvaluation]) -> dict[str, list[float]]:
    """Per SLI name, the successful values in the selected evaluations, in Keptn's order.

    Built once per evaluation, so that each objective finds its values by a lookup instead of a
    scan of every value of every selected evaluation.
    """
    values: dict[str, list[float]] = {}
    for event in selected:
        for value in event.indicator_values:
            if value is not None and value.success:
                values.setdefault(value.metric, []).append(value.value)
    return values


def aggregate(values: Sequence[float], function: str) -> float | None:
    """The baseline of ``values`` by Keptn's function; None (skip) when there are none.

    An unknown function name gives 0, not an error and not a skip, as in Keptn.
    """
    if not values:
        return None
    if function == "avg":
        return sum_in_order(values) / len(values)
    if function in _PERCENTILES:
        return percentile(values, _PERCENTILES[function])
    return 0.0


def sum_in_order(values: Sequence[float]) -> float:
    """Left-to-right float sum (Go's loop), not Python's compensated ``sum``."""
    total = 0.0
    for value in values:
        total += value
    return total


def percentile(values: Sequence[float], p: float) -> float:
    """Keptn's percentile: rank ``p * (n + 1)``, clamped, linear interpolation between ranks."""
    ordered = sorted(values)
    size = len(ordered)
    position = p * float(size + 1)
    if position < 1.0:
        return ordered[0]
    if position >= float(size):
        return ordered[-1]
    rank = int(position)
    lower, upper = ordered[rank - 1], ordered[rank]
    return lower + (position - math.floor(position)) * (upper - lower)
