"""Sequences through the API: the tutorial's shipyards, manual approval, pause/resume, timeouts, restarts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate.domain.sequencing.engine_events import NO_EXECUTOR
from slogate.domain.sequencing.timeouts import TIMED_OUT
from tests.support.delivery import (
    CONTROL_PLANE,
    SLO,
    b64,
    create_project,
    delivery_server,
    deployed_image,
    events,
    settle,
    trigger_delivery,
)
from tests.support.executors import ScriptedExecutor

ALL_TASKS = ("deployment", "test", "release", "rollback", "action")  # get-action: the built-in service
REMEDIATION_FILE = """\
apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
spec:
  remediations:
    - problemType: http_response_time_seconds_main_page_sum
      actionsOnOpen: [{name: Scale up, action: scaling, value: "1"}]
"""
HEADER = (
    "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: shipyard-delivery}\nspec:\n  stages:\n"
)
QA_A = "    - {name: qa, sequences: [{name: delivery, tasks: [{name: deployment}, {name: test}]}]}\n"
QA_C = (
    "    - {name: qa, sequences: [{name: delivery, tasks: [{name: deployment}, {name: test},"
    " {name: evaluation, properties: {timeframe: 2m}}]}]}\n"
)
PROD = (
    "    - name: production\n      sequences:\n        - name: delivery\n"
    "          triggeredOn: [{event: qa.delivery.finished}]\n          tasks: [{tasks}]\n"
)
APPROVAL_MANUAL = "{name: approval, properties: {pass: manual, warning: manual}}, "
APPROVAL_AUTO = "{name: approval, properties: {pass: automatic, warning: automatic}}, "
REMEDIATION = (
    "        - name: remediation\n"
    "          triggeredOn:\n"
    "            [{event: production.remediation.finished, selector: {match: {evaluation.result: fail}}}]\n"
    "          tasks:\n"
    "            - {name: get-action}\n            - {name: action}\n            - {name: test}\n"
    "            - {name: evaluation, properties: {timeframe: 2m}}\n"
)
TUTORIAL = {
    "A": HEADER + QA_A + PROD.replace("{tasks}", "{name: deployment}"),
    "B": HEADER + QA_A + PROD.replace("{tasks}", APPROVAL_MANUAL + "{name: deployment}"),
    "C": HEADER + QA_C + PROD.replace("{tasks}", APPROVAL_AUTO + "{name: deployment}"),
    "D": HEADER + QA_C + PROD.replace("{tasks}", APPROVAL_AUTO + "{name: deployment}, {name: test}, "
                                      "{name: evaluation, properties: {timeframe: 2m}}"),
}  # fmt: skip
TUTORIAL["E"] = TUTORIAL["D"] + REMEDIATION
TRIGGERED = f"{CONTROL_PLANE}/event/triggered"


def add_production_slo(client: TestClient) -> None:
    """D and E evaluate in production too."""
    response = client.post(
        "/api/resource-service/v1/project/fulltour/stage/production/service/helloservice/resource",
        json={"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(SLO)}]},
    )
    assert response.status_code == 201, response.text


def only(client: TestClient, context: str, event_type: str) -> dict[str, Any]:
    found = events(client, context, event_type)
    assert len(found) == 1, f"{len(found)} × {event_type}"
    return dict(found[0]["data"])


def register(client: TestClient, *tasks: str) -> None:
    """A remote executor (that the test plays by hand) takes these tasks."""
    body = {
        "name": "remote-executor",
        "metadata": {"hostname": "127.0.0.1"},
        "subscriptions": [{"event": f"sh.keptn.event.{task}.triggered"} for task in tasks],
    }
    assert client.post(f"{CONTROL_PLANE}/uniform/registration", json=body).status_code in (200, 201)


def open_task(client: TestClient, task: str) -> dict[str, Any]:
    """The one open ``<task>.triggered`` of the project."""
    response = client.get(f"{TRIGGERED}/sh.keptn.event.{task}.triggered", params={"project": "fulltour"})
    found = response.json()["events"]
    assert len(found) == 1, found
    return dict(found[0])


def answer(client: TestClient, trigger: dict[str, Any], kind: str, **data: Any) -> None:
    """``POST /api/v1/event`` with a ``.started`` or ``.finished`` for ``trigger``, as executors do."""
    body = {key: trigger["data"][key] for key in ("project", "stage", "service")}
    if kind == "finished":
        body.update(result="pass", status="succeeded")
    body.update(data)
    event = {
        "type": trigger["type"].removesuffix("triggered") + kind,
        "source": "remote-executor",
        "specversion": "1.0",
        "shkeptncontext": trigger["shkeptncontext"],
        "triggeredid": trigger["id"],
        "data": body,
    }
    response = client.post("/api/v1/event", json=event)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("shipyard", ["A", "C", "D", "E"])
def test_the_tutorials_shipyards_promote_a_good_build(shipyard: str, tmp_path: Path) -> None:
    executor = ScriptedExecutor(tasks=ALL_TASKS)
    with delivery_server(tmp_path / "data", executor=executor) as (context, client, _):
        create_project(client, TUTORIAL[shipyard])
        add_production_slo(client)
        delivery = trigger_delivery(client, "v0.1.1")
        settle(context)
        assert only(client, delivery, "sh.keptn.event.qa.delivery.finished")["result"] == "pass"
        assert only(client, delivery, "sh.keptn.event.production.delivery.finished")["result"] == "pass"
        assert deployed_image(client, "production").endswith(":v0.1.1")
        evaluated = {
            event["data"]["stage"] for event in events(client, delivery, "sh.keptn.event.evaluation.finished")
        }
        assert (
            evaluated
            == {"A": set(), "C": {"qa"}, "D": {"qa", "production"}, "E": {"qa", "production"}}[shipyard]
        )


def test_tutorial_e_remediates_a_problem_in_production(tmp_path: Path) -> None:
    executor = ScriptedExecutor(tasks=ALL_TASKS)
    with delivery_server(tmp_path / "data", executor=executor) as (context, client, _):
        create_project(client, TUTORIAL["E"])
        add_production_slo(client)
        response = client.post(
            "/api/resource-service/v1/project/fulltour/stage/production/service/helloservice/resource",
            json={
                "resources": [{"resourceURI": "remediation.yaml", "resourceContent": b64(REMEDIATION_FILE)}]
            },
        )
        assert response.status_code == 201, response.text
        problem = {
            "type": "sh.keptn.event.production.remediation.triggered",
            "source": "cli",
            "specversion": "1.0",
            "data": {
                "project": "fulltour", "stage": "production", "service": "helloservice",
                "problem": {"problemTitle": "http_response_time_seconds_main_page_sum"},
            },
        }  # fmt: skip
        remediation = client.post("/api/v1/event", json=problem).json()["keptnContext"]
        settle(context)
        types = [e["type"].removeprefix("sh.keptn.event.") for e in events(client, remediation, "")][::-1]
        tasks = [
            t.removesuffix(".triggered") for t in types if t.count(".") == 1 and t.endswith(".triggered")
        ]
        assert tasks == ["get-action", "action", "test", "evaluation", "get-sli"]
        assert only(client, remediation, "sh.keptn.event.production.remediation.finished")["result"] == "pass"
        state = client.get(f"{CONTROL_PLANE}/sequence/fulltour", params={"keptnContext": remediation}).json()
        assert state["states"][0]["problemTitle"] == "http_response_time_seconds_main_page_sum"


def test_tutorial_b_waits_for_a_manual_approval(tmp_path: Path) -> None:
    with delivery_server(tmp_path / "data") as (context, client, _):
        create_project(client, TUTORIAL["B"])
        delivery = trigger_delivery(client, "v0.1.1")
        settle(context)
        approval = open_task(client, "approval")
        assert only(client, delivery, "sh.keptn.event.approval.started")["status"] == "succeeded"
        assert events(client, delivery, "sh.keptn.event.production.delivery.finished") == []
        executions = client.get(
            f"{CONTROL_PLANE}/sequence-execution", params={"project": "fulltour", "stage": "production"}
        ).json()["sequenceExecutions"]
        assert executions[0]["status"]["state"] == "waitingForApproval"
        answer(client, approval, "finished")
        settle(context)
        assert only(client, delivery, "sh.keptn.event.production.delivery.finished")["result"] == "pass"
        assert deployed_image(client, "production").endswith(":v0.1.1")


def test_a_declined_approval_stops_the_delivery(tmp_path: Path) -> None:
    with delivery_server(tmp_path / "data") as (context, client, _):
        create_project(client, TUTORIAL["B"])
        delivery = trigger_delivery(client, "v0.1.1")
        settle(context)
        answer(client, open_task(client, "approval"), "finished", result="fail")
        settle(context)
        assert only(client, delivery, "sh.keptn.event.production.delivery.finished")["result"] == "fail"
        assert deployed_image(client, "production") == ""


def test_pause_holds_the_next_task_until_resumed(tmp_path: Path) -> None:
    executor = ScriptedExecutor(tasks=("deployment", "release"))
    with delivery_server(tmp_path / "data", executor=executor) as (context, client, _):
        create_project(client, TUTORIAL["A"].replace("{name: test}]", "{name: test}, {name: release}]"))
        register(client, "test")
        delivery = trigger_delivery(client, "v0.1.1")
        settle(context)
        test = open_task(client, "test")
        answer(client, test, "started")
        control = f"{CONTROL_PLANE}/sequence/fulltour/{delivery}/control"
        assert client.post(control, json={"state": "pause", "stage": "qa"}).status_code == 200
        settle(context)
        answer(client, test, "finished")
        settle(context)
        assert events(client, delivery, "sh.keptn.event.production.delivery.triggered") == []
        state = client.get(f"{CONTROL_PLANE}/sequence/fulltour").json()["states"][0]
        assert state["state"] == "paused"
        assert client.post(control, json={"state": "resume", "stage": "qa"}).status_code == 200
        settle(context)
        assert only(client, delivery, "sh.keptn.event.production.delivery.finished")["result"] == "pass"
        assert client.post(control, json={"state": "stop"}).status_code == 400


def test_a_task_without_any_reply_times_out(tmp_path: Path) -> None:
    silent = ScriptedExecutor(tasks=("test",))
    with delivery_server(tmp_path / "data", executor=silent, task_timeout=0.3) as (context, client, _):
        create_project(client, TUTORIAL["A"])
        register(client, "deployment")
        delivery = trigger_delivery(client, "v0.1.1")
        settle(context)
        time.sleep(0.4)
        settle(context)
        finished = only(client, delivery, "sh.keptn.event.qa.delivery.finished")
        assert (finished["status"], finished["result"]) == ("errored", "fail")
        assert finished["message"] == TIMED_OUT.format(task="deployment")
        executions = client.get(f"{CONTROL_PLANE}/sequence-execution", params={"project": "fulltour"}).json()
        assert executions["sequenceExecutions"][0]["status"]["state"] == "timedOut"


def test_a_task_nobody_takes_errors_at_once(tmp_path: Path) -> None:
    executor = ScriptedExecutor(tasks=("deployment",))
    with delivery_server(tmp_path / "data", executor=executor) as (context, client, _):
        create_project(client, TUTORIAL["A"])
        delivery = trigger_delivery(client, "v0.1.1")
        settle(context)
        finished = only(client, delivery, "sh.keptn.event.qa.delivery.finished")
        message = NO_EXECUTOR.format(task="test", project="fulltour", stage="qa", service="helloservice")
        assert (finished["status"], finished["result"], finished["message"]) == ("errored", "fail", message)


@pytest.mark.parametrize("phase", ["after the trigger", "while a task runs", "while a task is delayed"])
def test_a_restart_resumes_the_delivery(phase: str, tmp_path: Path) -> None:
    shipyard = TUTORIAL["A"]
    if phase == "while a task is delayed":
        shipyard = shipyard.replace("{name: test}", "{name: test, triggeredAfter: 1s}")
    tasks = ("deployment",) if phase == "while a task runs" else ("deployment", "test")
    with delivery_server(tmp_path / "data", executor=ScriptedExecutor(tasks)) as (context, client, _):
        create_project(client, shipyard)
        register(client, "test")
        delivery = trigger_delivery(client, "v0.1.1")
        if phase != "after the trigger":
            settle(context)
    with delivery_server(tmp_path / "data", executor=ScriptedExecutor(tasks)) as (context, client, _):
        if phase == "while a task runs":
            settle(context)
            test = open_task(client, "test")
            answer(client, test, "started")
            answer(client, test, "finished")
        if phase == "while a task is delayed":
            time.sleep(1.1)
        settle(context)
        assert only(client, delivery, "sh.keptn.event.qa.delivery.finished")["result"] == "pass"
        assert only(client, delivery, "sh.keptn.event.production.delivery.finished")["result"] == "pass"
        for task in ("deployment", "test"):
            triggered = [
                e["data"]["stage"] for e in events(client, delivery, f"sh.keptn.event.{task}.triggered")
            ]
            assert sorted(triggered) == (["production", "qa"] if task == "deployment" else ["qa"])
