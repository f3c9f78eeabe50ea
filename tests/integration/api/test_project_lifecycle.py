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


def test_deleting_a_project_deletes_its_resources(client: TestClient) -> None:
    """A project created again under the same name starts without the old project's files."""
    create(client)
    sli = {"resources": [{"resourceURI": "prometheus/sli.yaml", "resourceContent": b64("indicators: {}")}]}
    assert client.post(FILES, json=sli).status_code == 201
    assert [r["resourceURI"] for r in client.get(FILES).json()["resources"]] == ["prometheus/sli.yaml"]
    assert client.delete(f"{CONTROL}/project/fulltour").status_code == 200
    create(client)
    assert client.get(FILES).json()["resources"] == []
