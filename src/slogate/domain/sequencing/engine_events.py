"""The events the sequence engine sends: task triggers, sequence ends, chained triggers (§3.4, §3.7, §1.5)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slogate.domain.protocol.event_types import sequence_type, task_type
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.execution import Execution
from slogate.domain.sequencing.merge import merge
from slogate.domain.sequencing.shipyard import Task

CONTROLLER = "shipyard-controller"

# why a sequence trigger is rejected or a task cannot be sent (Keptn's texts; NO_EXECUTOR is slogate's)
NO_SHIPYARD = "Unable to retrieve Shipyard file: could not retrieve shipyard.yaml for project {project}"
NO_STAGE = "Unable to start sequence {sequence}: no stage with name {stage}"
NO_SEQUENCE = (
    "Unable to start sequence {sequence}: no task sequence with name {sequence} found in stage {stage}"
)
NO_TASKS = "Unable to start sequence {sequence}: task sequence {sequence} does not contain any tasks"
NO_EXECUTOR = (
    "no executor takes sh.keptn.event.{task}.triggered in project {project}, stage {stage}, service "
    "{service}: register an integration subscribed to it, or configure a built-in executor"
)


def accumulated(execution: Execution) -> dict[str, Any]:
    """The trigger's data merged with every completed task's ``.finished`` data, the scope's project,
    stage and service, and the last task's result and status; ``message`` blanked if present."""
    scope = execution.scope
    data: dict[str, Any] = dict(merge({}, execution.input_properties))
    data.update(project=scope.project, stage=scope.stage, service=scope.service)
    for task in execution.previous_tasks:
        data = merge(data, task.properties)
    if execution.previous_tasks:
        data["result"] = execution.previous_tasks[-1].result
        data["status"] = execution.previous_tasks[-1].status
    if "message" in data:
        data["message"] = ""
    return data


def task_triggered(execution: Execution, task: Task, event_id: str, now: datetime) -> KeptnEvent:
    """``sh.keptn.event.<task>.triggered`` with the accumulated payload and the task's properties."""
    data = accumulated(execution)
    if task.properties is not None:
        data[task.name] = merge(data.get(task.name), task.properties)
    return _event(execution, event_id, task_type(task.name, "triggered"), data, now, triggeredid="")


def sequence_finished(execution: Execution, event_id: str, now: datetime) -> KeptnEvent:
    """``sh.keptn.event.<stage>.<sequence>.finished`` for the execution's outcome (in its scope)."""
    scope = execution.scope
    data: dict[str, Any] = {"project": scope.project, "stage": scope.stage, "service": scope.service}
    if scope.labels:
        data["labels"] = dict(scope.labels)
    data.update(status=scope.status, result=scope.result, message=scope.message)
    event_type = sequence_type(scope.stage, execution.sequence_name, "finished")
    return _event(execution, event_id, event_type, data, now, triggeredid=scope.triggered_id)


def chained_trigger(
    execution: Execution, stage: str, sequence: str, event_id: str, now: datetime
) -> KeptnEvent:
    """``sh.keptn.event.<stage>.<sequence>.triggered`` for a sequence the finished one starts: the
    accumulated payload in the new stage; the revision is resolved again when it is received."""
    data = accumulated(execution)
    data["stage"] = stage
    event_type = sequence_type(stage, sequence, "triggered")
    return _event(execution, event_id, event_type, data, now, triggeredid="", gitcommitid="")


def sequence_rejected(
    trigger: KeptnEvent, stage: str, sequence: str, message: str, event_id: str, now: datetime
) -> KeptnEvent:
    """The errored ``<stage>.<sequence>.finished`` for a trigger that cannot start (§1.7)."""
    data: dict[str, Any] = {"project": trigger.project, "stage": trigger.stage, "service": trigger.service}
    labels = trigger.data.get("labels")
    if isinstance(labels, Mapping) and labels:
        data["labels"] = dict(labels)
    data.update(status="errored", result="fail", message=message)
    return KeptnEvent(
        id=event_id,
        type=sequence_type(stage, sequence, "finished"),
        source=CONTROLLER,
        time=now,
        shkeptncontext=trigger.shkeptncontext,
        data=data,
        triggeredid=trigger.id,
        gitcommitid=trigger.gitcommitid,
    )


def _event(
    execution: Execution,
    event_id: str,
    event_type: str,
    data: Mapping[str, Any],
    now: datetime,
    *,
    triggeredid: str,
    gitcommitid: str | None = None,
) -> KeptnEvent:
    scope = execution.scope
    return KeptnEvent(
        id=event_id,
        type=event_type,
        source=CONTROLLER,
        time=now,
        shkeptncontext=scope.keptn_context,
        data=dict(data),
        triggeredid=triggeredid,
        gitcommitid=scope.gitcommitid if gitcommitid is None else gitcommitid,
    )


def configured_image(data: Mapping[str, Any]) -> str:
    """``configurationChange.values.image`` of an event's data (what a delivery deploys), or ""."""
    change = data.get("configurationChange")
    values = change.get("values") if isinstance(change, Mapping) else None
    image = values.get("image") if isinstance(values, Mapping) else None
    return image if isinstance(image, str) else ""
