"""Alertmanager's payload read into routed or skipped alerts; Keptn problem events routed and projected."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slogate.domain.protocol import alertmanager as am
from slogate.domain.protocol import problem_log as pl
from slogate.domain.protocol.gate_events import KeptnEvent

ROUTE = {"project": "fulltour", "stage": "production", "service": "helloservice"}
T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def alert(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "status": "firing",
        "labels": {**ROUTE, "alertname": "rt", "deployment": "primary", "pod_name": "hello-1"},
        "annotations": {"summary": "response_time_p95", "description": "too slow"},
        "startsAt": "2026-12-07T02:00:00Z",
        "generatorURL": "http://127.0.0.1:9090/graph",
        "fingerprint": "abc",
    }
    base.update(fields)
    return base


def read_one(item: Any) -> am.Alert | am.Skipped:
    [outcome] = am.read_payload({"version": "4", "alerts": [item]})
    return outcome


def test_a_routed_alert_and_the_events_it_becomes() -> None:
    routed = read_one(alert())
    assert isinstance(routed, am.Alert)
    assert routed.keptn_context == str(uuid.uuid5(am.CONTEXT_NAMESPACE, "abc|2026-12-07T02:00:00Z"))
    trigger = am.remediation_trigger(routed)
    assert trigger["type"] == "sh.keptn.event.production.remediation.triggered"
    assert trigger["source"] == "prometheus"
    assert trigger["shkeptncontext"] == routed.keptn_context
    assert trigger["data"]["problem"] == {
        "State": "OPEN",
        "ProblemID": "abc",
        "ProblemTitle": "response_time_p95",
        "ProblemDetails": {"problemDetails": "too slow"},
        "ProblemURL": "http://127.0.0.1:9090/graph",
        "ImpactedEntity": "hello-1",
        **ROUTE,
        "labels": {"deployment": "primary"},
    }
    assert trigger["data"]["deployment"] == {"deploymentNames": ["primary"]}
    closing = am.problem_event(routed, am.CLOSED)
    assert closing["type"] == "sh.keptn.events.problem"
    assert closing["data"]["State"] == "CLOSED"
    assert closing["shkeptncontext"] == routed.keptn_context


def test_without_deployment_summary_or_fingerprint() -> None:
    labels = {**ROUTE, "alertname": "rt"}
    routed = read_one(alert(labels=labels, annotations={"summary": 5}, fingerprint=None))
    assert isinstance(routed, am.Alert)
    assert routed.title == "rt"  # the alert name when there is no summary
    assert routed.fingerprint == am.labels_fingerprint(labels)
    assert am.remediation_trigger(routed)["data"]["deployment"] == {"deploymentNames": []}
    assert am.labels_fingerprint(labels) != am.labels_fingerprint({**labels, "x": "y"})


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("text", "alerts[0] is a string, not an object"),
        (alert(status="pending"), "neither 'firing' nor 'resolved'"),
        (alert(labels={"project": "fulltour"}), "the label(s) stage, service missing"),
        (
            alert(labels={**ROUTE, "project": "Full Tour"}),
            "the project label 'Full Tour' is not a Keptn name",
        ),
        (alert(labels={**ROUTE, "stage": "prod.remediation"}), "the stage label"),
        (alert(labels={**ROUTE, "stage": "a" * 300}), "…' is not a Keptn name"),
        (alert(labels={**ROUTE, "service": "../etc"}), "the service label '../etc' is not a service name"),
        (alert(labels={**ROUTE, "service": "s" * 201}), "is not a service name"),
        (alert(labels=["project"]), "the label(s) project, stage, service missing"),
    ],
)
def test_an_unroutable_alert_is_skipped_with_the_reason(item: Any, reason: str) -> None:
    skipped = read_one(item)
    assert isinstance(skipped, am.Skipped)
    assert reason in skipped.reason
    assert skipped.index == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "must be a JSON object"),
        ({"version": 4, "alerts": []}, "unsupported Alertmanager webhook version 4"),
        ({"alerts": {}}, "'alerts' must be a list of alerts, not an object"),
    ],
)
def test_a_body_that_is_no_payload(body: Any, message: str) -> None:
    with pytest.raises(am.AlertPayloadError) as raised:
        am.read_payload(body)
    assert message in str(raised.value)


def test_every_alert_of_the_group_counts() -> None:
    outcomes = am.read_payload({"alerts": [alert(fingerprint=str(n)) for n in range(3)]})  # no version: 4
    assert [item.fingerprint for item in outcomes] == ["0", "1", "2"]


def event(data: dict[str, Any], context: str = "c1", at: int = 0, source: str = "dynatrace") -> KeptnEvent:
    return KeptnEvent(
        id=str(uuid.uuid4()),
        type="sh.keptn.events.problem",
        source=source,
        time=T0 + timedelta(minutes=at),
        shkeptncontext=context,
        data=data,
    )


@pytest.mark.parametrize(
    ("state", "read"),
    [
        ("OPEN", "OPEN"),
        ("open", "OPEN"),
        ("CLOSED", "CLOSED"),
        ("RESOLVED", "CLOSED"),
        ("other", ""),
        (1, ""),
    ],
)
def test_problem_state(state: Any, read: str) -> None:
    assert pl.problem_state({"State": state}) == read


def test_routing_tags_first_then_keptn_fields_then_plain_fields() -> None:
    tags = "keptn_project:p1, keptn_stage:s1,keptn_service:svc, other:x, keptn_stage:"
    assert pl.route({"Tags": tags, "KeptnProject": "p2"}) == pl.Route("p1", "s1", "svc")
    assert pl.route({"KeptnProject": "p2", "KeptnStage": "s2", "KeptnService": "v"}) == pl.Route(
        "p2", "s2", "v"
    )
    assert pl.route(dict(ROUTE)) == pl.Route("fulltour", "production", "helloservice")
    assert pl.route({"KeptnProject": "p2", "KeptnStage": "s2"}) is None
    assert pl.route({"KeptnProject": "p2", "KeptnStage": "a.b", "KeptnService": "v"}) is None
    assert pl.route({**ROUTE, "service": "a/b"}) is None
    assert pl.route({**ROUTE, "Tags": ["keptn_stage:x"]}) == pl.Route(
        "fulltour", "production", "helloservice"
    )


def test_prepared_problem_event() -> None:
    raw = {
        "type": "sh.keptn.events.problem",
        "source": "dynatrace",
        "data": {"PID": "7", "Tags": "", **ROUTE},
    }
    ready = pl.prepared(raw)
    assert ready["shkeptncontext"] == str(uuid.uuid5(am.CONTEXT_NAMESPACE, "problem|dynatrace|7"))
    assert ready["data"]["project"] == "fulltour"
    given = pl.prepared({**raw, "shkeptncontext": "mine"})
    assert given["shkeptncontext"] == "mine"
    unrouted = pl.prepared({"source": 5, "data": {"ProblemID": "P-1"}})
    assert unrouted["data"] == {"ProblemID": "P-1"}
    assert unrouted["shkeptncontext"] == str(uuid.uuid5(am.CONTEXT_NAMESPACE, "problem||P-1"))
    assert pl.prepared({"data": "x"}) == {"data": "x"}
    assert "shkeptncontext" not in pl.prepared({"data": {}})


def test_the_remediation_an_open_problem_starts() -> None:
    data = {"State": "OPEN", "ProblemTitle": "slow", "ProblemURL": "http://127.0.0.1:9/p", **ROUTE}
    where = pl.route(data)
    assert where is not None
    trigger = pl.remediation_for(event(data), where)
    assert trigger["type"] == "sh.keptn.event.production.remediation.triggered"
    assert trigger["shkeptncontext"] == "c1"
    assert trigger["source"] == "dynatrace"
    assert trigger["data"]["problem"] == data
    assert trigger["data"]["labels"] == {"Problem URL": "http://127.0.0.1:9/p"}


def test_problems_are_one_per_context_newest_first() -> None:
    found = pl.problems_of(
        [
            event({"State": "CLOSED", **ROUTE}, "a", at=5),
            event({"State": "OPEN", "PID": "1", "ProblemTitle": "first", **ROUTE}, "a", at=1),
            event({"State": "OPEN", "ProblemTitle": "again", **ROUTE}, "a", at=2),
            event(
                {"State": "OPEN", "ProblemID": "f", "problemTitle": "second", **ROUTE},
                "b",
                at=3,
                source="prometheus",
            ),
            event({"State": "CLOSED"}, "c", at=4),  # closing without an opening: no problem
            event({"State": "??"}, "d", at=4),
            KeptnEvent(
                id="x", type="sh.keptn.event.x.triggered", source="s", time=T0, shkeptncontext="e", data={}
            ),
        ]
    )
    assert [(p.keptn_context, p.state, p.title, p.source_id) for p in found] == [
        ("b", "open", "second", "f"),
        ("a", "closed", "first", "1"),
    ]
    shown = found[1].to_json()
    assert shown["openedAt"] == "2026-12-07T02:01:00.000Z"
    assert shown["closedAt"] == "2026-12-07T02:05:00.000Z"
    assert found[0].to_json()["closedAt"] is None
    assert shown["project"] == "fulltour"


@pytest.mark.parametrize("key", ["state", "STATE", "sTaTe"])
def test_problem_state_reads_the_key_in_any_case(key: str) -> None:
    """As Go's JSON decoding (and the get-action answerer) read it: ``state`` closes a problem too."""
    assert pl.problem_state({key: "closed"}) == "CLOSED"
    assert pl.problem_state({key: "open"}) == "OPEN"
