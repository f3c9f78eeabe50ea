"""Keptn's sequence-state view (``GET /sequence/{project}``), derived from a context's executions and events.

Keptn materialises one document per context with hooks (keptn-v1-spec §3.10); slogate computes the
same content when asked, from the executions (one per stage run) and the context's events, as
dataclasses; ``domain/protocol/sequence_json.py`` encodes them as Keptn's JSON for the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slogate.domain.protocol.event_types import parse_event_type
from slogate.domain.protocol.gate_events import ERRORED, EVALUATION_FINISHED, FAIL, LIGHTHOUSE, KeptnEvent
from slogate.domain.sequencing.engine_events import configured_image
from slogate.domain.sequencing.execution import Execution, State

DEPLOYMENT_TRIGGERED = "sh.keptn.event.deployment.triggered"


@dataclass(frozen=True, slots=True)
class EventReference:
    """Keptn's ``SequenceStateEvent``: an event of the stage by type, id and time."""

    type: str
    id: str
    time: datetime


@dataclass(frozen=True, slots=True)
class StageEvaluation:
    """Keptn's ``SequenceStateEvaluation``: the stage's latest lighthouse result and score."""

    result: str
    score: float


@dataclass(frozen=True, slots=True)
class StageState:
    """Keptn's ``SequenceStateStage``: one stage's run. ``state`` is ``triggered``, ``paused``, or the
    status it ended with (``succeeded``, ``errored``, ``aborted``…; ``unknown`` without one).
    ``result`` (slogate's addition) is the result it ended with (``pass``, ``warning``, ``fail``; ""
    while it runs): a declined approval ends a stage ``succeeded`` with result ``fail``."""

    name: str
    state: str
    image: str = ""
    latest_evaluation: StageEvaluation | None = None
    latest_event: EventReference | None = None
    latest_failed_event: EventReference | None = None
    result: str = ""
    sequence: str = ""  # the name of the stage's sequence (a chained ``rollback``…); not in the API


@dataclass(frozen=True, slots=True)
class SequenceState:
    """Keptn's ``SequenceState`` of one context; ``state`` as :func:`overall_state` says."""

    name: str
    service: str
    project: str
    time: datetime
    keptn_context: str
    state: str
    stages: tuple[StageState, ...]
    problem_title: str = ""


def sequence_state(executions: Sequence[Execution], events: Sequence[KeptnEvent]) -> SequenceState:
    """The ``SequenceState`` of one context: ``executions`` in creation order (at least one),
    ``events`` oldest first."""
    root = executions[0]
    return SequenceState(
        name=root.sequence_name,
        service=root.scope.service,
        project=root.scope.project,
        time=root.triggered_at,
        keptn_context=root.scope.keptn_context,
        state=overall_state(executions, events),
        stages=tuple(_stage(execution, events) for execution in executions),
        problem_title=problem_title(root.input_properties),
    )


def overall_state(executions: Sequence[Execution], events: Sequence[KeptnEvent]) -> str:
    """``started``, ``waiting`` (queued), ``paused``, ``triggered`` (a chained trigger not yet taken),
    or, once everything ended, ``finished``, ``aborted`` or ``timedOut``."""
    states = {execution.state for execution in executions}
    if states & {State.STARTED, State.WAITING_FOR_APPROVAL}:
        return "started"
    if State.PAUSED in states:
        return "paused"
    if State.TRIGGERED in states:
        return "waiting"
    if _untaken_triggers(executions, events):
        return "triggered"
    if State.TIMED_OUT in states:
        return "timedOut"
    return "aborted" if executions[-1].scope.status == "aborted" else "finished"


def _untaken_triggers(executions: Sequence[Execution], events: Sequence[KeptnEvent]) -> bool:
    """Whether a sequence trigger of the context has neither an execution nor an errored ending."""
    taken = {execution.scope.triggered_id for execution in executions}
    answered = {event.triggeredid for event in events if parse_event_type(event.type).is_sequence}
    return any(
        parse_event_type(event.type).is_sequence
        and event.type.endswith(".triggered")
        and event.id not in taken
        and event.id not in answered
        for event in events
    )


def _stage(execution: Execution, events: Sequence[KeptnEvent]) -> StageState:
    stage = execution.scope.stage
    in_stage = [event for event in events if event.stage == stage]
    evaluation = _last(e for e in in_stage if e.type == EVALUATION_FINISHED and e.source == LIGHTHOUSE)
    latest = _last(in_stage)
    failed = _last(e for e in in_stage if e.data.get("result") == FAIL or e.data.get("status") == ERRORED)
    return StageState(
        name=stage,
        state=_stage_state(execution),
        image=_image(in_stage),
        latest_evaluation=None if evaluation is None else _evaluation(evaluation),
        latest_event=None if latest is None else _reference(latest),
        latest_failed_event=None if failed is None else _reference(failed),
        result=execution.scope.result if execution.state.done else "",
        sequence=execution.sequence_name,
    )


def _evaluation(event: KeptnEvent) -> StageEvaluation:
    """The result and score of a lighthouse ``evaluation.finished`` (a score that is no number: 0)."""
    details = event.data.get("evaluation")
    score = details.get("score", 0) if isinstance(details, Mapping) else 0
    number = score if isinstance(score, int | float) and not isinstance(score, bool) else 0
    return StageEvaluation(str(event.data.get("result") or ""), number)


def _stage_state(execution: Execution) -> str:
    if execution.state is State.PAUSED:
        return "paused"
    if execution.state.done:
        return execution.scope.status or "unknown"
    return "triggered"


def _image(events: Sequence[KeptnEvent]) -> str:
    """The image of the stage's latest ``deployment.triggered``."""
    deployments = [event for event in events if event.type == DEPLOYMENT_TRIGGERED]
    return configured_image(deployments[-1].data) if deployments else ""


def _last(events: Iterable[KeptnEvent]) -> KeptnEvent | None:
    found = None
    for event in events:
        found = event
    return found


def _reference(event: KeptnEvent) -> EventReference:
    return EventReference(event.type, event.id, event.time)


def problem_title(data: Mapping[str, Any]) -> str:
    """``data.problem.problemTitle``, with keys matched case-insensitively as Go's JSON decoder does."""
    problem = _get_folded(data, "problem")
    title = _get_folded(problem, "problemTitle") if isinstance(problem, Mapping) else None
    return title if isinstance(title, str) else ""


def _get_folded(data: Mapping[str, Any], key: str) -> Any:
    if key in data:
        return data[key]
    folded = key.casefold()
    return next((value for name, value in data.items() if name.casefold() == folded), None)
