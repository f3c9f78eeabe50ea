"""Keptn 1.x's own integration tests (test/go-tests), ported in spirit to plain HTTP: service files.

Test_ResourceServiceBasic and Test_ResourceServiceGETCommitID count the files of a service and of a
stage: a service has the ``metadata.yaml`` the resource-service writes in each stage when the
service is created, and a stage's listing walks the stage's directory, its services' files included.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

CONTROL = "/api/controlPlane/v1"
FILES = "/api/resource-service/v1/project/rs-test"
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: shipyard}
spec:
  stages:
    - name: dev
    - name: production
"""
SERVICES = ("app", "app-db")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def upload(client: TestClient, path: str, *uris: str, method: str = "POST") -> None:
    body = {"resources": [{"resourceURI": uri, "resourceContent": b64(f"<{uri}/>")} for uri in uris]}
    answer = client.request(method, f"{FILES}{path}/resource", json=body)
    assert answer.status_code in (200, 201), answer.text


def listing(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"{FILES}{path}/resource", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def uris(client: TestClient, path: str) -> list[str]:
    return [item["resourceURI"] for item in listing(client, path)["resources"]]


@pytest.fixture
def project(client: TestClient) -> TestClient:
    """The project of Keptn's resource-service test: stages dev and production, services app, app-db."""
    created = client.post(f"{CONTROL}/project", json={"name": "rs-test", "shipyard": b64(SHIPYARD)})
    assert created.status_code == 201, created.text
    for service in SERVICES:
        answer = client.post(f"{CONTROL}/project/rs-test/service", json={"serviceName": service})
        assert answer.status_code == 200, answer.text
    return client


def test_a_new_service_has_keptns_metadata_yaml_in_every_stage(project: TestClient) -> None:
    """Test_ResourceServiceGETCommitID: one file uploaded to a new service, two listed."""
    for stage in ("dev", "production"):
        assert uris(project, f"/stage/{stage}/service/app") == ["metadata.yaml"]
    upload(project, "/stage/dev/service/app", "slo.yaml")

    assert listing(project, "/stage/dev/service/app")["totalCount"] == 2
    answer = project.get(f"{FILES}/stage/dev/service/app/resource/metadata.yaml")
    text = base64.b64decode(answer.json()["resourceContent"]).decode()
    assert text.startswith("servicename: app\ncreationtimestamp: 20")
    assert text.endswith(" +0000 UTC\n")


def test_a_service_created_again_starts_with_keptns_files_only(project: TestClient) -> None:
    """Keptn deletes the service's directory with the service: its old files do not come back."""
    upload(project, "/stage/dev/service/app", "load.jmx")
    assert project.delete(f"{CONTROL}/project/rs-test/service/app").status_code == 200
    again = project.post(f"{CONTROL}/project/rs-test/service", json={"serviceName": "app"})
    assert again.status_code == 200, again.text

    assert uris(project, "/stage/dev/service/app") == ["metadata.yaml"]
    assert "app/load.jmx" not in uris(project, "/stage/dev")


def test_a_stages_listing_holds_its_services_files(project: TestClient) -> None:
    """Test_ResourceServiceBasic: 3 stage files and 2 per service make 7, in Keptn's walk order."""
    for service in SERVICES:
        upload(project, f"/stage/dev/service/{service}", "load.jmx")
    upload(project, "/stage/dev", "load.jmx")
    upload(project, "/stage/dev", "load_new.jmx", method="PUT")

    found = listing(project, "/stage/dev")

    assert found["totalCount"] == 7
    assert [item["resourceURI"] for item in found["resources"]] == [
        "app/load.jmx",
        "app/metadata.yaml",
        "app-db/load.jmx",
        "app-db/metadata.yaml",
        "load.jmx",
        "load_new.jmx",
        "metadata.yaml",
    ]
    assert uris(project, "/stage/production") == [
        "app/metadata.yaml",
        "app-db/metadata.yaml",
        "metadata.yaml",
    ]
    assert listing(project, "")["totalCount"] == 2  # the project's own: metadata.yaml, shipyard.yaml


def test_a_stages_listing_pages_over_its_services_files(project: TestClient) -> None:
    """Keptn's pagination over the whole stage directory: nextPageKey is the next offset, "0" at the end."""
    first = listing(project, "/stage/dev", pageSize=2)
    second = listing(project, "/stage/dev", pageSize=2, nextPageKey=first["nextPageKey"])

    assert (first["totalCount"], first["nextPageKey"], second["nextPageKey"]) == (3, "2", "0")
    listed = [item["resourceURI"] for item in first["resources"] + second["resources"]]
    assert listed == ["app/metadata.yaml", "app-db/metadata.yaml", "metadata.yaml"]


def test_a_service_file_named_by_the_stage_listing_can_be_read_there(project: TestClient) -> None:
    """What a stage's listing names can be fetched from the stage, as from Keptn's stage directory."""
    upload(project, "/stage/dev/service/app", "slo.yaml")

    answer = project.get(f"{FILES}/stage/dev/resource/app%2Fslo.yaml")

    assert answer.status_code == 200, answer.text
    assert base64.b64decode(answer.json()["resourceContent"]) == b"<slo.yaml/>"
    assert project.get(f"{FILES}/stage/dev/resource/nope%2Fslo.yaml").status_code == 404
