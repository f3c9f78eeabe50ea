"""Keptn's controlPlane catalog routes: payloads, statuses, error texts, paging, no change on rejection."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from slogate.adapters.store.catalog_repository import SqlCatalogStore
from slogate.adapters.yamlfile import load_document
from slogate.api import control_plane
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import InputError, NotFoundError
from slogate.server_context import ServerContext
from slogate.services.usecases.catalog import CatalogService
from tests.support.engines import engine_of

BASE = "/api/controlPlane/v1"
NOW = datetime(2024, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC)
TUTORIAL = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata:
  name: shipyard-podtato
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: direct
            - name: test
              properties:
                teststrategy: performance
            - name: evaluation
            - name: release
    - name: production
      sequences:
        - name: delivery
          triggeredOn:
            - event: qa.delivery.finished
          tasks:
            - name: deployment
            - name: release
"""
REORDERED = """\
apiVersion: spec.keptn.sh/0.2.4
kind: Shipyard
spec:
  stages:
    - name: production
    - name: qa
      sequences:
        - name: delivery
          triggeredOn:
            - event: production.delivery.finished
"""


def b64(text: str) -> str:
    """``text`` base64-encoded, as Keptn's CLI sends a shipyard."""
    return base64.b64encode(text.encode()).decode()


def shipyard_with(stages: str) -> str:
    """A base64 shipyard whose ``spec.stages`` is the given YAML flow list."""
    return b64(f"apiVersion: spec.keptn.sh/0.2.2\nspec:\n  stages: {stages}\n")


@pytest.fixture
def api(make_client: Callable[..., TestClient], context: ServerContext) -> TestClient:
    """A client of an app with the controlPlane routes whose catalog's clock stands at NOW."""
    client = make_client(routers=[control_plane.router])
    ids = iter(f"00000000-0000-4000-8000-{n:012d}" for n in range(1, 10_000))
    catalog = CatalogService(
        SqlCatalogStore(engine_of(context)),
        context.store,
        load_document,
        now=lambda: NOW,
        new_id=lambda: next(ids),
    )
    app = cast(FastAPI, client.app)
    app.state.catalog = catalog  # for tests that call the service directly
    app.dependency_overrides[control_plane.catalog_service] = lambda: catalog
    return client


@pytest.fixture
def podtato(api: TestClient) -> TestClient:
    """The tutorial's project ``podtato`` with the service ``helloservice``."""
    assert api.post(f"{BASE}/project", json={"name": "podtato", "shipyard": b64(TUTORIAL)}).status_code == 201
    created = api.post(f"{BASE}/project/podtato/service", json={"serviceName": "helloservice"})
    assert created.status_code == 200
    return api


def error(response: Any, status: int) -> str:
    """The message of a Keptn error body, after checking its status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status
    return str(body["message"])


def state(client: TestClient, context: ServerContext) -> tuple[Any, list[str]]:
    """Everything a rejected request must leave alone: the project list and the stored events."""
    events = [event.id for event in context.store.find(limit=1000)]
    return client.get(f"{BASE}/project", params={"pageSize": 100}).json(), events


def stored(context: ServerContext, type: str) -> list[KeptnEvent]:
    """The stored events of ``type``, oldest first."""
    return list(reversed(context.store.find(type=type, limit=100)))


# --- auth ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/project"),
        ("POST", "/project"),
        ("PUT", "/project"),
        ("DELETE", "/project/podtato"),
        ("GET", "/project/podtato/stage/qa/service"),
        ("POST", "/project/podtato/service"),
        ("POST", "/project/podtato/stage/qa/service/helloservice/evaluation"),
        ("GET", "/event/triggered/sh.keptn.event.deployment.triggered"),
    ],
)
def test_every_route_needs_the_token(make_client: Callable[..., TestClient], method: str, path: str) -> None:
    """Without the token every controlPlane route answers 401 with Keptn's error body."""
    anonymous = make_client(routers=[control_plane.router], token=None)
    assert error(anonymous.request(method, BASE + path, json={}), 401).startswith(
        "missing or invalid API token"
    )


# --- projects --------------------------------------------------------------------------------------


def test_create_project_and_read_it(api: TestClient, context: ServerContext) -> None:
    """201 with an empty body; the project reads back as Keptn's ExpandedProject."""
    created = api.post(f"{BASE}/project", json={"name": "podtato", "shipyard": b64(TUTORIAL)})

    assert (created.status_code, created.content) == (201, b"")
    assert api.get(f"{BASE}/project/podtato").json() == {
        "projectName": "podtato",
        "creationDate": "1714564800250000000",
        "shipyard": TUTORIAL,
        "shipyardVersion": "spec.keptn.sh/0.2.2",
        "stages": [
            {"stageName": "qa", "parentStages": [], "services": []},
            {"stageName": "production", "parentStages": ["qa"], "services": []},
        ],
    }
    started, finished = (
        stored(context, "sh.keptn.event.project.create.started")[0],
        stored(context, "sh.keptn.event.project.create.finished")[0],
    )
    assert started.data == {"project": "podtato"}
    assert finished.data == {
        "project": "podtato",
        "status": "succeeded",
        "result": "pass",
        "createdProject": {"projectName": "podtato", "gitRemoteURL": "", "shipyard": b64(TUTORIAL)},
    }
    assert (finished.source, finished.shkeptncontext) == ("shipyard-controller", started.shkeptncontext)


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param(
            {
                "remoteURL": "https://git.example.com/podtato.git",
                "user": "me",
                "https": {
                    "token": "t0k3n",
                    "certificate": b64("-----BEGIN CERTIFICATE-----"),
                    "insecureSkipTLS": False,
                    "proxy": {"url": "p:3128", "scheme": "http"},
                },
            },
            id="https",
        ),
        pytest.param(
            {"remoteURL": "ssh://git@git.example.com/podtato.git", "ssh": {"privateKey": b64("t0k3n")}},
            id="ssh",
        ),
    ],
)
def test_git_credentials_are_accepted(
    api: TestClient, context: ServerContext, credentials: dict[str, Any]
) -> None:
    """Keptn's CLI sends git credentials; valid ones are accepted (and not stored or returned)."""
    body = {"name": "podtato", "shipyard": b64(TUTORIAL), "gitCredentials": credentials}

    assert api.post(f"{BASE}/project", json=body).status_code == 201

    assert "gitCredentials" not in api.get(f"{BASE}/project/podtato").json()
    finished = stored(context, "sh.keptn.event.project.create.finished")[0]
    assert finished.data["createdProject"]["gitRemoteURL"] == credentials["remoteURL"]
    assert "t0k3n" not in str([event.data for event in context.store.find(limit=100)])


NOT_VALID = "Could not validate payload: provided shipyard file is not valid: "


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"shipyard": b64(TUTORIAL)}, "Could not validate payload: project name missing", id="no-name"
        ),
        pytest.param(
            {"name": "a" * 201, "shipyard": b64(TUTORIAL)},
            "Could not validate payload: project name exceeds maximum size of 200 characters",
            id="long-name",
        ),
        pytest.param(
            {"name": "Podtato", "shipyard": b64(TUTORIAL)},
            "Could not validate payload: provided project name is not a valid Keptn entity name",
            id="bad-name",
        ),
        pytest.param(
            {"name": "podtato"},
            "Could not validate payload: shipyard must contain a valid shipyard spec encoded in base64",
            id="no-shipyard",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": "%%%"},
            "Could not validate payload: could not decode shipyard content",
            id="not-base64",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64("spec: [unclosed")},
            "Could not validate payload: could not unmarshal provided shipyard content",
            id="not-yaml",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64("spec:\n  stages: qa\n")},
            "Could not validate payload: could not unmarshal provided shipyard content",
            id="wrong-type",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64("kind: Shipyard\n")},
            NOT_VALID + "could not parse shipyard version",
            id="no-version",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64("apiVersion: spec.keptn.sh/0.1.7\n")},
            NOT_VALID + "Invalid shipyard APIVersion spec.keptn.sh/0.1.7. Expected >= 0.2",
            id="old-version",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": shipyard_with("[]")},
            NOT_VALID
            + "Shipyard must contain at least one stage.\nPlease update the Shipyard file and try again.",
            id="no-stages",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": shipyard_with("[{name: qa}, {sequences: []}]")},
            NOT_VALID + "all stages within the shipyard must have a name",
            id="unnamed-stage",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": shipyard_with("[{name: QA}]")},
            NOT_VALID + "Stage QA contains upper case letter(s) or special character(s).\n"
            "Keptn relies on the following conventions: start with a lower case letter, then lower case "
            "letters, numbers, and hyphens are allowed.\n"
            "Please update stage name in your shipyard and try again.",
            id="bad-stage-name",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": shipyard_with("[{name: qa}, {name: qa}]")},
            NOT_VALID + "Stage qa is defined more than once.\nPlease update the Shipyard file and try again.",
            id="duplicate-stage",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64(TUTORIAL), "gitCredentials": {"remoteURL": "git@host:x.git"}},
            "Could not validate payload: provided gitRemoteURL is not valid: "
            "only http, https or ssh protocols are supported in gitRemoteURL",
            id="git-url",
        ),
        pytest.param(
            {
                "name": "podtato",
                "shipyard": b64(TUTORIAL),
                "gitCredentials": {
                    "remoteURL": "ssh://h/x",
                    "https": {"token": "t"},
                    "ssh": {"privateKey": ""},
                },
            },
            "Could not validate payload: SSH and HTTPS authorization cannot be used together",
            id="git-both",
        ),
        pytest.param(
            {
                "name": "podtato",
                "shipyard": b64(TUTORIAL),
                "gitCredentials": {"ssh": {"privateKey": "-----"}},
            },
            "Could not validate payload: could not decode privateKey content",
            id="git-key",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64(TUTORIAL), "gitCredentials": {"https": {"certificate": "?"}}},
            "Could not validate payload: could not decode PEM Certificate content",
            id="git-certificate",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64(TUTORIAL), "owner": "me"},
            "Invalid request format: owner: Extra inputs are not permitted",
            id="unknown-field",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64(TUTORIAL), "gitCredentials": {"https": {"tokn": "t"}}},
            "Invalid request format: gitCredentials.https.tokn: Extra inputs are not permitted",
            id="unknown-nested-field",
        ),
        pytest.param(
            {"name": 7, "shipyard": b64(TUTORIAL)},
            "Invalid request format: name: Input should be a valid string",
            id="wrong-json-type",
        ),
    ],
)
def test_create_project_rejections(
    api: TestClient, context: ServerContext, body: dict[str, Any], message: str
) -> None:
    """400 with Keptn's exact message, in Keptn's order of checks; nothing is stored."""
    before = state(api, context)

    assert error(api.post(f"{BASE}/project", json=body), 400) == message

    assert state(api, context) == before


def test_create_existing_project_is_a_conflict(podtato: TestClient, context: ServerContext) -> None:
    """409 with Keptn's message; the existing project and the event log are unchanged."""
    before = state(podtato, context)

    response = podtato.post(
        f"{BASE}/project", json={"name": "podtato", "shipyard": shipyard_with("[{name: x}]")}
    )

    assert error(response, 409) == "could not create project 'podtato': project already exists"
    assert state(podtato, context) == before


def test_projects_are_paged_by_name(api: TestClient) -> None:
    """Sorted by name; ``nextPageKey`` is the next offset and ``"0"`` on the last page."""
    for name in ("sockshop", "carts", "podtato"):
        assert api.post(f"{BASE}/project", json={"name": name, "shipyard": b64(TUTORIAL)}).status_code == 201

    first = api.get(f"{BASE}/project", params={"pageSize": 2}).json()
    last = api.get(f"{BASE}/project", params={"pageSize": 2, "nextPageKey": first["nextPageKey"]}).json()
    everything = api.get(f"{BASE}/project", params={"disableUpstreamSync": "true"}).json()

    assert [p["projectName"] for p in first["projects"]] == ["carts", "podtato"]
    assert (first["nextPageKey"], first["totalCount"], first["pageSize"]) == ("2", 3, 2)
    assert [p["projectName"] for p in last["projects"]] == ["sockshop"]
    assert (last["nextPageKey"], last["totalCount"], last["pageSize"]) == ("0", 3, 1)
    assert (len(everything["projects"]), everything["nextPageKey"]) == (3, "0")


def test_empty_project_list(api: TestClient) -> None:
    """No projects: an empty list, ``nextPageKey`` "0" and a total of 0."""
    assert api.get(f"{BASE}/project").json() == {
        "projects": [],
        "nextPageKey": "0",
        "totalCount": 0,
        "pageSize": 0,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"pageSize": 0},
            "Invalid request format: query.pageSize: Input should be greater than or equal to 1",
        ),
        (
            {"pageSize": "ten"},
            "Invalid request format: query.pageSize: "
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        ({"nextPageKey": "abc"}, "Invalid request format: nextPageKey 'abc' is not a page key"),
        ({"nextPageKey": "-2"}, "Invalid request format: nextPageKey '-2' is not a page key"),
    ],
)
def test_bad_paging_parameters(api: TestClient, params: dict[str, Any], message: str) -> None:
    """A page size below 1 or a page key that is no offset is a 400."""
    assert error(api.get(f"{BASE}/project", params=params), 400) == message


def test_unknown_project(api: TestClient) -> None:
    """404 with Keptn's message."""
    assert error(api.get(f"{BASE}/project/nowhere"), 404) == "Project not found: nowhere"


def test_update_project_shipyard(podtato: TestClient, context: ServerContext) -> None:
    """A shipyard with the same stages (reordered) replaces the text and version; stage order stays."""
    before_events = len(context.store.find(limit=1000))

    response = podtato.put(f"{BASE}/project", json={"name": "podtato", "shipyard": b64(REORDERED)})

    assert (response.status_code, response.content) == (201, b"")
    project = podtato.get(f"{BASE}/project/podtato").json()
    assert (project["shipyard"], project["shipyardVersion"]) == (REORDERED, "spec.keptn.sh/0.2.4")
    assert [(s["stageName"], s["parentStages"]) for s in project["stages"]] == [
        ("qa", ["production"]),
        ("production", []),
    ]
    assert [s["serviceName"] for s in project["stages"][0]["services"]] == ["helloservice"]
    assert len(context.store.find(limit=1000)) == before_events


def test_update_without_shipyard_changes_nothing(podtato: TestClient, context: ServerContext) -> None:
    """Keptn's CLI updates only git credentials: 201, and the project stays as it was."""
    before = state(podtato, context)

    body = {"name": "podtato", "gitCredentials": {"remoteURL": "https://git.example.com/p.git"}}
    assert podtato.put(f"{BASE}/project", json=body).status_code == 201

    assert state(podtato, context) == before


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param(
            {"name": "podtato", "shipyard": shipyard_with("[{name: qa}, {name: prod}]")},
            400,
            "stage name cannot be changed or removed",
            id="renamed-stage",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": shipyard_with("[{name: qa}]")},
            400,
            "stage name cannot be changed or removed",
            id="removed-stage",
        ),
        pytest.param(
            {"name": "podtato", "shipyard": shipyard_with("[{name: qa}, {name: production}, {name: x}]")},
            400,
            "stage name cannot be changed or removed",
            id="added-stage",
        ),
        pytest.param(
            {"shipyard": b64(TUTORIAL)}, 400, "Could not validate payload: project name missing", id="no-name"
        ),
        pytest.param(
            {"name": "podtato", "shipyard": b64("apiVersion: 0.1\n")},
            400,
            NOT_VALID + "Invalid shipyard APIVersion 0.1. Expected >= 0.2",
            id="old-version",
        ),
        pytest.param({"name": "nowhere", "shipyard": b64(TUTORIAL)}, 404, "project not found", id="unknown"),
        pytest.param({"name": "nowhere"}, 404, "project not found", id="unknown-without-shipyard"),
        pytest.param(
            {"name": "podtato", "shipyard": b64(TUTORIAL), "extra": True},
            400,
            "Invalid request format: extra: Extra inputs are not permitted",
            id="unknown-field",
        ),
    ],
)
def test_update_project_rejections(
    podtato: TestClient, context: ServerContext, body: dict[str, Any], status: int, message: str
) -> None:
    """Keptn's statuses and messages; nothing changes."""
    before = state(podtato, context)

    assert error(podtato.put(f"{BASE}/project", json=body), status) == message

    assert state(podtato, context) == before


def test_delete_project(podtato: TestClient, context: ServerContext) -> None:
    """200 with a message; the project, its stages and services are gone; project.delete.finished is sent."""
    response = podtato.delete(f"{BASE}/project/podtato")

    assert response.status_code == 200
    assert response.json() == {
        "message": "Project podtato was deleted with its stages (qa, production) and their services."
    }
    assert error(podtato.get(f"{BASE}/project/podtato"), 404) == "Project not found: podtato"
    assert (
        error(podtato.get(f"{BASE}/project/podtato/stage/qa/service/helloservice"), 404)
        == "project not found"
    )
    finished = stored(context, "sh.keptn.event.project.delete.finished")
    assert [event.data for event in finished] == [
        {"project": "podtato", "status": "succeeded", "result": "pass"}
    ]
    assert (
        podtato.post(f"{BASE}/project", json={"name": "podtato", "shipyard": b64(TUTORIAL)}).status_code
        == 201
    )


def test_delete_unknown_project(api: TestClient, context: ServerContext) -> None:
    """404 and no event."""
    assert error(api.delete(f"{BASE}/project/nowhere"), 404) == "Project not found: nowhere"
    assert context.store.find(limit=10) == []


# --- stages ----------------------------------------------------------------------------------------


def test_stages_are_listed_by_name(podtato: TestClient) -> None:
    """Keptn sorts the stage list by name (not shipyard order) and pages it."""
    everything = podtato.get(f"{BASE}/project/podtato/stage").json()
    first = podtato.get(f"{BASE}/project/podtato/stage", params={"pageSize": 1}).json()
    second = podtato.get(f"{BASE}/project/podtato/stage", params={"pageSize": 1, "nextPageKey": "1"}).json()

    assert [s["stageName"] for s in everything["stages"]] == ["production", "qa"]
    assert everything["stages"][0]["parentStages"] == ["qa"]
    assert (everything["nextPageKey"], everything["totalCount"]) == ("0", 2)
    assert ([s["stageName"] for s in first["stages"]], first["nextPageKey"]) == (["production"], "1")
    assert ([s["stageName"] for s in second["stages"]], second["nextPageKey"]) == (["qa"], "0")


def test_get_stage(podtato: TestClient) -> None:
    """Keptn's ExpandedStage with its services."""
    stage = podtato.get(f"{BASE}/project/podtato/stage/production").json()

    assert stage == {
        "stageName": "production",
        "parentStages": ["qa"],
        "services": [
            {
                "serviceName": "helloservice",
                "creationDate": "1714564800250000000",
                "deployedImage": "",
                "lastEventTypes": {},
                "openRemediations": [],
            }
        ],
    }


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/project/nowhere/stage", "project not found"),
        ("/project/nowhere/stage/qa", "project not found"),
        ("/project/podtato/stage/dev", "stage not found"),
        ("/project/nowhere/stage/qa/service", "project not found"),
        ("/project/podtato/stage/dev/service", "stage not found"),
        ("/project/podtato/stage/dev/service/helloservice", "stage not found"),
        ("/project/podtato/stage/qa/service/nothing", "service not found"),
    ],
)
def test_stage_and_service_lookups_not_found(podtato: TestClient, path: str, message: str) -> None:
    """404 with Keptn's short messages."""
    assert error(podtato.get(BASE + path), 404) == message


# --- services --------------------------------------------------------------------------------------


def test_create_service_in_every_stage(podtato: TestClient, context: ServerContext) -> None:
    """200 ``{"message": ""}``; the service appears in each stage; service.create.* events are sent."""
    response = podtato.post(f"{BASE}/project/podtato/service", json={"serviceName": "Carts.v2_x"})

    assert (response.status_code, response.json()) == (200, {"message": ""})
    for stage in ("qa", "production"):
        service = podtato.get(f"{BASE}/project/podtato/stage/{stage}/service/Carts.v2_x").json()
        assert service["serviceName"] == "Carts.v2_x"
    started = stored(context, "sh.keptn.event.service.create.started")
    finished = stored(context, "sh.keptn.event.service.create.finished")
    assert started[-1].data == {"project": "podtato", "service": "Carts.v2_x"}
    assert finished[-1].data == {
        "project": "podtato",
        "service": "Carts.v2_x",
        "status": "succeeded",
        "result": "pass",
    }


def test_services_are_paged_by_name(podtato: TestClient) -> None:
    """The service list is sorted by name (creation order does not matter) and paged."""
    for name in ("zeta", "alpha"):
        assert podtato.post(f"{BASE}/project/podtato/service", json={"serviceName": name}).status_code == 200

    first = podtato.get(f"{BASE}/project/podtato/stage/qa/service", params={"pageSize": 2}).json()
    rest = podtato.get(
        f"{BASE}/project/podtato/stage/qa/service", params={"pageSize": 2, "nextPageKey": "2"}
    ).json()

    assert [s["serviceName"] for s in first["services"]] == ["alpha", "helloservice"]
    assert (first["nextPageKey"], first["totalCount"], first["pageSize"]) == ("2", 3, 2)
    assert ([s["serviceName"] for s in rest["services"]], rest["nextPageKey"]) == (["zeta"], "0")


@pytest.mark.parametrize(
    ("project", "body", "status", "message"),
    [
        pytest.param("podtato", {}, 400, "must provide a service name", id="no-name"),
        pytest.param("podtato", {"serviceName": ""}, 400, "must provide a service name", id="empty-name"),
        pytest.param(
            "podtato",
            {"serviceName": "s" * 44},
            400,
            "project name exceeds maximum size of 43 characters",
            id="long-name",
        ),
        pytest.param(
            "podtato",
            {"serviceName": "hello/service"},
            400,
            "Service name contains special character(s). The service name has to be a valid Unix directory "
            "name. For details see https://www.cyberciti.biz/faq/linuxunix-rules-for-naming-file-and-directory-names/",
            id="special-characters",
        ),
        pytest.param("podtato", {"serviceName": "helloservice"}, 409, "service already exists", id="exists"),
        pytest.param(
            "nowhere",
            {"serviceName": "helloservice"},
            404,
            "could not get stages of project nowhere: project not found",
            id="unknown-project",
        ),
        pytest.param(
            "podtato",
            {"serviceName": "x", "stage": "qa"},
            400,
            "Invalid request format: stage: Extra inputs are not permitted",
            id="unknown-field",
        ),
    ],
)
def test_create_service_rejections(
    podtato: TestClient, context: ServerContext, project: str, body: dict[str, Any], status: int, message: str
) -> None:
    """Keptn's statuses and messages (service-name errors have no prefix); nothing changes."""
    before = state(podtato, context)

    assert error(podtato.post(f"{BASE}/project/{project}/service", json=body), status) == message

    assert state(podtato, context) == before


def test_delete_service(podtato: TestClient, context: ServerContext) -> None:
    """200 ``{"message": ""}``; gone from every stage; service.delete.* events are sent."""
    response = podtato.delete(f"{BASE}/project/podtato/service/helloservice")

    assert (response.status_code, response.json()) == (200, {"message": ""})
    for stage in ("qa", "production"):
        assert podtato.get(f"{BASE}/project/podtato/stage/{stage}/service").json()["services"] == []
    finished = stored(context, "sh.keptn.event.service.delete.finished")
    assert [event.data for event in finished] == [
        {"project": "podtato", "service": "helloservice", "status": "succeeded", "result": "pass"}
    ]
    assert len(stored(context, "sh.keptn.event.service.delete.started")) == 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/project/podtato/service/nothing", "service not found"),
        (
            "/project/nowhere/service/helloservice",
            "could not retrieve stages of project nowhere: project not found",
        ),
    ],
)
def test_delete_service_not_found(
    podtato: TestClient, context: ServerContext, path: str, message: str
) -> None:
    """404 for an unknown service or project; nothing changes."""
    before = state(podtato, context)

    assert error(podtato.delete(BASE + path), 404) == message

    assert state(podtato, context) == before


def test_service_shows_its_latest_events_and_image(podtato: TestClient, context: ServerContext) -> None:
    """What the sequence engine notes through the catalog appears in ExpandedService."""
    catalog: CatalogService = podtato.app.state.catalog  # type: ignore[attr-defined]
    finished = KeptnEvent(
        "e-1",
        "sh.keptn.event.deployment.finished",
        "helm-service",
        NOW + timedelta(minutes=1),
        "ctx-1",
        {"project": "podtato", "stage": "qa", "service": "helloservice"},
    )

    assert catalog.note_events([(finished, "ghcr.io/podtato-head/podtatoserver:v0.1.2")]) == 1
    assert (
        catalog.note_events([(KeptnEvent("e-2", finished.type, "x", NOW, "c", {"project": "podtato"}), None)])
        == 0
    )

    service = podtato.get(f"{BASE}/project/podtato/stage/qa/service/helloservice").json()
    assert service["deployedImage"] == "ghcr.io/podtato-head/podtatoserver:v0.1.2"
    assert service["lastEventTypes"] == {
        "sh.keptn.event.deployment.finished": {
            "eventId": "e-1",
            "keptnContext": "ctx-1",
            "time": "1714564860250000000",
        }
    }


# --- evaluation ------------------------------------------------------------------------------------

EVALUATION = f"{BASE}/project/podtato/stage/qa/service/helloservice/evaluation"
EVALUATION_TRIGGERED = "sh.keptn.event.qa.evaluation.triggered"


@pytest.mark.parametrize(
    ("body", "start", "end"),
    [
        pytest.param({}, "2024-05-01T11:55:00.250Z", "2024-05-01T12:00:00.250Z", id="default-5m"),
        pytest.param(
            {"timeframe": "1h30m"}, "2024-05-01T10:30:00.250Z", "2024-05-01T12:00:00.250Z", id="timeframe"
        ),
        pytest.param(
            {"start": "2024-05-01T10:00:00", "timeframe": "10m"},
            "2024-05-01T10:00:00.000Z",
            "2024-05-01T10:10:00.000Z",
            id="start-timeframe",
        ),
        pytest.param(
            {"start": "2024-05-01T10:00:00.000Z", "end": "2024-05-01T14:30:00+02:00"},
            "2024-05-01T10:00:00.000Z",
            "2024-05-01T12:30:00.000Z",
            id="start-end-with-offset",
        ),
    ],
)
def test_trigger_evaluation_window(
    podtato: TestClient, context: ServerContext, body: dict[str, Any], start: str, end: str
) -> None:
    """The window is resolved as Keptn does and sent in ``evaluation.start``/``end``."""
    response = podtato.post(EVALUATION, json=body)

    assert response.status_code == 200
    event = stored(context, EVALUATION_TRIGGERED)[0]
    assert response.json() == {"keptnContext": event.shkeptncontext}
    assert event.data["evaluation"] == {"start": start, "end": end}


def test_triggered_evaluation_event(podtato: TestClient, context: ServerContext) -> None:
    """``sh.keptn.event.<stage>.evaluation.triggered`` as Keptn's controller sends it: the API's source,
    a new context, the labels and the commit id."""
    body = {"timeframe": "5m", "labels": {"buildId": "42"}, "gitcommitid": "a1b2c3"}

    context_id = podtato.post(EVALUATION, json=body).json()["keptnContext"]

    [event] = stored(context, EVALUATION_TRIGGERED)
    assert (event.shkeptncontext, event.source, event.gitcommitid) == (
        context_id,
        "https://github.com/keptn/keptn/api",
        "a1b2c3",
    )
    assert (event.time, event.triggeredid) == (NOW, "")
    assert event.data == {
        "project": "podtato",
        "stage": "qa",
        "service": "helloservice",
        "labels": {"buildId": "42"},
        "evaluation": {"start": "2024-05-01T11:55:00.250Z", "end": "2024-05-01T12:00:00.250Z"},
    }


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        pytest.param(
            EVALUATION,
            {"timeframe": "5m", "end": "2024-05-01T10:00:00"},
            "Invalid request format: timeframe and end time specifications cannot be set together",
            id="timeframe-and-end",
        ),
        pytest.param(
            EVALUATION,
            {"start": "2024-05-01T10:00:00"},
            "Invalid request format: timeframe or end time specifications need to be specified when using "
            "start parameter",
            id="start-alone",
        ),
        pytest.param(
            EVALUATION,
            {"end": "2024-05-01T10:00:00"},
            "Invalid request format: end time specifications cannot be set without start parameter",
            id="end-alone",
        ),
        pytest.param(
            EVALUATION.replace("podtato", "nowhere"), {"timeframe": "5m"}, "project not found", id="project"
        ),
        pytest.param(EVALUATION.replace("/qa/", "/dev/"), {"timeframe": "5m"}, "stage not found", id="stage"),
        pytest.param(
            EVALUATION.replace("helloservice", "carts"),
            {"timeframe": "5m"},
            "service not found",
            id="service",
        ),
        pytest.param(
            EVALUATION,
            {"start": "2024-05-01T10:00:00", "end": "2024-05-01T10:00:30"},
            "end date must be at least 1 minute after start date",
            id="too-short",
        ),
        pytest.param(
            EVALUATION,
            {"timeframe": "-5m"},
            "end date must be at least 1 minute after start date",
            id="negative-timeframe",
        ),
        pytest.param(
            EVALUATION,
            {"timeframe": "5 minutes"},
            'could not parse provided timeframe: time: invalid duration "5 minutes"',
            id="bad-timeframe",
        ),
        pytest.param(
            EVALUATION,
            {"start": "yesterday", "timeframe": "5m"},
            "'yesterday' is not a time: use RFC 3339, e.g. 2026-11-26T10:00:00Z or 2026-11-26T10:00:00",
            id="bad-start",
        ),
        pytest.param(
            EVALUATION,
            {"timeframe": "5m", "labels": {"n": 1}},
            "Invalid request format: labels.n: Input should be a valid string",
            id="label-not-text",
        ),
        pytest.param(
            EVALUATION,
            {"timeframe": "5m", "window": "x"},
            "Invalid request format: window: Extra inputs are not permitted",
            id="unknown-field",
        ),
    ],
)
def test_trigger_evaluation_rejections(
    podtato: TestClient, context: ServerContext, path: str, body: dict[str, Any], message: str
) -> None:
    """400 with Keptn's message (request-format checks first, then the service, then the window);
    no event is stored."""
    before = state(podtato, context)

    assert error(podtato.post(path, json=body), 400) == message

    assert state(podtato, context) == before


# --- open .triggered events ------------------------------------------------------------------------

TRIGGERED_URL = f"{BASE}/event/triggered/sh.keptn.event.deployment.triggered"


def task_event(
    id: str, type: str, minutes: float, *, triggeredid: str = "", project: str = "podtato", stage: str = "qa"
) -> KeptnEvent:
    """A task event of helloservice, ``minutes`` after NOW (negative: before), sent outside a sequence
    (as lighthouse sends get-sli.triggered; the engine's own task triggers are tested with deliveries)."""
    data = {"project": project, "stage": stage, "service": "helloservice"}
    return KeptnEvent(
        id, type, "lighthouse-service", NOW + timedelta(minutes=minutes), "ctx", data, triggeredid
    )


def test_open_triggered_events(podtato: TestClient, context: ServerContext) -> None:
    """Due .triggered events without a .finished, as CloudEvents, oldest first."""
    context.store.add(
        [
            task_event("open", "sh.keptn.event.deployment.triggered", -3),
            task_event("done", "sh.keptn.event.deployment.triggered", -2),
            task_event("done-f", "sh.keptn.event.deployment.finished", -1, triggeredid="done"),
            task_event("later", "sh.keptn.event.deployment.triggered", 5),
            task_event("prod", "sh.keptn.event.deployment.triggered", -1, stage="production"),
            task_event("ghost", "sh.keptn.event.deployment.triggered", -1, project="deleted"),
        ]
    )

    body = podtato.get(TRIGGERED_URL).json()

    assert [event["id"] for event in body["events"]] == ["open", "prod"]
    assert (body["nextPageKey"], body["totalCount"], body["pageSize"]) == ("0", 2, 2)
    assert body["events"][0] == {
        "specversion": "1.0",
        "id": "open",
        "source": "lighthouse-service",
        "type": "sh.keptn.event.deployment.triggered",
        "time": "2024-05-01T11:57:00.25Z",
        "datacontenttype": "application/json",
        "data": {"project": "podtato", "stage": "qa", "service": "helloservice"},
        "shkeptncontext": "ctx",
    }


def test_open_triggered_filters_and_paging(podtato: TestClient, context: ServerContext) -> None:
    """``project``, ``stage``, ``service`` and ``eventID`` filter; empty values are ignored; pages work."""
    context.store.add([task_event(f"e{n}", "sh.keptn.event.deployment.triggered", -10 + n) for n in range(3)])
    context.store.add([task_event("p", "sh.keptn.event.deployment.triggered", -1, stage="production")])

    def ids(**params: Any) -> list[str]:
        return [event["id"] for event in podtato.get(TRIGGERED_URL, params=params).json()["events"]]

    assert ids(project="podtato", stage="production") == ["p"]
    assert ids(stage="qa", service="helloservice") == ["e0", "e1", "e2"]
    assert ids(eventID="e1") == ["e1"]
    assert ids(service="other") == []
    assert ids(project="", stage="") == ["e0", "e1", "e2", "p"]
    page = podtato.get(TRIGGERED_URL, params={"pageSize": 3, "nextPageKey": "3"}).json()
    assert ([event["id"] for event in page["events"]], page["totalCount"], page["nextPageKey"]) == (
        ["p"],
        4,
        "0",
    )
    assert podtato.get(TRIGGERED_URL, params={"pageSize": 3}).json()["nextPageKey"] == "3"


def test_open_triggered_of_unknown_project(api: TestClient) -> None:
    """404 with Keptn's message when the project filter names no project."""
    assert error(api.get(TRIGGERED_URL, params={"project": "nowhere"}), 404) == "project not found"


def test_approval_events_are_polled_like_any_task(podtato: TestClient, context: ServerContext) -> None:
    """The CLI lists open approvals with this route; answered ones disappear."""
    approval = "sh.keptn.event.approval.triggered"
    context.store.add([task_event("a1", approval, -1)])
    url = f"{BASE}/event/triggered/{approval}"
    assert [event["id"] for event in podtato.get(url).json()["events"]] == ["a1"]

    context.store.add([task_event("a1-f", "sh.keptn.event.approval.finished", 0, triggeredid="a1")])

    assert podtato.get(url).json() == {"events": [], "nextPageKey": "0", "totalCount": 0, "pageSize": 0}


# --- wiring and file writes ------------------------------------------------------------------------


def test_catalog_over_the_server_context(
    make_client: Callable[..., TestClient], context: ServerContext
) -> None:
    """Without an override the routes use the server context's catalog, database and event store."""
    client = make_client(routers=[control_plane.router])
    before = datetime.now(UTC)

    assert (
        client.post(f"{BASE}/project", json={"name": "podtato", "shipyard": b64(TUTORIAL)}).status_code == 201
    )

    created = int(client.get(f"{BASE}/project/podtato").json()["creationDate"])
    assert before.timestamp() - 1 <= created / 1e9 <= datetime.now(UTC).timestamp() + 1
    assert len(stored(context, "sh.keptn.event.project.create.finished")) == 1


def test_routes_are_documented(make_client: Callable[..., TestClient]) -> None:
    """Every controlPlane route appears in the OpenAPI document."""
    paths = make_client(routers=[control_plane.router]).get("/api/openapi.json").json()["paths"]

    assert {path for path in paths if path.startswith(BASE)} == {
        f"{BASE}/project",
        f"{BASE}/project/{{project}}",
        f"{BASE}/project/{{project}}/stage",
        f"{BASE}/project/{{project}}/stage/{{stage}}",
        f"{BASE}/project/{{project}}/stage/{{stage}}/service",
        f"{BASE}/project/{{project}}/stage/{{stage}}/service/{{service}}",
        f"{BASE}/project/{{project}}/service",
        f"{BASE}/project/{{project}}/service/{{service}}",
        f"{BASE}/project/{{project}}/stage/{{stage}}/service/{{service}}/evaluation",
        f"{BASE}/event/triggered/{{eventType}}",
    }


def test_replace_shipyard_text(podtato: TestClient) -> None:
    """Writing ``shipyard.yaml`` itself follows the update rules: same stages, valid shipyard."""
    catalog: CatalogService = podtato.app.state.catalog  # type: ignore[attr-defined]

    catalog.replace_shipyard("podtato", REORDERED)

    project = podtato.get(f"{BASE}/project/podtato").json()
    assert (project["shipyard"], project["shipyardVersion"]) == (REORDERED, "spec.keptn.sh/0.2.4")
    rejected = [
        ("podtato", "spec: [", InputError),
        ("podtato", "apiVersion: 0.2.0\nspec: {stages: [{name: qa}]}\n", InputError),
        ("nowhere", TUTORIAL, NotFoundError),
    ]
    messages = []
    for project, text, kind in rejected:
        with pytest.raises(kind) as raised:
            catalog.replace_shipyard(project, text)
        messages.append(raised.value.message)
    assert messages == [
        "Could not validate payload: could not unmarshal provided shipyard content",
        "stage name cannot be changed or removed",
        "project not found",
    ]
    assert podtato.get(f"{BASE}/project/podtato").json()["shipyard"] == REORDERED
