"""Sequence executions as Keptn's SequenceExecution JSON: the shape, exact round trips, bad documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slogate.domain.evaluation.window import parse_time
from slogate.domain.protocol.sequence_json import (
    EXTRA,
    SequenceDocumentError,
    execution_from_json,
    execution_to_json,
    execution_to_public_json,
    format_time,
)
from slogate.domain.sequencing.execution import CurrentTask, Execution, Scope, State, TaskOutcome, TaskReply
from slogate.domain.sequencing.shipyard import Task, TaskSequence, Trigger

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
DELIVERY = TaskSequence(
    "delivery",
    triggered_on=(Trigger("qa.delivery.finished", (("result", "pass"), ("deployment.result", "warning"))),),
    tasks=(
        Task("deployment", properties={"deploymentstrategy": "blue_green_service"}),
        Task("test", triggered_after="5m", properties=None),
        Task("release"),
    ),
)
SCOPE = Scope(
    project="sockshop",
    stage="production",
    service="carts",
    keptn_context="ctx-1",
    triggered_id="trigger-1",
    event_type="sh.keptn.event.production.delivery.triggered",
    gitcommitid="abc123",
    labels={"buildId": "7"},
)


def running() -> Execution:
    """A paused production delivery: deployment passed, test sent and answered with started and finished."""
    return Execution(
        id="exec-1",
        sequence=DELIVERY,
        scope=SCOPE,
        state=State.PAUSED,
        triggered_at=T0,
        input_properties={"configurationChange": {"values": {"image": "carts:0.1.2"}}},
        state_before_pause=State.STARTED,
        previous_tasks=(TaskOutcome("deployment", "task-1", "pass", "succeeded", {"deployment": {"x": 1}}),),
        current_task=CurrentTask(
            name="test",
            triggered_id="task-2",
            due=T0 + timedelta(minutes=5),
            sent_at=T0 + timedelta(minutes=5, microseconds=17),
            timeout_seconds=900.0,
            replies=(
                TaskReply(
                    "reply-1", "sh.keptn.event.test.started", "jmeter-service", T0 + timedelta(minutes=6)
                ),
                TaskReply(
                    "reply-2",
                    "sh.keptn.event.test.finished",
                    "jmeter-service",
                    T0 + timedelta(minutes=9),
                    result="pass",
                    status="succeeded",
                    properties={"test": {"start": "s", "end": "e"}},
                ),
            ),
        ),
        started_at=T0 + timedelta(seconds=1),
    )


def test_document_has_keptns_sequence_execution_shape() -> None:
    """Every field Keptn's SequenceExecution has, with its names; slogate's own fields under one key."""
    document = execution_to_json(running())

    assert document == {
        "_id": "exec-1",
        "schemaVersion": "1",
        "sequence": {
            "name": "delivery",
            "triggeredOn": [
                {
                    "event": "qa.delivery.finished",
                    "selector": {"match": {"result": "pass", "deployment.result": "warning"}},
                }
            ],
            "tasks": [
                {
                    "name": "deployment",
                    "triggeredAfter": "",
                    "properties": {"deploymentstrategy": "blue_green_service"},
                },
                {"name": "test", "triggeredAfter": "5m", "properties": None},
                {"name": "release", "triggeredAfter": "", "properties": None},
            ],
        },
        "status": {
            "state": "paused",
            "stateBeforePause": "started",
            "previousTasks": [
                {
                    "name": "deployment",
                    "triggeredID": "task-1",
                    "result": "pass",
                    "status": "succeeded",
                    "properties": {"deployment": {"x": 1}},
                }
            ],
            "currentTask": {
                "name": "test",
                "triggeredID": "task-2",
                "events": [
                    {
                        "eventType": "sh.keptn.event.test.started",
                        "source": "jmeter-service",
                        "result": "",
                        "status": "",
                        "time": "2024-05-01T12:06:00.000000Z",
                        "properties": {},
                    },
                    {
                        "eventType": "sh.keptn.event.test.finished",
                        "source": "jmeter-service",
                        "result": "pass",
                        "status": "succeeded",
                        "time": "2024-05-01T12:09:00.000000Z",
                        "properties": {"test": {"start": "s", "end": "e"}},
                    },
                ],
            },
        },
        "scope": {
            "project": "sockshop",
            "stage": "production",
            "service": "carts",
            "labels": {"buildId": "7"},
            "status": "",
            "result": "",
            "message": "",
            "keptnContext": "ctx-1",
            "triggeredId": "trigger-1",
            "gitcommitid": "abc123",
            "eventType": "sh.keptn.event.production.delivery.triggered",
        },
        "inputProperties": {"configurationChange": {"values": {"image": "carts:0.1.2"}}},
        "triggeredAt": "2024-05-01T12:00:00.000000Z",
        "slogate": {
            "startedAt": "2024-05-01T12:00:01.000000Z",
            "matchKeys": [["result", "deployment.result"]],
            "currentTask": {
                "due": "2024-05-01T12:05:00.000000Z",
                "sentAt": "2024-05-01T12:05:00.000017Z",
                "timeoutSeconds": 900.0,
                "eventIds": ["reply-1", "reply-2"],
            },
        },
    }
    assert execution_from_json(json.loads(json.dumps(document))) == running()


def test_no_current_task_is_keptns_zero_value() -> None:
    """A queued execution: empty current task as Keptn has it, no state before pause, nothing extra."""
    queued = Execution(
        "exec-2", TaskSequence("evaluation", tasks=(Task("evaluation"),)), SCOPE, State.TRIGGERED, T0
    )

    document = execution_to_json(queued)

    assert document["status"] == {
        "state": "triggered",
        "stateBeforePause": "",
        "previousTasks": [],
        "currentTask": {"name": "", "triggeredID": "", "events": []},
    }
    assert document[EXTRA] == {"startedAt": None, "matchKeys": [], "currentTask": None}
    assert execution_from_json(document) == queued


def test_times_are_written_in_utc_and_read_back_as_utc() -> None:
    """An offset time becomes UTC text with microseconds; reading gives the same instant, in UTC."""
    local = datetime(2024, 5, 1, 14, 30, 0, 5, tzinfo=timezone(timedelta(hours=2)))

    text = format_time(local)

    assert text == "2024-05-01T12:30:00.000005Z"
    assert parse_time(text) == local
    assert parse_time(text).tzinfo is UTC
    assert parse_time("2024-05-01T14:30:00+02:00") == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def test_naive_times_are_refused_both_ways() -> None:
    """A time without an offset is ambiguous: encoding refuses it, decoding reports the document."""
    with pytest.raises(ValueError, match="naive datetime"):
        execution_to_json(Execution("e", DELIVERY, SCOPE, State.TRIGGERED, datetime(2024, 5, 1)))
    with pytest.raises(ValueError, match="has no offset"):
        parse_time("2024-05-01T12:00:00", require_offset=True)

    document = execution_to_json(running())
    document["triggeredAt"] = "2024-05-01T12:00:00"
    with pytest.raises(SequenceDocumentError, match="has no offset"):
        execution_from_json(document)


def test_match_key_order_survives_a_store_that_sorts_keys() -> None:
    """PostgreSQL's jsonb reorders object keys; the stored key order puts them back."""
    document = execution_to_json(running())
    resorted = json.loads(json.dumps(document, sort_keys=True))

    assert list(resorted["sequence"]["triggeredOn"][0]["selector"]["match"]) == [
        "deployment.result",
        "result",
    ]
    assert execution_from_json(resorted) == running()


def test_keptn_zero_values_and_a_missing_key_order_are_read() -> None:
    """Go's nulls for empty lists and maps read as empty; without a key order, the document's order."""
    document = execution_to_json(running())
    document["sequence"]["triggeredOn"].append(
        {"event": "dev.delivery.finished", "selector": {"match": None}}
    )
    document["sequence"]["triggeredOn"].append({"event": "hardening.delivery.finished", "selector": {}})
    document["sequence"]["triggeredOn"].append({"event": "qa.evaluation.finished"})
    document["sequence"]["triggeredOn"].append(
        {"event": "x.y.finished", "selector": {"match": {"b": "1", "a": "2"}}}
    )
    document["status"]["previousTasks"][0]["properties"] = None
    document["status"]["currentTask"]["events"][1]["properties"] = None
    document["scope"]["labels"] = None
    document[EXTRA]["matchKeys"] = [["deployment.result", "unknown"]]

    execution = execution_from_json(document)

    assert [trigger.match for trigger in execution.sequence.triggered_on] == [
        (("deployment.result", "warning"), ("result", "pass")),
        None,
        None,
        None,
        (("b", "1"), ("a", "2")),
    ]
    assert execution.previous_tasks[0].properties == {}
    assert execution.current_task is not None
    assert execution.current_task.replies[1].properties == {}
    assert execution.scope.labels == {}

    document["sequence"]["triggeredOn"] = None
    document["sequence"]["tasks"] = None
    document["status"]["currentTask"]["events"] = None
    document[EXTRA]["currentTask"]["eventIds"] = []
    bare = execution_from_json(document)
    assert (bare.sequence.triggered_on, bare.sequence.tasks) == ((), ())
    assert bare.current_task is not None
    assert bare.current_task.replies == ()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.pop(EXTRA), "'slogate'"),
        (lambda d: d["status"].update(state="running"), "'running' is not a valid State"),
        (lambda d: d["status"].update(previousTasks=[{"name": "x"}]), "'triggeredID'"),
        (lambda d: d[EXTRA]["currentTask"].update(eventIds=["only-one"]), "zip"),
        (lambda d: d.update(triggeredAt=5), "TypeError"),
        (lambda d: d.update(inputProperties=[1]), "TypeError"),
        (lambda d: d["sequence"].update(triggeredOn=["text"]), "AttributeError"),
    ],
)
def test_unreadable_documents_raise_one_error(change: Any, reason: str) -> None:
    """A missing part or a wrong type is a SequenceDocumentError naming the problem, never another error."""
    document = execution_to_json(running())
    change(document)

    with pytest.raises(SequenceDocumentError, match="not a sequence execution document") as raised:
        execution_from_json(document)

    assert reason in str(raised.value)


# --- property: every execution survives JSON text both ways ---------------------------------------

texts = st.text(max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(texts, json_values, max_size=3)
zones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5, minutes=30))])
times = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=zones)
states = st.sampled_from(list(State))

triggers = st.builds(
    Trigger,
    texts,
    st.none() | st.dictionaries(texts, texts, max_size=3).map(lambda match: tuple(match.items())),
)
sequences = st.builds(
    TaskSequence,
    texts,
    st.lists(triggers, max_size=3).map(tuple),
    st.lists(st.builds(Task, texts, texts, json_values), max_size=3).map(tuple),
)
scopes = st.builds(
    Scope,
    texts,
    texts,
    texts,
    texts,
    texts,
    texts,
    texts,
    st.dictionaries(texts, texts, max_size=3),
    texts,
    texts,
    texts,
)
replies = st.builds(
    TaskReply,
    texts,
    st.sampled_from(["sh.keptn.event.test.started", "sh.keptn.event.test.finished"]),
    texts,
    times,
    texts,
    texts,
    json_objects,
)
current_tasks = st.builds(
    CurrentTask,
    texts,
    texts,
    times,
    st.none() | times,
    st.none() | st.floats(min_value=0, max_value=1e9, allow_nan=False),
    st.lists(replies, max_size=3).map(tuple),
)
executions = st.builds(
    Execution,
    texts,
    sequences,
    scopes,
    states,
    times,
    json_objects,
    st.none() | states,
    st.lists(st.builds(TaskOutcome, texts, texts, texts, texts, json_objects), max_size=3).map(tuple),
    st.none() | current_tasks,
    st.none() | times,
)


@settings(max_examples=200, deadline=None)
@given(executions)
def test_every_execution_round_trips_through_json_text(execution: Execution) -> None:
    """Encode, write as JSON text with sorted keys (as jsonb may), read, decode: the same execution."""
    text = json.dumps(execution_to_json(execution), sort_keys=True)

    assert execution_from_json(json.loads(text)) == execution


def test_the_public_document_is_keptns_without_slogates_part() -> None:
    full = execution_to_json(running())
    public = execution_to_public_json(running())
    assert EXTRA not in public
    assert list(public) == [
        "_id",
        "schemaVersion",
        "sequence",
        "status",
        "scope",
        "inputProperties",
        "triggeredAt",
    ]
    assert public == {key: value for key, value in full.items() if key != EXTRA}
