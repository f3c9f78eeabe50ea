"""A remote executor (Keptn's distributor in polling mode) runs with an integration token of its project:
it finishes that project's deliveries and never sees, takes or answers another project's tasks."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx

from tests.support.live_server import LiveServer
from tests.support.remote_executor import RemoteExecutor

CP = "/api/controlPlane/v1"
SHIPYARD = """apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: remote}
spec:
  stages:
    - {name: dev, sequences: [{name: delivery, tasks: [{name: deployment}]}]}
"""
STATE_BOUND = 60.0  # a generous bound on a loaded machine; the delivery takes well under a second


def _delivery(api: httpx.Client, project: str) -> str:
    event = {
        "type": "sh.keptn.event.dev.delivery.triggered",
        "source": "ci",
        "data": {"project": project, "stage": "dev", "service": "svc"},
    }
    answer = api.post("/api/v1/event", json=event)
    assert answer.status_code == 200, answer.text
    context = answer.json()["keptnContext"]
    assert isinstance(context, str)
    return context


def _state(api: httpx.Client, project: str, context: str) -> str:
    states = api.get(f"{CP}/sequence/{project}", params={"keptnContext": context}).json()["states"]
    return str(states[0]["state"]) if states else ""


def test_an_integration_token_finishes_its_projects_delivery_only(tmp_path: Path) -> None:
    with LiveServer(tmp_path / "data") as server, server.client() as api:
        for project in ("alpha", "beta"):
            body = {"name": project, "shipyard": base64.b64encode(SHIPYARD.encode()).decode()}
            assert api.post(f"{CP}/project", json=body).status_code == 201
            assert api.post(f"{CP}/project/{project}/service", json={"serviceName": "svc"}).status_code == 200
        made = api.post(
            "/api/slogate/v1/tokens", json={"name": "exec-alpha", "role": "integration", "project": "alpha"}
        )
        assert made.status_code == 201, made.text
        with RemoteExecutor(server.url, made.json()["token"], ("deployment",)) as executor:
            alpha, beta = _delivery(api, "alpha"), _delivery(api, "beta")
            deadline = time.monotonic() + STATE_BOUND
            while _state(api, "alpha", alpha) != "finished" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _state(api, "alpha", alpha) == "finished"
            assert _state(api, "beta", beta) != "finished"  # nobody may answer beta's deployment for it
            assert executor.errors == []
            answered = {(event["data"]["project"], event["type"]) for event in executor.answered}
            assert answered == {
                ("alpha", "sh.keptn.event.deployment.started"),
                ("alpha", "sh.keptn.event.deployment.finished"),
            }
        entries = api.get("/api/slogate/v1/audit", params={"actor": "exec-alpha", "outcome": "denied"}).json()
        assert entries["entries"] == []  # it never even tried beta: it was never shown beta's task
