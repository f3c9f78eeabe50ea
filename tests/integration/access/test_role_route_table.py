"""Every API route of the OpenAPI description, called with every role: the expected status, from the one
rule map (a route without a rule fails here); and a hand-written table of the key decisions."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from slogate.api.access_rules import RULES, Scope
from slogate.domain.access import decide
from tests.integration.access.access_world import ROLES, World, principal, world

PUBLIC = {("GET", "/health"), ("GET", "/ready"), ("GET", "/api/docs"), ("GET", "/api/openapi.json")}
# Reads that answer 200 to every valid token and filter what they return (tested in test_isolation)
FILTERED = {
    ("GET", "/api/controlPlane/v1/project"),
    ("GET", "/api/mongodb-datastore/event/type/{event_type}"),
    ("GET", "/api/secrets/v1/secret"),
}
CONTEXT = str(uuid.uuid4())
VALUES = {
    "project": "alpha",
    "stage": "dev",
    "service": "svc",
    "resourceURI": "slo.yaml",
    "eventType": "sh.keptn.event.deployment.triggered",
    "event_type": "sh.keptn.event.deployment.triggered",
    "integration_id": "no-such-integration",
    "subscription_id": "no-such-subscription",
    "keptnContext": CONTEXT,
    "name": "t-viewer",
}
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/mongodb-datastore/event"): {"project": "alpha"},
    ("GET", "/api/mongodb-datastore/event/type/{event_type}"): {"filter": "data.project:alpha"},
    ("GET", "/api/controlPlane/v1/event/triggered/{eventType}"): {"project": "alpha"},
    ("GET", "/api/controlPlane/v1/sequence-execution"): {"project": "alpha"},
    ("DELETE", "/api/secrets/v1/secret"): {"name": "alpha-secret", "scope": "keptn-default"},
    ("DELETE", "/api/slogate/v1/roles"): {"subject": "user:bob", "role": "viewer", "project": "alpha"},
}
SLO = "spec_version: '1.0'\nobjectives: [{sli: rt, pass: [{criteria: ['<600']}]}]\n"
RESOURCE = {"resources": [{"resourceURI": "notes.txt", "resourceContent": "aGk="}]}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/event"): {
        "type": "sh.keptn.event.dev.delivery.triggered",
        "source": "test",
        "data": {"project": "alpha", "stage": "dev", "service": "svc"},
    },
    ("PUT", "/api/controlPlane/v1/project"): {"name": "alpha"},
    ("POST", "/api/controlPlane/v1/project"): {"name": "gamma"},
    ("POST", "/api/controlPlane/v1/project/{project}/service"): {"serviceName": "svc2"},
    ("POST", "/api/secrets/v1/secret"): {"name": "new-secret", "data": {"k": "v"}, "project": "alpha"},
    ("PUT", "/api/secrets/v1/secret"): {"name": "alpha-secret", "data": {"k": "v2"}},
    ("POST", "/api/controlPlane/v1/sequence/{project}/{keptnContext}/control"): {
        "state": "pause",
        "stage": "dev",
    },
    ("POST", "/api/slogate/v1/replay"): {"project": "alpha", "stage": "dev", "service": "svc", "slo": SLO},
    ("POST", "/api/v1/alertmanager"): {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "x", "project": "alpha", "stage": "dev", "service": "svc"},
                "startsAt": "2026-12-07T02:00:00Z",
                "fingerprint": "f00d",
            }
        ],
    },
    ("POST", "/api/slogate/v1/tokens"): {"name": "fresh", "role": "viewer", "project": "alpha"},
    ("POST", "/api/slogate/v1/roles"): {"subject": "user:bob", "role": "viewer", "project": "alpha"},
    ("POST", "/api/controlPlane/v1/uniform/registration"): {
        "name": "exec",
        "metadata": {"hostname": "h", "integrationversion": "1", "distributorversion": "1"},
        "subscriptions": [
            {"event": "sh.keptn.event.deployment.triggered", "filter": {"projects": ["alpha"]}}
        ],
    },
    ("POST", "/api/controlPlane/v1/project/{project}/stage/{stage}/service/{service}/evaluation"): {
        "timeframe": "5m"
    },
    ("POST", "/api/controlPlane/v1/log"): {"logs": []},
}
for level in ("", "/stage/{stage}", "/stage/{stage}/service/{service}"):
    for method in ("POST", "PUT"):
        BODIES[(method, f"/api/resource-service/v1/project/{{project}}{level}/resource")] = RESOURCE
    BODIES[("PUT", f"/api/resource-service/v1/project/{{project}}{level}/resource/{{resourceURI}}")] = {
        "resourceContent": "aGk="
    }


def operations(world_: World) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI description; deletions last, the project's the very last."""
    document = world_.admin.app.openapi()  # type: ignore[attr-defined]
    found = [(method.upper(), path) for path, ops in document["paths"].items() for method in ops]

    def order(operation: tuple[str, str]) -> tuple[int, str]:
        method, path = operation
        if path == "/api/controlPlane/v1/project/{project}" and method == "DELETE":
            return (2, path)
        return (1 if method == "DELETE" else 0, path)

    return sorted(found, key=order)


def expected_allowed(role: str, method: str, path: str) -> bool:
    """What the rule map says for the test's role, with the values the test sends (alpha, dev)."""
    rule = RULES[(method, path)]
    who = principal(role)
    if rule.scope is Scope.ANY or (method, path) in FILTERED:
        return True
    assert rule.action is not None
    if rule.scope is Scope.GLOBAL:
        return decide(who, rule.action).allowed
    if rule.scope is Scope.SOME_PROJECT or (method, path) in MANAGERS:
        return any(decide(who, rule.action, g.project, next(iter(g.stages), "")).allowed for g in who.grants)
    stage = "dev" if "{stage}" in path or (method, path) in _STAGED else ""
    return decide(who, rule.action, "alpha", stage).allowed


# Lists of tokens and bindings: for whoever manages some (an admin, any project's owner), filtered
MANAGERS = {("GET", "/api/slogate/v1/tokens"), ("GET", "/api/slogate/v1/roles")}
_STAGED = {
    ("POST", "/api/v1/event"),
    ("POST", "/api/controlPlane/v1/sequence/{project}/{keptnContext}/control"),
    ("POST", "/api/slogate/v1/replay"),
    ("POST", "/api/v1/alertmanager"),
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_route_with_every_role(role: str, tmp_path: Path) -> None:
    """Every route: a rule exists; the status is 403 exactly when the rule refuses the role (never 401,
    never 5xx), and a refusal names the role that is missing."""
    with world(tmp_path / "data") as world_:
        client = world_.as_role(role)
        checked = 0
        for method, path in operations(world_):
            if (method, path) in PUBLIC:
                continue
            assert (method, path) in RULES, f"{method} {path} has no access rule in api/access_rules.py"
            url = path.format(**VALUES)
            answer = client.request(
                method, url, params=QUERIES.get((method, path)), json=BODIES.get((method, path))
            )
            allowed = expected_allowed(role, method, path)
            shown = f"{role}: {method} {url} answered {answer.status_code} {answer.text[:300]}"
            assert answer.status_code < 500 or answer.status_code == 501, shown  # 501: import
            assert answer.status_code != 401, shown
            if allowed:
                assert answer.status_code != 403, shown
            else:
                assert answer.status_code == 403, shown
                assert answer.json()["code"] == 403
                assert "may not" in answer.json()["message"], shown
                assert "needs" in answer.json()["message"], shown
            checked += 1
        assert checked > 60


# role → (method, path, body/query) → allowed: the decisions the issue names, written out by hand
KEY_DECISIONS: list[tuple[str, str, str, dict[str, Any] | None, bool]] = [
    ("viewer", "GET", "/api/controlPlane/v1/project/alpha", None, True),
    ("viewer", "POST", "/api/controlPlane/v1/project/alpha/stage/dev/service/svc/evaluation", {}, False),
    ("operator", "POST", "/api/controlPlane/v1/project/alpha/stage/dev/service/svc/evaluation", {}, True),
    (
        "operator-production",
        "POST",
        "/api/controlPlane/v1/project/alpha/stage/dev/service/svc/evaluation",
        {},
        False,
    ),
    (
        "operator-production",
        "POST",
        "/api/controlPlane/v1/project/alpha/stage/production/service/svc/evaluation",
        {},
        True,
    ),
    ("operator", "POST", "/api/resource-service/v1/project/alpha/resource", RESOURCE, False),
    ("maintainer", "POST", "/api/resource-service/v1/project/alpha/resource", RESOURCE, True),
    ("maintainer", "DELETE", "/api/controlPlane/v1/project/alpha", None, False),
    ("owner", "POST", "/api/controlPlane/v1/project", {"name": "gamma"}, False),
    ("outsider", "GET", "/api/controlPlane/v1/project/alpha", None, False),
    ("integration", "POST", "/api/controlPlane/v1/project/alpha/stage/dev/service/svc/evaluation", {}, False),
    ("auditor", "GET", "/api/slogate/v1/audit", None, True),
    ("owner", "GET", "/api/slogate/v1/audit", None, False),
    ("auditor", "POST", "/api/resource-service/v1/project/alpha/resource", RESOURCE, False),
]


def test_key_decisions(tmp_path: Path) -> None:
    """The decisions the issue describes, independent of the rule map."""
    with world(tmp_path / "data") as world_:
        for role, method, url, body, allowed in KEY_DECISIONS:
            answer = world_.as_role(role).request(method, url, json=body)
            shown = f"{role}: {method} {url} answered {answer.status_code} {answer.text[:200]}"
            assert (answer.status_code != 403) == allowed, shown
            assert answer.status_code < 500, shown


def test_a_route_without_a_rule_is_for_the_admin_only(tmp_path: Path) -> None:
    """Closed by default: a route nobody gave a rule answers 403 to every project role."""
    from fastapi import APIRouter

    from slogate import bootstrap
    from slogate.api.app import DEFAULT_ROUTERS

    extra = APIRouter()

    @extra.get("/api/unruled")
    def unruled() -> dict[str, str]:
        return {}

    with world(tmp_path / "data") as world_:
        app = bootstrap.api_app(world_.context, (*DEFAULT_ROUTERS, extra))
        from fastapi.testclient import TestClient

        client = TestClient(app)
        for role, status in (("owner", 403), ("auditor", 403), ("admin", 200)):
            answer = client.get("/api/unruled", headers={"x-token": world_.tokens[role]})
            assert answer.status_code == status, (role, answer.text)
