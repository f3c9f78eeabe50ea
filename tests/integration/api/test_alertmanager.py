"""Problems in through the API: Alertmanager's webhook and Keptn's problem events open problems, start one
remediation per problem, and close them (aborting the remediation); the problems are listed per project."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate.api.context import ServerContext
from slogate.domain.protocol import alertmanager as am
from slogate.domain.protocol.alertmanager import alert_context
from slogate.domain.protocol.gate_events import KeptnEvent
from tests.support.delivery import CONTROL_PLANE, TOKEN, create_project, delivery_server, events, settle
from tests.support.executors import ScriptedExecutor, passing
from tests.support.postgres import needs_postgres

ALERTMANAGER = "/api/v1/alertmanager"
PROBLEMS = "/api/slogate/v1/project/fulltour/problem"
REMEDIATION = "sh.keptn.event.production.remediation.triggered"
PROBLEM = "sh.keptn.events.problem"
STARTS = "2026-12-07T02:00:00.000Z"


# The remediation sequence runs one action that starts and never finishes, so that the remediation stays
# running until a closed problem aborts it (how get-action chooses actions is not tested here).
SHIPYARD = """apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: problems}
spec:
  stages:
    - {name: qa, sequences: [{name: delivery, tasks: [{name: deployment}]}]}
    - name: production
      sequences:
        - name: remediation
          triggeredOn:
            - {event: production.remediation.finished, selector: {match: {evaluation.result: fail}}}
          tasks: [{name: action}, {name: evaluation}]
"""


def hanging_action(event: KeptnEvent) -> Mapping[str, Any] | None:
    """The action starts and never finishes (the remediation stays running)."""
    return None if event.type == "sh.keptn.event.action.triggered" else passing(event)


def alert(status: str = "firing", fingerprint: str = "f00d", **labels: str) -> dict[str, Any]:
    routing = {"project": "fulltour", "stage": "production", "service": "helloservice"}
    return {
        "status": status,
        "labels": {"alertname": "response_time_p95", "deployment": "primary", **routing, **labels},
        "annotations": {"summary": "response_time_p95", "description": "p95 > 600ms"},
        "startsAt": STARTS,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=x",
        "fingerprint": fingerprint,
    }


def notification(*alerts: Any, status: str = "firing") -> dict[str, Any]:
    return {
        "receiver": "slogate",
        "status": status,
        "alerts": list(alerts),
        "groupLabels": {"alertname": "response_time_p95"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "version": "4",
        "groupKey": '{}:{alertname="response_time_p95"}',
        "truncatedAlerts": 0,
    }


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=needs_postgres),
    ]
)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """The tutorial's shipyard E (with a remediation sequence) on SQLite or PostgreSQL; the action hangs."""
    database_url, postgres, name = "", None, ""
    if request.param == "postgresql":
        postgres = request.getfixturevalue("postgres_server")
        name = postgres.create_database("template0")
        database_url = postgres.url(name)
    executor = ScriptedExecutor(tasks=("action", "deployment"), script=hanging_action)
    try:
        with delivery_server(tmp_path / "data", database_url, executor=executor) as (context, client, _):
            create_project(client, SHIPYARD)
            other = client.post(
                f"{CONTROL_PLANE}/project/fulltour/service", json={"serviceName": "otherservice"}
            )
            assert other.status_code == 200, other.text
            yield context, client, executor
    finally:
        if postgres is not None:
            postgres.drop_database(name)


def post(client: TestClient, body: Any, **headers: str) -> dict[str, Any]:
    response = client.post(ALERTMANAGER, json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def sequence_state(client: TestClient, keptn_context: str) -> str:
    states = client.get(f"{CONTROL_PLANE}/sequence/fulltour", params={"keptnContext": keptn_context}).json()
    return str(states["states"][0]["state"])


def test_a_firing_alert_starts_one_remediation_however_often_it_is_notified(server: Any) -> None:
    context, client, executor = server
    answers = [post(client, notification(alert())) for _ in range(5)]
    settle(context)
    keptn_context = alert_context("f00d", STARTS)
    assert [answer["opened"] for answer in answers] == [1, 0, 0, 0, 0]
    assert [answer["updated"] for answer in answers] == [0, 1, 1, 1, 1]
    triggered = events(client, keptn_context, REMEDIATION)
    assert len(triggered) == 1
    assert triggered[0]["source"] == "prometheus"
    data = triggered[0]["data"]
    assert data["problem"]["ProblemTitle"] == "response_time_p95"
    assert data["problem"]["State"] == "OPEN"
    assert data["deployment"] == {"deploymentNames": ["primary"]}
    assert data["labels"] == {"Problem URL": "http://127.0.0.1:9090/graph?g0.expr=x"}
    assert [event.type for event in executor.seen] == ["sh.keptn.event.action.triggered"]
    listed = client.get(PROBLEMS).json()["problems"]
    assert [(p["state"], p["sourceId"], p["keptnContext"], p["source"]) for p in listed] == [
        ("open", "f00d", keptn_context, "prometheus")
    ]
    assert sequence_state(client, keptn_context) == "started"
    states = client.get(f"{CONTROL_PLANE}/sequence/fulltour", params={"keptnContext": keptn_context}).json()
    assert states["states"][0]["problemTitle"] == "response_time_p95"


def test_a_resolved_alert_closes_the_problem_and_aborts_its_remediation(server: Any) -> None:
    context, client, executor = server
    post(client, notification(alert()))
    settle(context)
    keptn_context = alert_context("f00d", STARTS)
    assert [event.type for event in executor.seen][-1] == "sh.keptn.event.action.triggered"
    answer = post(client, notification(alert("resolved"), status="resolved"))
    settle(context)
    assert answer["closed"] == 1
    assert answer["keptnContexts"]["closed"] == [keptn_context]
    closing = [e for e in events(client, keptn_context, PROBLEM) if e["data"]["State"] == "CLOSED"]
    assert len(closing) == 1
    assert closing[0]["data"]["project"] == "fulltour"
    assert sequence_state(client, keptn_context) == "aborted"
    assert client.get(PROBLEMS, params={"state": "open"}).json()["problems"] == []
    closed = client.get(PROBLEMS, params={"state": "closed"}).json()["problems"]
    assert len(closed) == 1
    assert closed[0]["closedAt"] is not None
    again = post(client, notification(alert("resolved"), status="resolved"))  # notified again: nothing new
    assert again["closed"] == 0
    assert again["updated"] == 1


def test_every_alert_of_a_group_counts_and_unroutable_ones_are_reported(server: Any) -> None:
    context, client, _ = server
    body = notification(
        alert(fingerprint="a1"),
        alert(fingerprint="b2", service="otherservice"),
        alert(fingerprint="c3", stage=""),
        alert(fingerprint="d4", project="../../etc"),
        alert(fingerprint="e5", stage="production.remediation"),
        alert("resolved", fingerprint="f6"),
        "not an alert",
    )
    answer = post(client, body)
    settle(context)
    assert answer["opened"] == 2
    reasons = {item["fingerprint"]: item["reason"] for item in answer["skippedAlerts"]}
    assert "stage missing" in reasons["c3"]
    assert "not a Keptn name" in reasons["d4"]
    assert "not a Keptn name" in reasons["e5"]
    assert "never saw it firing" in reasons["f6"]
    assert answer["skipped"] == 5
    assert answer["skippedAlerts"][-1]["index"] == 6
    for fingerprint in ("a1", "b2"):
        assert len(events(client, alert_context(fingerprint, STARTS), REMEDIATION)) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"version": "3", "alerts": []}, "unsupported Alertmanager webhook version '3'"),
        ({"version": "4"}, "'alerts' must be a list"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_a_body_that_is_no_webhook_payload_is_a_clear_400(server: Any, body: Any, message: str) -> None:
    _, client, _ = server
    response = client.post(ALERTMANAGER, json=body)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_a_big_group_within_the_body_limit_is_read_whole(server: Any) -> None:
    _, client, _ = server
    body = notification(*(alert(fingerprint=f"x{index}", padding="p" * 500) for index in range(400)))
    answer = post(client, body)
    assert answer["opened"] == 400


@pytest.mark.parametrize(
    "headers",
    [{"authorization": f"Bearer {TOKEN}"}, {"x-token": TOKEN}, {"authorization": f"bearer  {TOKEN} "}],
)
def test_the_api_token_authenticates_as_bearer_or_x_token(server: Any, headers: dict[str, str]) -> None:
    _, client, _ = server
    client.headers.pop("x-token")
    assert client.post(ALERTMANAGER, json=notification(), headers=headers).status_code == 200


@pytest.mark.parametrize(
    "headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}]
)
def test_no_token_is_401(server: Any, headers: dict[str, str]) -> None:
    _, client, _ = server
    client.headers.pop("x-token")
    response = client.post(ALERTMANAGER, json=notification(alert()), headers=headers)
    assert response.status_code == 401
    client.headers["x-token"] = TOKEN
    assert client.get(PROBLEMS).json()["problems"] == []


def keptn_problem(state: str, pid: str = "-123456789") -> dict[str, Any]:
    return {
        "type": PROBLEM,
        "source": "dynatrace",
        "specversion": "1.0",
        "data": {
            "State": state,
            "PID": pid,
            "ProblemID": "P-42",
            "ProblemTitle": "Response time degradation",
            "ProblemURL": "http://127.0.0.1:9/problem",
            "Tags": "keptn_project:fulltour, keptn_stage:production, keptn_service:helloservice",
            "KeptnProject": "elsewhere",
        },
    }


def test_keptn_problem_events_open_and_close_a_problem(server: Any) -> None:
    context, client, _ = server
    opened = client.post("/api/v1/event", json=keptn_problem("OPEN")).json()["keptnContext"]
    again = client.post("/api/v1/event", json=keptn_problem("OPEN")).json()["keptnContext"]
    settle(context)
    assert again == opened
    triggered = events(client, opened, REMEDIATION)
    assert len(triggered) == 1
    assert triggered[0]["data"]["problem"]["ProblemTitle"] == "Response time degradation"
    assert triggered[0]["data"]["labels"] == {"Problem URL": "http://127.0.0.1:9/problem"}
    closed = client.post("/api/v1/event", json=keptn_problem("CLOSED")).json()["keptnContext"]
    settle(context)
    assert closed == opened
    assert sequence_state(client, opened) == "aborted"
    listed = client.get(PROBLEMS).json()["problems"]
    assert [(p["state"], p["sourceId"], p["source"], p["stage"]) for p in listed] == [
        ("closed", "-123456789", "dynatrace", "production")
    ]


def test_an_unrouted_problem_event_is_stored_as_before(server: Any) -> None:
    context, client, _ = server
    body = keptn_problem("OPEN")
    del body["data"]["Tags"]
    response = client.post("/api/v1/event", json=body, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 200
    settle(context)
    keptn_context = response.json()["keptnContext"]
    assert len(events(client, keptn_context, PROBLEM)) == 1
    assert events(client, keptn_context, REMEDIATION) == []


def test_the_listing_refuses_an_unknown_state(server: Any) -> None:
    _, client, _ = server
    assert client.get(PROBLEMS, params={"state": "sleeping"}).status_code in (400, 422)


@pytest.mark.parametrize(
    ("labels", "missing"),
    [({"project": "nowhere"}, "project"), ({"stage": "staging"}, "stage"), ({"service": "ghost"}, "service")],
)
def test_an_alert_for_an_unknown_project_stage_or_service_starts_nothing(
    server: Any, labels: dict[str, str], missing: str
) -> None:
    context, client, _ = server
    answer = post(client, notification(alert(**labels)))
    settle(context)
    assert answer["opened"] == 0
    [skipped] = answer["skippedAlerts"]
    assert missing in skipped["reason"]
    assert "check the alert rule's labels" in skipped["reason"]
    assert events(client, alert_context("f00d", STARTS), "") == []


def store_directly(context: ServerContext, raw: dict[str, Any]) -> None:
    asyncio.run(context.intake.ingest(raw, datetime.now(UTC)))


def routed_alert(status: str = "firing") -> am.Alert:
    [routed] = am.read_payload(notification(alert(status)))
    assert isinstance(routed, am.Alert)
    return routed


def test_a_crash_between_problem_and_remediation_is_repaired_by_the_next_notification(server: Any) -> None:
    context, client, _ = server
    store_directly(context, am.problem_event(routed_alert(), am.OPEN))  # then the server died
    answer = post(client, notification(alert()))
    settle(context)
    keptn_context = alert_context("f00d", STARTS)
    assert answer["opened"] == 1
    assert len(events(client, keptn_context, REMEDIATION)) == 1
    assert len(events(client, keptn_context, PROBLEM)) == 1
    assert sequence_state(client, keptn_context) == "started"


def test_a_crash_between_close_and_abort_is_repaired_by_the_next_notification(server: Any) -> None:
    context, client, _ = server
    post(client, notification(alert()))
    settle(context)
    keptn_context = alert_context("f00d", STARTS)
    store_directly(context, am.problem_event(routed_alert("resolved"), am.CLOSED))  # then the server died
    settle(context)
    assert sequence_state(client, keptn_context) == "started"
    answer = post(client, notification(alert("resolved"), status="resolved"))
    settle(context)
    assert answer["updated"] == 1
    assert sequence_state(client, keptn_context) == "aborted"


def test_concurrent_notifications_of_one_alert_start_one_remediation(server: Any) -> None:
    context, client, _ = server

    async def notify_five_times() -> list[dict[str, Any]]:
        body = notification(alert())
        reports = await asyncio.gather(*(context.problems.receive_alerts(body) for _ in range(5)))
        return [report.to_json() for report in reports]

    answers = asyncio.run(notify_five_times())
    settle(context)
    assert sorted(answer["opened"] for answer in answers) == [0, 0, 0, 0, 1]
    assert len(events(client, alert_context("f00d", STARTS), REMEDIATION)) == 1
    assert len(client.get(PROBLEMS).json()["problems"]) == 1


def test_a_group_beyond_the_body_limit_is_413(tmp_path: Path) -> None:
    with delivery_server(tmp_path / "data", max_resource_size_kb=64) as (context, client, _):
        create_project(client, SHIPYARD)
        body = notification(*(alert(fingerprint=f"x{index}", padding="p" * 1000) for index in range(100)))
        response = client.post(ALERTMANAGER, json=body)
        assert response.status_code == 413
        assert response.json()["message"] == "request body exceeds the limit of 64 KB"
        settle(context)
        assert client.get(PROBLEMS).json()["problems"] == []


def test_a_closing_problem_event_with_only_its_pid_closes_the_problem_it_names(server: Any) -> None:
    context, client, _ = server
    opened = client.post("/api/v1/event", json=keptn_problem("OPEN")).json()["keptnContext"]
    settle(context)
    bare = {"type": PROBLEM, "source": "dynatrace", "data": {"State": "RESOLVED", "PID": "-123456789"}}
    closed = client.post("/api/v1/event", json=bare).json()["keptnContext"]
    settle(context)
    assert closed == opened
    assert sequence_state(client, opened) == "aborted"
    [problem] = client.get(PROBLEMS).json()["problems"]
    assert problem["state"] == "closed"
    stray = {"type": PROBLEM, "source": "dynatrace", "data": {"State": "CLOSED", "PID": "unknown"}}
    assert client.post("/api/v1/event", json=stray).status_code == 200  # stored, closes nothing
