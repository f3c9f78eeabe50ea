"""The remediation loop through the API: the shipyard's remediation sequence, the built-in get-action
answerer, a scripted action provider and the real lighthouse, until the evaluation passes or it ends."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate.adapters.yamlfile import load_document
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.remediation import Limits
from slogate.ports import EventQueries
from slogate.server_context import ServerContext
from slogate.services.keptn.remediation_service import RemediationService
from tests.support.delivery import (
    CONTROL_PLANE,
    FAST,
    RT,
    SLO,
    SLOW,
    Backend,
    b64,
    delivery_server,
    events,
    settle,
)
from tests.support.executors import ScriptedExecutor

PROJECT, SERVICE = "remedy", "helloservice"
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: remediation}
spec:
  stages:
    - name: production
      sequences:
        - name: remediation
          triggeredOn:
            - event: production.remediation.finished
              selector: {match: {evaluation.result: fail}}
          tasks:
            - {name: get-action}
            - {name: action}
            - {name: evaluation, properties: {timeframe: 5m}}
"""
REMEDIATION = f"""\
apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
metadata: {{name: helloservice-remediation}}
spec:
  remediations:
    - problemType: {RT}
      actionsOnOpen:
        - {{name: Scale up, action: scaling, description: one more replica, value: "1"}}
        - {{name: Roll back, action: rollback, description: the previous version}}
    - problemType: default
      actionsOnOpen:
        - {{name: Escalate, action: escalate, value: {{channel: ops}}}}
"""
Server = tuple[ServerContext, TestClient, Backend]
Script = Callable[[KeptnEvent], Mapping[str, Any] | None]


class ActionProvider(ScriptedExecutor):
    """Carries out ``action.triggered``: notes the action, lets ``effect`` change the world, passes
    (or answers what ``effect`` returns)."""

    def __init__(self, backend: Backend, effect: Callable[[str], str] | None = None) -> None:
        super().__init__(tasks=("action",), script=self.act, name="action-provider")
        self.ran: list[str] = []
        self._backend = backend
        self._effect = effect or self.rollback_helps

    def act(self, event: KeptnEvent) -> Mapping[str, Any]:
        action = event.data["action"]["action"]
        self.ran.append(action)
        return {"status": "succeeded", "result": self._effect(action)}

    def rollback_helps(self, action: str) -> str:
        if action == "rollback":
            self._backend.values.update(FAST)
        return "pass"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Server]:
    """A server with the project ``remedy``: production's SLO and remediation.yaml; the service slow."""
    with delivery_server(tmp_path / "data", executor=ScriptedExecutor(tasks=())) as built:
        _, client, backend = built
        response = client.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)})
        assert response.status_code == 201, response.text
        response = client.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": SERVICE})
        assert response.status_code == 200, response.text
        assert not upload(client, {"slo.yaml": SLO, "remediation.yaml": REMEDIATION}).get("warnings")
        backend.values.update(SLOW)
        yield built


def upload(client: TestClient, files: Mapping[str, str]) -> Any:
    resources = [{"resourceURI": uri, "resourceContent": b64(text)} for uri, text in files.items()]
    response = client.post(
        f"/api/resource-service/v1/project/{PROJECT}/stage/production/service/{SERVICE}/resource",
        json={"resources": resources},
    )
    assert response.status_code == 201, response.text
    return response.json()


def open_problem(client: TestClient, title: str = RT, context: str = "") -> str:
    """``production.remediation.triggered`` as Keptn's prometheus-service sent it (PascalCase problem)."""
    body: dict[str, Any] = {
        "type": "sh.keptn.event.production.remediation.triggered",
        "source": "prometheus",
        "specversion": "1.0",
        "data": {
            "project": PROJECT,
            "stage": "production",
            "service": SERVICE,
            "labels": {"Problem URL": "http://127.0.0.1:9/graph"},
            "problem": {"State": "OPEN", "ProblemID": "", "ProblemTitle": title, "ImpactedEntity": "pod"},
        },
    }
    if context:
        body["shkeptncontext"] = context
    response = client.post("/api/v1/event", json=body)
    assert response.status_code == 200, response.text
    found: str = response.json()["keptnContext"]
    return found


def run(server: Server, provider: ActionProvider, title: str = RT) -> tuple[str, list[Mapping[str, Any]]]:
    """Open a problem, run the loop to its end: the context and its remediation.finished (oldest first)."""
    context, client, _ = server
    context.dispatcher.subscribe(provider)
    keptn_context = open_problem(client, title)
    settle(context)
    return keptn_context, list(
        reversed(events(client, keptn_context, "sh.keptn.event.production.remediation.finished"))
    )


def actions_chosen(client: TestClient, keptn_context: str) -> list[Mapping[str, Any]]:
    """The get-action.finished events of a context, oldest first."""
    return list(reversed(events(client, keptn_context, "sh.keptn.event.get-action.finished")))


def test_loop_k_runs_action_k_until_the_evaluation_passes(world: Server) -> None:
    """Scaling does not help, the rollback does: two loops in one context, action 1 then action 2
    (Keptn asked for action 1 again in every later loop), the second evaluation passes, the loop ends."""
    provider = ActionProvider(world[2])
    keptn_context, finished = run(world, provider)
    assert provider.ran == ["scaling", "rollback"]
    assert [event["data"]["result"] for event in finished] == ["fail", "pass"]
    answers = actions_chosen(world[1], keptn_context)
    assert [a["data"]["get-action"]["actionIndex"] for a in answers] == [1, 2]
    assert answers[1]["data"]["action"] == {
        "name": "Roll back",
        "action": "rollback",
        "description": "the previous version",
        "value": None,
    }
    triggered = events(world[1], keptn_context, "sh.keptn.event.action.triggered")
    assert {t["data"]["problem"]["ProblemTitle"] for t in triggered} == {RT}  # the action sees the problem


def test_the_loop_ends_when_no_action_is_left(world: Server) -> None:
    """Nothing helps: both actions run once, then get-action says so and the remediation fails there."""
    provider = ActionProvider(world[2], effect=lambda action: "pass")
    _, finished = run(world, provider)
    assert provider.ran == ["scaling", "rollback"]
    assert len(finished) == 3
    last = finished[-1]["data"]
    assert (last["status"], last["result"]) == ("succeeded", "fail")
    assert last["message"] == f"no more actions: all 2 actions for problem title {RT} were tried"


def test_a_failed_action_stops_the_loop(world: Server) -> None:
    """An action that fails ends the sequence before its evaluation; no second loop."""
    provider = ActionProvider(world[2], effect=lambda action: "fail")
    keptn_context, finished = run(world, provider)
    assert provider.ran == ["scaling"]
    assert [event["data"]["result"] for event in finished] == ["fail"]
    assert events(world[1], keptn_context, "sh.keptn.event.evaluation.triggered") == []


def test_an_unknown_problem_takes_the_default_actions(world: Server) -> None:
    """A title no remediation names takes ``default``; its value object reaches the action."""
    provider = ActionProvider(world[2], effect=lambda action: "pass")
    _, finished = run(world, provider, title="disk full")
    assert provider.ran == ["escalate"]
    assert provider.seen[0].data["action"]["value"] == {"channel": "ops"}
    assert (
        finished[-1]["data"]["message"]
        == "no more actions: all 1 actions for problem type default were tried"
    )


def test_a_problem_closed_mid_loop_runs_no_further_action(world: Server) -> None:
    """The problem closes while action 1 runs: closing aborts the remediation, so action 2 never runs
    (a close that arrives before the next get-action is answered "problem closed": see the API tests)."""
    _, client, backend = world

    def close_after_first(action: str) -> str:
        body = {
            "type": "sh.keptn.events.problem",
            "source": "prometheus",
            "specversion": "1.0",
            "shkeptncontext": provider.seen[-1].shkeptncontext,
            "data": {"project": PROJECT, "stage": "production", "service": SERVICE, "State": "CLOSED"},
        }
        assert client.post("/api/v1/event", json=body).status_code == 200
        return "pass"

    provider = ActionProvider(backend, effect=close_after_first)
    _, finished = run(world, provider)
    assert provider.ran == ["scaling"]
    assert finished[-1]["data"]["status"] == "aborted"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, f"Could not get remediation.yaml file for services {SERVICE} in stage production."),
        ("apiVersion: spec.keptn.sh/0.2.0\nkind: Remediation\n", "Could not parse remediation.yaml file."),
        ("spec: [\n", "Could not parse remediation.yaml file."),
    ],
)
def test_a_missing_or_refused_file_errors_get_action(world: Server, text: str | None, message: str) -> None:
    """Keptn's messages; the remediation ends errored, no action runs."""
    _, client, _ = world
    if text is None:
        response = client.delete(
            f"/api/resource-service/v1/project/{PROJECT}/stage/production/service/{SERVICE}/resource/remediation.yaml"
        )
        assert response.status_code == 200, response.text
    else:
        report = upload(client, {"remediation.yaml": text})
        assert "remediation.yaml" in str(report)  # the upload names the problem (not strict: stored)
    provider = ActionProvider(world[2])
    _, finished = run(world, provider)
    assert provider.ran == []
    (only,) = finished
    assert (only["data"]["status"], only["data"]["result"]) == ("errored", "fail")
    assert only["data"]["message"].startswith(message)


def test_the_most_loops_bound_a_remediation(tmp_path: Path) -> None:
    """SLOGATE_REMEDIATION_MAX_LOOPS=1: the second get-action stops the remediation."""
    with delivery_server(
        tmp_path / "data", executor=ScriptedExecutor(tasks=()), remediation_max_loops=1
    ) as built:
        _, client, backend = built
        client.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)})
        client.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": SERVICE})
        upload(client, {"slo.yaml": SLO, "remediation.yaml": REMEDIATION})
        backend.values.update(SLOW)
        provider = ActionProvider(backend, effect=lambda action: "pass")
        _, finished = run(built, provider)
    assert provider.ran == ["scaling"]
    assert finished[-1]["data"]["message"].startswith("remediation stopped: it ran 1 loops")


class HelpedAfter(Mapping[str, float]):
    """SLI values that read the job's log: slow until ``helps`` actions ran, fast after."""

    def __init__(self, log: Path, helps: int) -> None:
        self._log = log
        self._helps = helps

    def _values(self) -> Mapping[str, float]:
        ran = self._log.read_text().split() if self._log.exists() else []
        return FAST if len(ran) >= self._helps else SLOW

    def __getitem__(self, key: str) -> float:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


def test_job_executor_commands_carry_out_the_actions(world: Server, tmp_path: Path) -> None:
    """The hidden check's path: ``action`` mapped to the built-in ``job`` executor in
    slogate/executors.yaml; each action's job runs once, in order, the second one helps, the
    remediation ends with a passing evaluation."""
    context, client, backend = world
    log = tmp_path / "actions.log"
    executors = (
        "apiVersion: slogate/v1\nkind: Executors\ntasks:\n  action:\n    executor: job\n"
        f'    config:\n      command: \'printf "%s\\\\n" {{triggeredId}} >> "{log}"\'\n      shell: true\n'
    )
    upload(client, {"slogate/executors.yaml": executors})
    backend.values = HelpedAfter(log, helps=2)  # type: ignore[assignment]
    keptn_context = open_problem(client)
    settle(context)
    triggered = {
        e["id"]: e["data"]["action"]["action"]
        for e in events(client, keptn_context, "sh.keptn.event.action.triggered")
    }
    assert [triggered[line] for line in log.read_text().split()] == ["scaling", "rollback"]
    finished = list(reversed(events(client, keptn_context, "sh.keptn.event.production.remediation.finished")))
    assert [(e["data"]["status"], e["data"]["result"]) for e in finished] == [
        ("succeeded", "fail"),
        ("succeeded", "pass"),
    ]


def test_a_get_action_delivered_again_is_not_answered_twice(world: Server) -> None:
    """At-least-once delivery: a get-action.triggered whose answer is stored gets no second answer
    (which would also count as a second chosen action)."""
    context, client, backend = world
    provider = ActionProvider(backend)
    keptn_context, _ = run(world, provider)
    (first, *_) = reversed(events(client, keptn_context, "sh.keptn.event.get-action.triggered"))
    stored = context.store.get(first["id"])
    assert stored is not None
    assert isinstance(context.store, EventQueries)
    service = RemediationService(
        context.store,
        context.resources,
        load_document,
        Limits(10, timedelta(hours=2)),
        lambda: datetime.now(UTC),
    )
    assert asyncio.run(service.handle(stored)) == []
    fresh = dataclasses.replace(stored, id="another-get-action")
    answers = asyncio.run(service.handle(fresh))
    assert [a.type for a in answers] == [
        "sh.keptn.event.get-action.started",
        "sh.keptn.event.get-action.finished",
    ]
    assert answers[1].data["message"].startswith("no more actions")  # both actions were chosen already


def test_the_time_budget_bounds_a_remediation(world: Server) -> None:
    """A get-action asked longer after the remediation's first trigger than the budget allows stops it."""
    context, client, backend = world
    keptn_context, _ = run(world, ActionProvider(backend))
    (first, *_) = reversed(events(client, keptn_context, "sh.keptn.event.get-action.triggered"))
    stored = context.store.get(first["id"])
    assert stored is not None
    assert isinstance(context.store, EventQueries)
    later = datetime.now(UTC) + timedelta(hours=3)
    limits = Limits(10, timedelta(hours=2))
    service = RemediationService(context.store, context.resources, load_document, limits, lambda: later)
    (_, finished) = asyncio.run(service.handle(dataclasses.replace(stored, id="late")))
    assert (finished.data["status"], finished.data["result"]) == ("succeeded", "fail")
    assert finished.data["message"].startswith("remediation stopped: it began 3h")
    assert "action" not in finished.data


def test_the_stage_file_serves_a_service_without_one(world: Server) -> None:
    """No remediation.yaml in the service: the stage's is read."""
    _, client, backend = world
    base = f"/api/resource-service/v1/project/{PROJECT}/stage/production"
    response = client.delete(f"{base}/service/{SERVICE}/resource/remediation.yaml")
    assert response.status_code == 200, response.text
    stage_file = REMEDIATION.replace("Scale up", "Scale out")
    response = client.post(
        f"{base}/resource",
        json={"resources": [{"resourceURI": "remediation.yaml", "resourceContent": b64(stage_file)}]},
    )
    assert response.status_code == 201, response.text
    provider = ActionProvider(backend)
    run(world, provider)
    assert [event.data["action"]["name"] for event in provider.seen] == ["Scale out", "Roll back"]
