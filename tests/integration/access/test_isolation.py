"""Project isolation: a token of alpha neither reads nor writes beta (project lists, datastore, open tasks,
sequences, secrets, events), and a project's secrets reach only its own executors and providers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.access.access_world import CP, World, make_token, world
from tests.support.postgres import needs_postgres

DATASTORE = "/api/mongodb-datastore/event"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=needs_postgres),
    ]
)
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[World, TestClient, TestClient]]:
    """The world, and maintainers of alpha and of beta (each with a delivery triggered in its project)."""
    database_url, server, name = "", None, ""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        name = server.create_database("template0")
        database_url = server.url(name)
    try:
        with world(tmp_path / "data", database_url) as world_:
            alpha = world_.client(make_token(world_.admin, "m-alpha", "maintainer", "alpha"))
            beta = world_.client(make_token(world_.admin, "m-beta", "maintainer", "beta"))
            for client, project in ((alpha, "alpha"), (beta, "beta")):
                event = {
                    "type": "sh.keptn.event.dev.delivery.triggered",
                    "source": "test",
                    "data": {"project": project, "stage": "dev", "service": "svc"},
                }
                answer = client.post("/api/v1/event", json=event)
                assert answer.status_code == 200, answer.text
            yield world_, alpha, beta
    finally:
        if server is not None:
            server.drop_database(name)


def _context_of(world_: World, project: str) -> str:
    events = world_.admin.get(
        DATASTORE, params={"project": project, "type": "sh.keptn.event.dev.delivery.triggered"}
    )
    context = events.json()["events"][0]["shkeptncontext"]
    assert isinstance(context, str)
    return context


def test_reads_do_not_cross(two: tuple[World, TestClient, TestClient]) -> None:
    world_, alpha, beta = two
    names = [p["projectName"] for p in alpha.get(f"{CP}/project").json()["projects"]]
    assert names == ["alpha"]
    assert alpha.get(f"{CP}/project").json()["totalCount"] == 1
    assert [p["projectName"] for p in world_.admin.get(f"{CP}/project").json()["projects"]] == [
        "alpha",
        "beta",
    ]
    assert alpha.get(f"{CP}/project/beta").status_code == 403
    # the datastore: a query naming beta is refused, one by beta's context is empty, alpha's is full
    assert alpha.get(DATASTORE, params={"project": "beta"}).status_code == 403
    by_context = alpha.get(DATASTORE, params={"keptnContext": _context_of(world_, "beta")})
    assert by_context.status_code == 200
    assert by_context.json()["events"] == []
    assert alpha.get(DATASTORE, params={"keptnContext": _context_of(world_, "alpha")}).json()["events"]
    typed = alpha.get(
        f"{DATASTORE}/type/sh.keptn.event.dev.delivery.triggered",
        params={"filter": "data.project:alpha,beta"},
    )
    assert {e["data"]["project"] for e in typed.json()["events"]} == {"alpha"}
    # events without a project are nobody's: not shown to a project's token
    assert alpha.get(DATASTORE).json()["events"] == []
    # sequences
    assert alpha.get(f"{CP}/sequence/beta").status_code == 403
    assert alpha.get(f"{CP}/sequence/alpha").status_code == 200
    assert alpha.get(f"{CP}/sequence-execution", params={"project": "beta"}).status_code == 403
    # open tasks: without a project filter, only alpha's
    opened = alpha.get(f"{CP}/event/triggered/sh.keptn.event.deployment.triggered")
    assert {e["data"]["project"] for e in opened.json()["events"]} <= {"alpha"}
    assert (
        alpha.get(
            f"{CP}/event/triggered/sh.keptn.event.deployment.triggered", params={"project": "beta"}
        ).status_code
        == 403
    )
    # secrets: each sees its own (and not the global ones, which are the admin's)
    assert [s["name"] for s in alpha.get("/api/secrets/v1/secret").json()["Secrets"]] == ["alpha-secret"]
    assert [s["name"] for s in beta.get("/api/secrets/v1/secret").json()["Secrets"]] == ["beta-secret"]
    assert alpha.get("/api/slogate/v1/project/beta/dora").status_code == 403
    assert alpha.get("/api/slogate/v1/project/beta/problem").status_code == 403


def test_writes_do_not_cross(two: tuple[World, TestClient, TestClient]) -> None:
    world_, alpha, _ = two
    resource = {"resources": [{"resourceURI": "x.txt", "resourceContent": "aGk="}]}
    assert alpha.post("/api/resource-service/v1/project/beta/resource", json=resource).status_code == 403
    assert alpha.post("/api/resource-service/v1/project/alpha/resource", json=resource).status_code == 201
    event = {
        "type": "sh.keptn.event.dev.delivery.triggered",
        "source": "t",
        "data": {"project": "beta", "stage": "dev", "service": "svc"},
    }
    refused = alpha.post("/api/v1/event", json=event)
    assert refused.status_code == 403
    assert "on project 'beta'" in refused.json()["message"]
    assert (
        alpha.put("/api/secrets/v1/secret", json={"name": "beta-secret", "data": {"k": "stolen"}}).status_code
        == 403
    )
    assert (
        alpha.delete(
            "/api/secrets/v1/secret", params={"name": "beta-secret", "scope": "keptn-default"}
        ).status_code
        == 403
    )
    assert alpha.put("/api/secrets/v1/secret", json={"name": "global", "data": {"k": "x"}}).status_code == 403
    assert (
        alpha.post("/api/secrets/v1/secret", json={"name": "mine", "data": {"k": "v"}}).status_code == 403
    )  # global
    # move its own secret to beta: refused (it is no maintainer of beta)
    moved = alpha.put(
        "/api/secrets/v1/secret", json={"name": "alpha-secret", "data": {"k": "v"}, "project": "beta"}
    )
    assert moved.status_code == 403
    assert alpha.post(f"{CP}/project/beta/service", json={"serviceName": "evil"}).status_code == 403
    assert (
        alpha.post(
            f"{CP}/sequence/beta/{_context_of(world_, 'beta')}/control", json={"state": "abort"}
        ).status_code
        == 403
    )
    assert world_.context.secrets.values("beta-secret") == {"k": "beta"}


def test_a_projects_secrets_reach_only_its_executors(two: tuple[World, TestClient, TestClient]) -> None:
    world_, _, _ = two
    secrets = world_.context.secrets
    assert secrets.for_project("alpha").secret("alpha-secret", "") == {"k": "alpha"}
    assert secrets.for_project("beta").secret("alpha-secret", "") is None
    assert secrets.for_project("beta").secret("global", "") == {"k": "g"}
    assert secrets.for_project("alpha").secret("no-such-secret", "") is None


def test_a_webhook_of_beta_cannot_read_alphas_secret(two: tuple[World, TestClient, TestClient]) -> None:
    """The executors' lookup (TaskResources) is confined to the task's project."""
    from slogate.domain.protocol.gate_events import KeptnEvent
    from slogate.services.keptn.executor_runner import TaskResources

    world_, _, _ = two
    event = KeptnEvent(
        id="e",
        type="sh.keptn.event.webhook.triggered",
        source="t",
        time=datetime.now(UTC),
        shkeptncontext="c",
        data={"project": "beta", "stage": "dev", "service": "svc"},
    )
    task = TaskResources(world_.context.resources, world_.context.secrets, event)
    assert task.secret("alpha-secret") is None
    assert task.secret("beta-secret") == {"k": "beta"}
    assert task.secret("global") == {"k": "g"}


def test_registrations_of_other_projects_are_not_listed(two: tuple[World, TestClient, TestClient]) -> None:
    world_, alpha, beta = two
    registration = {
        "name": "alpha-executor",
        "metadata": {"hostname": "h", "integrationversion": "1", "distributorversion": "1"},
        "subscriptions": [
            {"event": "sh.keptn.event.deployment.triggered", "filter": {"projects": ["alpha"]}}
        ],
    }
    assert world_.admin.post(f"{CP}/uniform/registration", json=registration).status_code == 201
    everywhere = {**registration, "name": "any-project-executor", "subscriptions": [{"event": "sh.keptn.>"}]}
    assert world_.admin.post(f"{CP}/uniform/registration", json=everywhere).status_code == 201
    names = {item["name"] for item in alpha.get(f"{CP}/uniform/registration").json()}
    assert {"alpha-executor", "any-project-executor"} <= names
    assert {item["name"] for item in beta.get(f"{CP}/uniform/registration").json()} == {
        "any-project-executor"
    }
