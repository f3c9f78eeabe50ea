"""YAML bombs sent through the API are refused with 400 naming the limit, or end the evaluation errored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slogate.api.context import ServerContext
from tests.support.delivery import b64, create_project, delivery_server, events, settle
from tests.support.yaml_bombs import aliases_of_a_big_node, billion_laughs, nested_flow

CONTROL = "/api/controlPlane/v1"
RESOURCES = "/api/resource-service/v1/project/fulltour"
NODES = "more than the limit of 250000 nodes"
DEPTH = "nested more than the limit of 100 levels deep"
BOMBS = {
    "billion-laughs": (billion_laughs(), NODES),
    "aliases-of-a-big-node": (aliases_of_a_big_node(20_000, 100), NODES),
    "deep-nesting": (nested_flow(50_000), DEPTH),
}
Server = tuple[ServerContext, TestClient]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with delivery_server(tmp_path / "data") as (context, client, _):
        create_project(client)
        yield context, client


def message_of(response: object) -> str:
    assert hasattr(response, "json")
    body = response.json()
    text: str = body.get("message") or body.get("detail") or ""
    return text


@pytest.mark.parametrize(("bomb", "limit"), BOMBS.values(), ids=list(BOMBS))
def test_a_shipyard_bomb_creating_a_project_is_refused_with_400(
    server: Server, bomb: str, limit: str
) -> None:
    _, client = server
    began = time.monotonic()
    response = client.post(f"{CONTROL}/project", json={"name": "bombed", "shipyard": b64(bomb)})
    assert response.status_code == 400, response.text
    assert limit in message_of(response)
    assert time.monotonic() - began < 2  # generous: refused in milliseconds
    assert client.get(f"{CONTROL}/project/bombed").status_code == 404


@pytest.mark.parametrize(("bomb", "limit"), BOMBS.values(), ids=list(BOMBS))
def test_a_shipyard_bomb_written_as_a_resource_is_refused_with_400(
    server: Server, bomb: str, limit: str
) -> None:
    _, client = server
    body = {"resources": [{"resourceURI": "shipyard.yaml", "resourceContent": b64(bomb)}]}
    response = client.put(f"{RESOURCES}/resource", json=body)
    assert response.status_code == 400, response.text
    assert limit in message_of(response)
    assert "stages" in client.get(f"{CONTROL}/project/fulltour").json()


@pytest.mark.parametrize(("bomb", "limit"), BOMBS.values(), ids=list(BOMBS))
def test_an_slo_bomb_errors_the_evaluation_naming_the_limit(server: Server, bomb: str, limit: str) -> None:
    context, client = server
    body = {"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(bomb)}]}
    assert client.put(f"{RESOURCES}/stage/qa/service/helloservice/resource", json=body).status_code == 200
    response = client.post(
        f"{CONTROL}/project/fulltour/stage/qa/service/helloservice/evaluation", json={"timeframe": "5m"}
    )
    assert response.status_code == 200, response.text
    began = time.monotonic()
    settle(context)
    assert time.monotonic() - began < 5  # generous: the former loader spent 49.8 s on such a file
    (finished,) = events(client, response.json()["keptnContext"], "sh.keptn.event.evaluation.finished")
    assert finished["data"]["status"] == "errored"
    assert finished["data"]["message"].startswith(f"error retrieving SLO file: refused: {limit}")
