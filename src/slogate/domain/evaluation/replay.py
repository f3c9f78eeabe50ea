"""What-if on history: re-evaluate stored SLI values under another SLO, build after build, storing nothing.

Each stored ``evaluation.finished`` is replayed from its own ``indicatorResults[].value`` (no new
query) with ``evaluate_gate``. Builds are replayed oldest first; a build is compared with the
earlier builds as the new SLO's ``comparison`` block selects them, by their *replayed* results (as
if the new SLO had been in force all along), never with an invalidated one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slogate.domain.evaluation.gate import (
    ABORTED_MESSAGE,
    ERRORED_PREFIX,
    SLI_FAILED_PREFIX,
    SLOFile,
    evaluate_gate,
)
from slogate.domain.evaluation.objectives import NO_VALUE_MESSAGE
from slogate.domain.evaluation.replay_flips import FlippedObjective, flipped_objectives
from slogate.domain.protocol.gate_events import (
    ABORTED,
    ERRORED,
    FAIL,
    PASS,
    SUCCEEDED,
    EvaluationFinished,
    IndicatorResult,
    Labels,
    SLIResults,
    SLIValue,
    StoredEvaluation,
)
from slogate.domain.protocol.gate_json import (
    PayloadError,
    decode_evaluation_finished,
    decode_history,
    decode_sli_value,
)

_TARGETS = ("passTargets", "warningTargets")


@dataclass(frozen=True, slots=True)
class StoredBuild:
    """A stored evaluation as the replay reads it: the event's id, time, whether it is invalidated, data."""

    id: str
    time: str
    invalidated: bool
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ReplayedBuild:
    """One build's stored verdict and its verdict under the new SLO (None when it cannot be replayed)."""

    id: str
    time: str
    labels: Labels
    invalidated: bool
    old_result: str
    old_score: float
    new_result: str | None
    new_score: float | None
    flipped: tuple[FlippedObjective, ...] = ()
    no_value_stored: tuple[str, ...] = ()
    compared: tuple[str, ...] = ()
    note: str = ""

    @property
    def changed(self) -> bool:
        """Whether the new SLO would have given this build another result."""
        return self.new_result is not None and self.new_result != self.old_result


def replay_builds(slo_file: SLOFile | None, builds: Sequence[StoredBuild]) -> tuple[ReplayedBuild, ...]:
    """Replay ``builds`` (newest first) under ``slo_file``; the answer is newest first too."""
    chronological: list[StoredEvaluation] = []
    replayed: list[ReplayedBuild] = []
    for build in reversed(builds):
        outcome, entry = _replay_one(slo_file, build, chronological)
        chronological.append(entry)
        replayed.append(outcome)
    return tuple(reversed(replayed))


def _replay_one(
    slo_file: SLOFile | None, build: StoredBuild, earlier: Sequence[StoredEvaluation]
) -> tuple[ReplayedBuild, StoredEvaluation]:
    """The replay of one build and the history entry later builds compare with."""
    try:
        stored = decode_stored(build.data)
    except PayloadError as error:
        outcome = _not_replayed(build, (), "", 0.0, f"the stored evaluation cannot be read: {error}")
        # as a baseline it is what lighthouse's history decoding makes of it (often: a slot, no values)
        raw = {"id": build.id, "time": build.time, "invalidated": build.invalidated, "data": dict(build.data)}
        return outcome, decode_history([raw])[0]
    entry = _history_entry(build, stored)
    sli = sli_results_of(stored)
    if sli is None:
        note = f"no SLI values were stored with this evaluation ({stored.message or stored.status})"
        return _not_replayed(build, stored.labels, stored.result, stored.evaluation.score, note), entry
    new = evaluate_gate(sli, slo_file, _candidates(slo_file, earlier))
    outcome = ReplayedBuild(
        id=build.id,
        time=build.time,
        labels=stored.labels,
        invalidated=build.invalidated,
        old_result=stored.result,
        old_score=stored.evaluation.score,
        new_result=new.result,
        new_score=new.evaluation.score,
        flipped=flipped_objectives(stored, new, slo_file.slo if slo_file else None),
        no_value_stored=_never_collected(slo_file, stored),
        compared=new.evaluation.compared_events,
        note="" if new.status == SUCCEEDED else new.message,
    )
    return outcome, _history_entry(build, new)


def _history_entry(build: StoredBuild, event: EvaluationFinished) -> StoredEvaluation:
    """``build`` as a history entry with the result and values of ``event`` (stored or replayed)."""
    return StoredEvaluation(
        id=build.id,
        time=build.time,
        invalidated=build.invalidated,
        project=event.project,
        stage=event.stage,
        service=event.service,
        result=event.result,
        indicator_values=tuple(item.value for item in event.evaluation.indicator_results or ()),
    )


def decode_stored(data: Mapping[str, Any]) -> EvaluationFinished:
    """A stored ``evaluation.finished`` without its targets, as ``decode_evaluation_finished`` reads
    it (``PayloadError`` naming the field when malformed); complete indicator results take a
    quicker path, since a replay reads thousands of them."""
    evaluation = data.get("evaluation")
    raw = evaluation.get("indicatorResults") if isinstance(evaluation, dict) else None
    if isinstance(evaluation, dict) and isinstance(raw, list):
        try:
            results = tuple(_indicator(item) for item in raw)
        except PayloadError:  # an irregular result: the full decoder reads it (or names what is wrong)
            return decode_evaluation_finished(without_targets(data))
        head = decode_evaluation_finished({**data, "evaluation": {**evaluation, "indicatorResults": None}})
        return replace(head, evaluation=replace(head.evaluation, indicator_results=results))
    return decode_evaluation_finished(without_targets(data))


def _indicator(item: object) -> IndicatorResult:
    if isinstance(item, dict):
        score, status, name = item.get("score"), item.get("status"), item.get("displayName")
        key, value = item.get("keySli"), item.get("value")
        if (
            isinstance(score, int | float)
            and not isinstance(score, bool)
            and isinstance(status, str)
            and isinstance(name, str)
            and isinstance(key, bool)
        ):
            sli_value = None if value is None else decode_sli_value(value, "value")
            return IndicatorResult(float(score), status, name, key, sli_value, None, None)
    raise PayloadError("", "an indicator result the quick path leaves to the full decoder")


def without_targets(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without the indicator results' targets, which a replay never reads (decoding them
    costs more than the replay itself); anything malformed is left for the decoder to name."""
    copy = dict(data)
    evaluation = copy.get("evaluation")
    results = evaluation.get("indicatorResults") if isinstance(evaluation, Mapping) else None
    if isinstance(evaluation, Mapping) and isinstance(results, list):
        lean = [
            {key: value for key, value in item.items() if key not in _TARGETS}
            if isinstance(item, Mapping)
            else item
            for item in results
        ]
        copy["evaluation"] = {**evaluation, "indicatorResults": lean}
    return copy


def _not_replayed(build: StoredBuild, labels: Labels, result: str, score: float, note: str) -> ReplayedBuild:
    return ReplayedBuild(
        build.id, build.time, labels, build.invalidated, result, score, None, None, note=note
    )


def sli_results_of(stored: EvaluationFinished) -> SLIResults | None:
    """The get-sli.finished data a stored evaluation was computed from, as far as it was kept.

    None when no value was kept: an evaluation that errored on its SLO, or finished without
    indicator results (no SLO file, no objectives, an invalid pass criterion).
    """
    status, result, message = SUCCEEDED, PASS, ""
    if stored.status == ERRORED and stored.message == ABORTED_MESSAGE:
        status = ABORTED
    elif stored.status == ERRORED and stored.message.startswith(ERRORED_PREFIX):
        status, message = ERRORED, stored.message.removeprefix(ERRORED_PREFIX)
    elif not stored.evaluation.indicator_results:
        return None
    elif stored.result == FAIL and stored.message.startswith(SLI_FAILED_PREFIX):
        result, message = FAIL, stored.message.removeprefix(SLI_FAILED_PREFIX)
    values = tuple(item.value for item in stored.evaluation.indicator_results or () if _collected(item.value))
    return SLIResults(
        project=stored.project,
        stage=stored.stage,
        service=stored.service,
        labels=stored.labels,
        status=status,
        result=result,
        message=message,
        start=stored.evaluation.time_start,
        end=stored.evaluation.time_end,
        values=tuple(value for value in values if value is not None),
    )


def _collected(value: SLIValue | None) -> bool:
    """Whether a stored value came from the provider (lighthouse synthesizes one for a missing SLI)."""
    return value is not None and (value.success or value.message != NO_VALUE_MESSAGE)


def _never_collected(slo_file: SLOFile | None, stored: EvaluationFinished) -> tuple[str, ...]:
    """The new SLO's SLIs for which this build kept no value from the provider."""
    if slo_file is None or slo_file.slo is None:
        return ()
    results = stored.evaluation.indicator_results or ()
    have = {item.value.metric for item in results if item.value is not None and _collected(item.value)}
    names = dict.fromkeys(objective.sli for objective in slo_file.slo.objectives if objective.sli not in have)
    return tuple(names)


def _candidates(
    slo_file: SLOFile | None, earlier: Sequence[StoredEvaluation]
) -> tuple[StoredEvaluation, ...]:
    """The newest earlier entries the SLO's comparison can select, newest first, no more than it asks for.

    Only entries ``select_previous`` would keep (not invalidated, a result the comparison accepts;
    an undecodable one counts as Keptn counts it), so that it finds the same ones at once: a replay
    of many builds stays linear instead of quadratic.
    """
    if slo_file is None or slo_file.slo is None:
        return ()
    comparison = slo_file.slo.comparison
    wanted, limit = comparison.result_filter, max(comparison.history_size, 0)
    found: list[StoredEvaluation] = []
    index = len(earlier)
    while index > 0 and len(found) < limit:
        index -= 1
        entry = earlier[index]
        if not entry.invalidated and (wanted is None or entry.result in wanted):
            found.append(entry)
    return tuple(found)
