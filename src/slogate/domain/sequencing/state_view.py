"""Keptn's sequence-state view (``GET /sequence/{project}``), derived from a context's executions and events.

Keptn materialises one document per context with hooks (keptn-v1-spec §3.10); slogate computes the
same shape when asked, from the executions (one per stage run) and the context's events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slogate.domain.protocol.event_types import parse_event_type
from slogate.domain.protocol.gate_events import ERRORED, EVALUATION_FINISHED, FAIL, LIGHTHOUSE, KeptnEvent
from slogate.domain.protocol.ingestion import format_rfc3339
from slogate.domain.sequencing.engine_events import configured_image
from slogate.domain.sequencing.execution import Execution, State

DEPLOYMENT_TRIGGERED = "sh.keptn.event.deployment.triggered"


def sequence_state(executions: Sequence[Execution], events: Sequence[KeptnEvent]) -> dict[str, Any]:
    """Keptn's ``SequenceState`` of one context: ``executions`` in creation order (at least one),
    ``events`` oldest first."""
    root = executions[0]
    state: dict[str, Any] = {
        "name": root.sequence_name,
        "service": root.scope.service,
        "project": root.scope.project,
        "time": format_rfc3339(root.triggered_at),
        "shkeptncontext": root.scope.keptn_context,
        "state": overall_state(executions, events),
        "stages": [_stage(execution, events) for execution in executions],
    }
    title = problem_title(root.input_properties)
    if title:
        state["problemTitle"] = title
    return state


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


def _stage(execution: Execution, events: Sequence[KeptnEvent]) -> dict[str, Any]:
    stage = execution.scope.stage
    in_stage = [event for event in events if event.stage == stage]
    entry: dict[str, Any] = {"name": stage, "state": _stage_state(execution)}
    image = _image(in_stage)
    if image:
        entry["image"] = image
    evaluation = _last(e for e in in_stage if e.type == EVALUATION_FINISHED and e.source == LIGHTHOUSE)
    if evaluation is not None:
        details = evaluation.data.get("evaluation")
        score = details.get("score", 0) if isinstance(details, Mapping) else 0
        entry["latestEvaluation"] = {"result": evaluation.data.get("result", ""), "score": score}
    latest = _last(iter(in_stage))
    if latest is not None:
        entry["latestEvent"] = _reference(latest)
    failed = _last(e for e in in_stage if e.data.get("result") == FAIL or e.data.get("status") == ERRORED)
    if failed is not None:
        entry["latestFailedEvent"] = _reference(failed)
    return entry


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


def _last(events: Any) -> KeptnEvent | None:
    found = None
    for event in events:
        found = event
    return found


def _reference(event: KeptnEvent) -> dict[str, str]:
    return {"type": event.type, "id": event.id, "time": format_rfc3339(event.time)}


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
