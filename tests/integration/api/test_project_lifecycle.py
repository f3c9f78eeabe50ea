"""Across the API groups: what a project owns goes with it."""

from __future__ import annotations

import base64
from importlib import resources

from fastapi.testclient import TestClient

DEMO = resources.files("slogate.demo") / "data"
CONTROL = "/api/controlPlane/v1"
FILES = "/api/resource-service/v1/project/fulltour/resource"


def b64(text: str) -> str:
    """Base64 of UTF-8 text."""
    return base64.b64encode(text.encode()).decode()


def create(client: TestClient) -> None:
    """Create the tutorial project."""
    shipyard = b64((DEMO / "shipyard.yaml").read_text())
    assert (
        client.post(f"{CONTROL}/project", json={"name": "fulltour", "shipyard": shipyard}).status_code == 201
    )


def listed(client: TestClient) -> tuple[list[str], str]:
    """The project's current files and the revision they are listed at."""
    listing = client.get(FILES).json()["resources"]
    return [r["resourceURI"] for r in listing], listing[0]["metadata"]["version"] if listing else ""


def test_deleting_a_project_deletes_its_resources(client: TestClient) -> None:
    """A project created again under the same name starts with only the files of a new project."""
    create(client)
    new_project, first = listed(client)
    sli = {"resources": [{"resourceURI": "prometheus/sli.yaml", "resourceContent": b64("indicators: {}")}]}
    assert client.post(FILES, json=sli).status_code == 201
    assert listed(client)[0] == ["metadata.yaml", "prometheus/sli.yaml", "shipyard.yaml"]
    assert client.delete(f"{CONTROL}/project/fulltour").status_code == 200
    create(client)
    files, again = listed(client)
    assert (new_project, files) == (["metadata.yaml", "shipyard.yaml"], ["metadata.yaml", "shipyard.yaml"])
    assert again != first
    assert client.get(FILES, params={"gitCommitID": first}).status_code == 404  # the old history is gone
