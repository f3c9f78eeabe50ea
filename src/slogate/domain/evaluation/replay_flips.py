"""Which objectives of a replayed build changed status, with the value and the criteria that decide."""

from __future__ import annotations

from dataclasses import dataclass

from slogate.domain.evaluation.objectives import NO_VALUE_MESSAGE
from slogate.domain.evaluation.slo import SLO
from slogate.domain.protocol.gate_events import (
    FAIL,
    INFO,
    PASS,
    WARNING,
    EvaluationFinished,
    IndicatorResult,
    Target,
)

NO_VALUE_STORED = "no value stored"


@dataclass(frozen=True, slots=True)
class DecidingCriterion:
    """A criterion that decides an objective's status, and whether it is a ``pass`` or a ``warning`` one."""

    kind: str
    target: Target


@dataclass(frozen=True, slots=True)
class FlippedObjective:
    """An objective whose status differs between the stored and the replayed evaluation.

    A status is None where the objective is not in that evaluation's SLO. ``criteria`` are the
    targets that decide the new status (none for an objective the new SLO dropped: the stored
    targets are not read); ``value`` is None when no successful value was stored, and ``note`` then
    says why.
    """

    sli: str
    display_name: str
    old_status: str | None
    new_status: str | None
    value: float | None
    criteria: tuple[DecidingCriterion, ...]
    note: str = ""


def flipped_objectives(
    stored: EvaluationFinished, new: EvaluationFinished, slo: SLO | None
) -> tuple[FlippedObjective, ...]:
    """The objectives whose status changed, in the new SLO's order, then those the new SLO dropped
    (none when the new SLO evaluated nothing: an unparsable file, an errored evaluation).

    The k-th objective on an SLI in the stored evaluation is paired with the k-th objective on
    that SLI in the new SLO (stored results carry the SLI name in their value only). An objective
    that is informational on one side and absent on the other has no effect and is not listed.
    """
    new_results = new.evaluation.indicator_results or ()
    if slo is None or not new_results or len(new_results) != len(slo.objectives):
        return ()  # nothing was evaluated (the replay's note says why)
    old_by_sli: dict[str, list[IndicatorResult]] = {}
    for item in stored.evaluation.indicator_results or ():
        if item.value is not None:
            old_by_sli.setdefault(item.value.metric, []).append(item)
    flips: list[FlippedObjective] = []
    for objective, result in zip(slo.objectives, new_results, strict=True):
        olds = old_by_sli.get(objective.sli)
        old = olds.pop(0) if olds else None
        if (old.status if old else INFO) != result.status:
            flips.append(_flip(objective.sli, result, old, result))
    for sli, olds in old_by_sli.items():
        flips.extend(_flip(sli, old, old, None) for old in olds if old.status != INFO)
    return tuple(flips)


def _flip(
    sli: str, shown: IndicatorResult, old: IndicatorResult | None, new: IndicatorResult | None
) -> FlippedObjective:
    value = shown.value
    usable = value is not None and value.success
    note = ""
    if not usable:
        note = NO_VALUE_STORED if value is None or value.message == NO_VALUE_MESSAGE else value.message
    return FlippedObjective(
        sli=sli,
        display_name=shown.display_name or sli,
        old_status=old.status if old is not None else None,
        new_status=new.status if new is not None else None,
        value=value.value if value is not None and usable else None,
        criteria=deciding_criteria(shown),
        note=note,
    )


def deciding_criteria(result: IndicatorResult) -> tuple[DecidingCriterion, ...]:
    """The criteria that decide an objective's status: the violated ones of a fail or a warning, the met
    pass criteria of a pass (an informational objective has none)."""
    passes = tuple(DecidingCriterion(PASS, target) for target in result.pass_targets or ())
    warnings = tuple(DecidingCriterion(WARNING, target) for target in result.warning_targets or ())
    if result.status == PASS:
        return tuple(item for item in passes if not item.target.violated)
    if result.status == WARNING:
        return tuple(item for item in passes if item.target.violated)
    if result.status == FAIL:
        return tuple(item for item in (*passes, *warnings) if item.target.violated)
    return ()
