"""The audit log: approvals and refusals with who, what, where and from where; filters; admins and auditors
only; kept across a restart; the Bridge's approvals too."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.settings import Settings
from tests.integration.access.access_world import CP, settings_for, world
from tests.support.delivery import TOKEN, Backend, create_project, settle, trigger_delivery
from tests.support.engines import dispose_engine
from tests.support.executors import ScriptedExecutor

AUDIT = "/api/slogate/v1/audit"
CONTEXT = "0c1d2e3f-0000-4000-8000-000000000001"


def _approval(stage: str) -> dict[str, object]:
    return {
        "type": "sh.keptn.event.approval.finished",
        "source": "release-manager",
        "shkeptncontext": CONTEXT,
        "triggeredid": "5f1c1c1c-0000-4000-8000-000000000001",
        "data": {
            "project": "alpha",
            "stage": stage,
            "service": "svc",
            "result": "pass",
            "status": "succeeded",
        },
    }


def test_the_approval_and_the_refusal_are_recorded(tmp_path: Path) -> None:
    with world(tmp_path / "data") as world_:
        approved = world_.as_role("operator-production").post("/api/v1/event", json=_approval("production"))
        assert approved.status_code != 403, approved.text
        refused = world_.as_role("viewer").post("/api/v1/event", json=_approval("production"))
        assert refused.status_code == 403
        also_refused = world_.as_role("operator-production").post("/api/v1/event", json=_approval("dev"))
        assert also_refused.status_code == 403
        assert "in stage 'dev'" in also_refused.json()["message"]
        entries = world_.as_role("auditor").get(AUDIT, params={"action": "approval.decide"}).json()["entries"]
        assert [(e["actor"], e["outcome"], e["stage"]) for e in entries] == [
            ("t-operator-production", "denied", "dev"),
            ("t-viewer", "denied", "production"),
            ("t-operator-production", "allowed", "production"),
        ]
        allowed = entries[2]
        assert allowed["project"] == "alpha"
        assert allowed["service"] == "svc"
        assert allowed["target"] == "sh.keptn.event.approval.finished"
        assert allowed["sourceIP"] == "testclient"
        assert allowed["actorKind"] == "token"
        assert "needs role operator or higher" in entries[1]["details"]["reason"]
        denied = world_.admin.get(AUDIT, params={"outcome": "denied", "actor": "t-viewer"}).json()["entries"]
        assert [e["action"] for e in denied] == ["approval.decide"]


def test_changes_and_token_management_are_recorded_and_only_admins_and_auditors_read(tmp_path: Path) -> None:
    with world(tmp_path / "data") as world_:
        resource = {"resources": [{"resourceURI": "x.txt", "resourceContent": "aGk="}]}
        assert (
            world_.as_role("maintainer")
            .post("/api/resource-service/v1/project/alpha/resource", json=resource)
            .status_code
            == 201
        )
        assert world_.admin.delete("/api/slogate/v1/tokens/t-viewer").status_code == 200
        assert world_.as_role("owner").delete(f"{CP}/project/beta").status_code == 403
        entries = world_.admin.get(AUDIT, params={"project": "alpha"}).json()["entries"]
        actions = [(e["actor"], e["action"], e["outcome"]) for e in entries]
        assert ("t-maintainer", "config.write", "allowed") in actions
        assert ("api-token", "token.create", "allowed") in actions  # the world's tokens
        every = world_.admin.get(AUDIT, params={"limit": 1000}).json()["entries"]
        assert ("api-token", "token.revoke", "allowed") in [
            (e["actor"], e["action"], e["outcome"]) for e in every
        ]
        assert ("t-owner", "project.delete", "denied") in [
            (e["actor"], e["action"], e["outcome"]) for e in every
        ]
        for role in ("owner", "maintainer", "operator", "integration", "outsider"):
            answer = world_.as_role(role).get(AUDIT)
            assert answer.status_code == 403, role
            assert "global admin or auditor" in answer.json()["message"]
        assert world_.admin.get(AUDIT, params={"since": "not-a-time"}).status_code == 400
        assert world_.admin.get(AUDIT, params={"outcome": "maybe"}).status_code == 400
        future = world_.admin.get(AUDIT, params={"since": "2999-01-01T00:00:00Z"}).json()["entries"]
        assert future == []


def test_the_log_is_kept_across_a_restart(tmp_path: Path) -> None:
    with world(tmp_path / "data") as world_:
        assert world_.as_role("viewer").delete(f"{CP}/project/alpha").status_code == 403
    again = bootstrap.server_context(settings_for(tmp_path / "data"))
    try:
        found = again.audit.query(actor="t-viewer", outcome="denied")
        assert [(e.action, e.project) for e in found] == [("project.delete", "alpha")]
    finally:
        dispose_engine(again)
        again.close()


MANUAL = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: manual}
spec:
  stages:
    - name: qa
      sequences:
        - {name: delivery, tasks: [{name: deployment}]}
    - name: production
      sequences:
        - name: delivery
          triggeredOn: [{event: qa.delivery.finished}]
          tasks: [{name: approval, properties: {pass: manual, warning: manual}}, {name: deployment}]
"""


def test_the_bridges_approval_is_recorded(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_token=TOKEN, prometheus_url="http://127.0.0.1:9")  # type: ignore[arg-type]
    context = bootstrap.server_context(settings, Backend().factory)
    context.dispatcher.subscribe(ScriptedExecutor())
    api = TestClient(bootstrap.server_app(context))
    web = TestClient(bootstrap.server_app(context))
    try:
        api.headers["x-token"] = TOKEN
        assert web.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
        csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/bridge/").text)
        assert csrf is not None
        create_project(api, MANUAL)
        delivery = trigger_delivery(api, "v0.1.1")
        settle(context)
        view = web.get(f"/bridge/project/fulltour/sequence/{delivery}")
        triggered_id = re.search(r'name="triggered_id" value="([^"]+)"', view.text)
        assert triggered_id is not None
        answer = web.post(
            f"/bridge/project/fulltour/sequence/{delivery}/approval",
            data={"csrf": csrf.group(1), "triggered_id": triggered_id.group(1), "decision": "approve"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        entries = context.audit.query(action="approval.decide")
        assert [(e.actor, e.actor_kind, e.outcome, e.project, e.stage, e.target) for e in entries] == [
            ("bridge", "bridge", "allowed", "fulltour", "production", delivery)
        ]
        assert entries[0].details["decision"] == "approve"
        assert entries[0].source_ip == "testclient"
    finally:
        api.close()
        web.close()
        context.close()
