"""A remediation's ``action`` task through the whole server: the engine sends ``action.triggered``,
``slogate/executors.yaml`` gives it to the ``job`` executor, and the command sees the action."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.integration.cli.test_cli_trigger import CONTROL_PLANE, SERVICE, events_of, resources
from tests.support.delivery import b64
from tests.support.live_server import LiveServer

SHIPYARD = """
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: remediation}
spec:
  stages:
    - name: production
      sequences:
        - name: remediation
          tasks:
            - name: action
"""
# appends "<action>=<value>|<problem title>" to the log; exits 1 for an action it does not know
SCRIPT = (
    "import os, sys\n"
    "e = os.environ\n"
    "open(sys.argv[1], 'a').write(e['SLOGATE_ACTION'] + '=' + e['SLOGATE_ACTION_VALUE'] + '|'"
    " + e['SLOGATE_PROBLEM_TITLE'] + '\\n')\n"
    "sys.exit(e['SLOGATE_ACTION'] not in ('scale', 'escalate'))\n"
)


def make_project(server: LiveServer, name: str, log: Path) -> None:
    command = [sys.executable, "-c", SCRIPT, str(log)]
    executors = {"tasks": {"action": {"executor": "job", "config": {"command": command}}}}
    files = f"/api/resource-service/v1/project/{name}"
    with server.client() as client:
        answers = [
            client.post(f"{CONTROL_PLANE}/project", json={"name": name, "shipyard": b64(SHIPYARD)}),
            client.post(f"{CONTROL_PLANE}/project/{name}/service", json={"serviceName": SERVICE}),
            client.post(
                f"{files}/resource", json=resources("slogate/executors.yaml", yaml.safe_dump(executors))
            ),
        ]
    assert [answer.status_code for answer in answers] == [201, 200, 201], [a.text for a in answers]


def remediate(server: LiveServer, project: str, action: Mapping[str, Any]) -> str:
    """Send ``production.remediation.triggered`` carrying ``action``; its Keptn context."""
    event = {
        "type": "sh.keptn.event.production.remediation.triggered",
        "source": "test",
        "specversion": "1.0",
        "contenttype": "application/json",
        "data": {
            "project": project,
            "stage": "production",
            "service": SERVICE,
            "problem": {"ProblemTitle": "response_time_p95 $(id)", "State": "OPEN"},
            "action": dict(action),
        },
    }
    with server.client() as client:
        answer = client.post("/api/v1/event", json=event)
    assert answer.status_code in (200, 201, 202), answer.text
    return str(answer.json()["keptnContext"])


def finished(server: LiveServer, context: str) -> dict[str, Any]:
    """The data of the context's ``production.remediation.finished`` (polled up to 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for event in events_of(server, context):
            if event["type"] == "sh.keptn.event.production.remediation.finished":
                return dict(event["data"])
        time.sleep(0.1)
    raise AssertionError(f"no remediation.finished in {[e['type'] for e in events_of(server, context)]}")


def test_the_job_runs_the_action_with_its_value_and_problem(live_server: LiveServer, tmp_path: Path) -> None:
    log = tmp_path / "actions.log"
    make_project(live_server, "remedied", log)
    value = {"replicas": 2, "note": 'it\'s "x"'}
    context = remediate(live_server, "remedied", {"name": "Scale", "action": "scale", "value": value})
    assert (finished(live_server, context)["status"], finished(live_server, context)["result"]) == (
        "succeeded",
        "pass",
    )
    assert log.read_text() == 'scale={"replicas":2,"note":"it\'s \\"x\\""}|response_time_p95 $(id)\n'
    types = [event["type"] for event in events_of(live_server, context)]
    assert "sh.keptn.event.action.finished" in types


def test_an_action_the_job_does_not_know_fails_the_remediation(
    live_server: LiveServer, tmp_path: Path
) -> None:
    log = tmp_path / "actions.log"
    make_project(live_server, "unremedied", log)
    context = remediate(
        live_server, "unremedied", {"name": "Toggle", "action": "featuretoggle", "value": "off"}
    )
    data = finished(live_server, context)
    assert data["result"] == "fail", data
    assert log.read_text() == "featuretoggle=off|response_time_p95 $(id)\n"
