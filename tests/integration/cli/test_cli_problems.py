"""``slogate get problems``: the problems Alertmanager opened and closed, as a table, JSON or YAML."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import yaml

from slogate.domain.protocol.alertmanager import alert_context
from tests.integration.cli.conftest import Cli
from tests.support.live_server import LiveServer

STARTS = "2026-12-07T02:00:00Z"


def notify(server: LiveServer, status: str, fingerprint: str, project: str = "problemcli") -> None:
    """What Alertmanager sends, with the token as ``http_config.authorization`` does (a bearer token)."""
    alert: dict[str, Any] = {
        "status": status,
        "labels": {"project": project, "stage": "production", "service": "helloservice"},
        "annotations": {"summary": f"slow {fingerprint}"},
        "startsAt": STARTS,
        "fingerprint": fingerprint,
    }
    response = httpx.post(
        f"{server.url}/api/v1/alertmanager",
        json={"version": "4", "status": status, "alerts": [alert]},
        headers={"Authorization": f"Bearer {server.token}"},
    )
    assert response.status_code == 200, response.text


def create_project(server: LiveServer, project: str) -> None:
    shipyard = (
        "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: s}\nspec:\n  stages:\n"
        "    - {name: production, sequences: [{name: remediation, tasks: [{name: get-action}]}]}\n"
    )
    headers = {"x-token": server.token}
    base = f"{server.url}/api/controlPlane/v1/project"
    body = {"name": project, "shipyard": base64.b64encode(shipyard.encode()).decode()}
    assert httpx.post(base, json=body, headers=headers).status_code == 201
    service = httpx.post(f"{base}/{project}/service", json={"serviceName": "helloservice"}, headers=headers)
    assert service.status_code == 200, service.text


def test_get_problems_lists_open_and_closed_problems(cli: Cli, live_server: LiveServer) -> None:
    create_project(live_server, "problemcli")
    notify(live_server, "firing", "one")
    notify(live_server, "firing", "two")
    notify(live_server, "resolved", "one")
    table = cli("get", "problems", "--project", "problemcli")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split()[:2] == ["STATE", "OPENED"]
    assert [line.split()[0] for line in lines[1:]] == ["open", "closed"]
    assert alert_context("one", STARTS) in table.stdout
    opened = json.loads(cli("get", "problems", "-p", "problemcli", "--state", "open", "-o", "json").stdout)
    assert [(p["title"], p["state"], p["sourceId"]) for p in opened] == [("slow two", "open", "two")]
    closed = yaml.safe_load(
        cli("get", "problems", "-p", "problemcli", "--state", "closed", "-o", "yaml").stdout
    )
    assert [(p["title"], p["keptnContext"]) for p in closed] == [("slow one", alert_context("one", STARTS))]
    assert closed[0]["closedAt"]


def test_no_problems_and_a_bad_state(cli: Cli) -> None:
    empty = cli("get", "problems", "--project", "quiet")
    assert empty.exit_code == 0, empty.output
    assert empty.stdout.strip() == "No problems in project quiet"
    assert (
        cli("get", "problems", "-p", "quiet", "--state", "open").stdout.strip()
        == "No open problems in project quiet"
    )
    refused = cli("get", "problems", "-p", "quiet", "--state", "sleeping")
    assert refused.exit_code == 2
    assert "'sleeping' is not one of 'open', 'closed'" in refused.stderr
