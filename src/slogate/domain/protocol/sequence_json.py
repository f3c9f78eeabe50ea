"""Sequences as Keptn's JSON: ``SequenceExecution`` (§3.1, extras under ``slogate``) and ``SequenceState``.

The document has Keptn's shape (keptn/keptn shipyard-controller/models/sequence_execution.go,
eventscope.go; keptn/go-utils pkg/lib/v0_2_0 ``Sequence``), so ``GET /sequence-execution`` can
return it after dropping the ``slogate`` key. That key holds what Keptn keeps elsewhere (in its
event queue) or not at all, so that :func:`execution_from_json` rebuilds the execution exactly:
the current task's due and sent times, its own timeout, the ids of its replies, when the
execution last started, and the key order of each trigger's ``selector.match`` (a PostgreSQL
``jsonb`` object does not keep it). Times are RFC 3339 in UTC with microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slogate.domain.evaluation.window import parse_time
from slogate.domain.protocol.ingestion import format_rfc3339
from slogate.domain.sequencing.execution import CurrentTask, Execution, Scope, State, TaskOutcome, TaskReply
from slogate.domain.sequencing.shipyard import Task, TaskSequence, Trigger
from slogate.domain.sequencing.state_view import EventReference, SequenceState, StageState
from slogate.errors import StoredDataError

SCHEMA_VERSION = "1"
EXTRA = "slogate"  # the key of slogate's own fields; the API leaves it out

JSONObject = dict[str, Any]


class SequenceDocumentError(StoredDataError, ValueError):
    """A document that :func:`execution_from_json` cannot read; the message says what is wrong."""

    code = "invalid_sequence_document"


# --- encoding ------------------------------------------------------------------------------------


def execution_to_json(execution: Execution) -> JSONObject:
    """Keptn's ``SequenceExecution`` document of ``execution``, plus the ``slogate`` key."""
    return {
        "_id": execution.id,
        "schemaVersion": SCHEMA_VERSION,
        "sequence": _sequence_to_json(execution.sequence),
        "status": _status_to_json(execution),
        "scope": _scope_to_json(execution.scope),
        "inputProperties": dict(execution.input_properties),
        "triggeredAt": format_time(execution.triggered_at),
        EXTRA: _extra_to_json(execution),
    }


def execution_to_public_json(execution: Execution) -> JSONObject:
    """Keptn's ``SequenceExecution`` document as the API sends it: without slogate's own bookkeeping."""
    document = execution_to_json(execution)
    del document[EXTRA]
    return document


def format_time(value: datetime) -> str:
    """``value`` as RFC 3339 in UTC with microseconds (``2024-05-01T12:00:00.000000Z``)."""
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} (a timezone is required)")
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _optional_time(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


def _sequence_to_json(sequence: TaskSequence) -> JSONObject:
    """Keptn's ``Sequence``: name, ``triggeredOn`` with selectors, tasks with their properties."""
    return {
        "name": sequence.name,
        "triggeredOn": [
            {"event": trigger.event, "selector": {"match": _match_to_json(trigger.match)}}
            for trigger in sequence.triggered_on
        ],
        "tasks": [
            {"name": task.name, "triggeredAfter": task.triggered_after, "properties": task.properties}
            for task in sequence.tasks
        ],
    }


def _match_to_json(match: tuple[tuple[str, str], ...] | None) -> dict[str, str] | None:
    return None if match is None else dict(match)


def _status_to_json(execution: Execution) -> JSONObject:
    """Keptn's ``SequenceExecutionStatus``; no current task is Keptn's zero value (empty name and id)."""
    before = execution.state_before_pause
    return {
        "state": execution.state.value,
        "stateBeforePause": "" if before is None else before.value,
        "previousTasks": [_outcome_to_json(outcome) for outcome in execution.previous_tasks],
        "currentTask": _current_to_json(execution.current_task),
    }


def _outcome_to_json(outcome: TaskOutcome) -> JSONObject:
    return {
        "name": outcome.name,
        "triggeredID": outcome.triggered_id,
        "result": outcome.result,
        "status": outcome.status,
        "properties": dict(outcome.properties),
    }


def _current_to_json(task: CurrentTask | None) -> JSONObject:
    if task is None:
        return {"name": "", "triggeredID": "", "events": []}
    return {
        "name": task.name,
        "triggeredID": task.triggered_id,
        "events": [_reply_to_json(reply) for reply in task.replies],
    }


def _reply_to_json(reply: TaskReply) -> JSONObject:
    """Keptn's ``TaskEvent`` (it has no event id; slogate keeps the ids in its own part)."""
    return {
        "eventType": reply.event_type,
        "source": reply.source,
        "result": reply.result,
        "status": reply.status,
        "time": format_time(reply.time),
        "properties": dict(reply.properties),
    }


def _scope_to_json(scope: Scope) -> JSONObject:
    """Keptn's ``EventScope``: the event data fields, the context, the trigger's id and type."""
    return {
        "project": scope.project,
        "stage": scope.stage,
        "service": scope.service,
        "labels": dict(scope.labels),
        "status": scope.status,
        "result": scope.result,
        "message": scope.message,
        "keptnContext": scope.keptn_context,
        "triggeredId": scope.triggered_id,
        "gitcommitid": scope.gitcommitid,
        "eventType": scope.event_type,
    }


def _extra_to_json(execution: Execution) -> JSONObject:
    """What Keptn's document lacks: start time, match key order and the current task's timing."""
    task = execution.current_task
    return {
        "startedAt": _optional_time(execution.started_at),
        "matchKeys": [
            None if trigger.match is None else [key for key, _ in trigger.match]
            for trigger in execution.sequence.triggered_on
        ],
        "currentTask": None
        if task is None
        else {
            "due": format_time(task.due),
            "sentAt": _optional_time(task.sent_at),
            "timeoutSeconds": task.timeout_seconds,
            "eventIds": [reply.event_id for reply in task.replies],
        },
    }


def state_to_json(state: SequenceState) -> JSONObject:
    """Keptn's ``SequenceState`` document (``GET /sequence/{project}``); times as Go's RFC 3339,
    optional parts (``problemTitle``, a stage's ``image`` and latest events) only when present."""
    document: JSONObject = {
        "name": state.name,
        "service": state.service,
        "project": state.project,
        "time": format_rfc3339(state.time),
        "shkeptncontext": state.keptn_context,
        "state": state.state,
        "stages": [_stage_to_json(stage) for stage in state.stages],
    }
    if state.problem_title:
        document["problemTitle"] = state.problem_title
    return document


def _stage_to_json(stage: StageState) -> JSONObject:
    entry: JSONObject = {"name": stage.name, "state": stage.state}
    if stage.image:
        entry["image"] = stage.image
    if stage.latest_evaluation is not None:
        evaluation = stage.latest_evaluation
        entry["latestEvaluation"] = {"result": evaluation.result, "score": evaluation.score}
    if stage.latest_event is not None:
        entry["latestEvent"] = _reference_to_json(stage.latest_event)
    if stage.latest_failed_event is not None:
        entry["latestFailedEvent"] = _reference_to_json(stage.latest_failed_event)
    if stage.result:
        entry["result"] = stage.result  # slogate's addition: Keptn's state alone hides a declined approval
    return entry


def _reference_to_json(reference: EventReference) -> dict[str, str]:
    return {"type": reference.type, "id": reference.id, "time": format_rfc3339(reference.time)}


# --- decoding ------------------------------------------------------------------------------------


def execution_from_json(document: Mapping[str, Any]) -> Execution:
    """The execution that :func:`execution_to_json` made ``document`` from.

    Raises :class:`SequenceDocumentError` when the document lacks a part or has one of the wrong type.
    """
    try:
        return _execution(document)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise SequenceDocumentError(f"not a sequence execution document: {error!r}") from None


def _parse_time(text: str) -> datetime:
    """The aware UTC datetime of an RFC 3339 text; a text without an offset is refused."""
    return parse_time(text, require_offset=True)


def _optional_parse(text: str | None) -> datetime | None:
    return None if text is None else _parse_time(text)


def _execution(document: Mapping[str, Any]) -> Execution:
    extra = document[EXTRA]
    status = document["status"]
    before = status["stateBeforePause"]
    return Execution(
        id=document["_id"],
        sequence=_sequence(document["sequence"], extra["matchKeys"]),
        scope=_scope(document["scope"]),
        state=State(status["state"]),
        triggered_at=_parse_time(document["triggeredAt"]),
        input_properties=dict(document["inputProperties"]),
        state_before_pause=State(before) if before else None,
        previous_tasks=tuple(_outcome(item) for item in status["previousTasks"]),
        current_task=_current(status["currentTask"], extra["currentTask"]),
        started_at=_optional_parse(extra["startedAt"]),
    )


def _sequence(node: Mapping[str, Any], match_keys: list[list[str] | None]) -> TaskSequence:
    triggers = node["triggeredOn"] or []
    return TaskSequence(
        name=node["name"],
        triggered_on=tuple(
            _trigger(item, match_keys[index] if index < len(match_keys) else None)
            for index, item in enumerate(triggers)
        ),
        tasks=tuple(
            Task(item["name"], item.get("triggeredAfter") or "", item.get("properties"))
            for item in node["tasks"] or []
        ),
    )


def _trigger(node: Mapping[str, Any], keys: list[str] | None) -> Trigger:
    """A trigger; its match in the stored key order (keys the order does not name follow)."""
    match = (node.get("selector") or {}).get("match")
    if match is None:
        return Trigger(node["event"])
    ordered = [key for key in keys or [] if key in match]
    ordered += [key for key in match if key not in ordered]
    return Trigger(node["event"], tuple((key, str(match[key])) for key in ordered))


def _outcome(node: Mapping[str, Any]) -> TaskOutcome:
    return TaskOutcome(
        name=node["name"],
        triggered_id=node["triggeredID"],
        result=node["result"],
        status=node["status"],
        properties=dict(node["properties"] or {}),
    )


def _current(node: Mapping[str, Any], extra: Mapping[str, Any] | None) -> CurrentTask | None:
    """The current task; slogate's part says whether there is one (Keptn's zero value is no task)."""
    if extra is None:
        return None
    events = node["events"] or []
    event_ids = extra["eventIds"]
    timeout = extra["timeoutSeconds"]
    return CurrentTask(
        name=node["name"],
        triggered_id=node["triggeredID"],
        due=_parse_time(extra["due"]),
        sent_at=_optional_parse(extra["sentAt"]),
        timeout_seconds=None if timeout is None else float(timeout),
        replies=tuple(_reply(event, event_id) for event, event_id in zip(events, event_ids, strict=True)),
    )


def _reply(node: Mapping[str, Any], event_id: str) -> TaskReply:
    return TaskReply(
        event_id=event_id,
        event_type=node["eventType"],
        source=node["source"],
        time=_parse_time(node["time"]),
        result=node["result"],
        status=node["status"],
        properties=dict(node["properties"] or {}),
    )


def _scope(node: Mapping[str, Any]) -> Scope:
    return Scope(
        project=node["project"],
        stage=node["stage"],
        service=node["service"],
        keptn_context=node["keptnContext"],
        triggered_id=node["triggeredId"],
        event_type=node["eventType"],
        gitcommitid=node["gitcommitid"],
        labels={str(key): str(value) for key, value in (node["labels"] or {}).items()},
        status=node["status"],
        result=node["result"],
        message=node["message"],
    )
