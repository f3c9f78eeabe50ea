"""A project's files: shipyard.yaml as a project resource, a first revision per stage, kept in step."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate.adapters.store.catalog_repository import SqlCatalogStore
from slogate.adapters.yamlfile import load_document
from slogate.server_context import ServerContext
from slogate.services.usecases.catalog import CatalogService
from tests.support.engines import engine_of

CONTROL = "/api/controlPlane/v1"
FILES = "/api/resource-service/v1/project/podtato"
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: approval
    - name: production
      sequences:
        - name: delivery
          triggeredOn:
            - event: qa.delivery.finished
          tasks:
            - name: deployment
"""
REORDERED = """\
apiVersion: spec.keptn.sh/0.2.4
kind: Shipyard
spec:
  stages:
    - name: production
    - name: qa
"""
OTHER_STAGES = "apiVersion: spec.keptn.sh/0.2.2\nspec:\n  stages:\n    - name: dev\n"


def b64(text: str | bytes) -> str:
    """Base64 of ``text`` (UTF-8 when a string)."""
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def decoded(answer: Any) -> str:
    """The text of a resource GET answer, after checking it is 200."""
    assert answer.status_code == 200, answer.text
    return base64.b64decode(answer.json()["resourceContent"]).decode()


def version(answer: Any) -> str:
    """``metadata.version`` of a resource GET answer."""
    assert answer.status_code == 200, answer.text
    return str(answer.json()["metadata"]["version"])


@pytest.fixture
def podtato(client: TestClient) -> TestClient:
    """A client of the full server with the project ``podtato`` (stages qa, production) and a service."""
    created = client.post(f"{CONTROL}/project", json={"name": "podtato", "shipyard": b64(SHIPYARD)})
    assert created.status_code == 201, created.text
    assert client.post(f"{CONTROL}/project/podtato/service", json={"serviceName": "hello"}).status_code == 200
    return client


def test_a_new_project_has_its_shipyard_and_metadata_as_project_resources(podtato: TestClient) -> None:
    """As Keptn's controller does, the shipyard is uploaded as the project's shipyard.yaml."""
    listing = podtato.get(f"{FILES}/resource").json()
    metadata = decoded(podtato.get(f"{FILES}/resource/metadata.yaml"))

    assert [item["resourceURI"] for item in listing["resources"]] == ["metadata.yaml", "shipyard.yaml"]
    assert decoded(podtato.get(f"{FILES}/resource/shipyard.yaml")) == SHIPYARD
    assert metadata.startswith("projectName: podtato\ncreationTimestamp: 20")
    assert metadata.endswith(" +0000 UTC\nisUsingDirectoryStructure: false\n")


def test_every_stage_has_a_revision_from_the_start(podtato: TestClient, context: ServerContext) -> None:
    """Each stage gets a metadata.yaml, so it has a revision (commitID) before anyone writes to it."""
    revisions = {stage: context.resources.stage_revision("podtato", stage) for stage in ("qa", "production")}

    for stage, revision in revisions.items():
        answer = podtato.get(f"{FILES}/stage/{stage}/resource/metadata.yaml")
        assert version(answer) == revision
        assert decoded(answer).startswith(f"stagename: {stage}\ncreationtimestamp: 20")
        assert len(revision) == 40
    assert revisions["qa"] != revisions["production"]
    assert context.resources.stage_revision("podtato", "nowhere") == ""
    assert context.resources.stage_revision("elsewhere", "qa") == ""


def test_a_write_in_a_stage_moves_only_that_stages_revision(
    podtato: TestClient, context: ServerContext
) -> None:
    """A service file is part of its stage's history: the stage's revision becomes the new commit."""
    before = {stage: context.resources.stage_revision("podtato", stage) for stage in ("qa", "production")}

    written = podtato.post(
        f"{FILES}/stage/qa/service/hello/resource",
        json={"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64("objectives: []")}]},
    )

    commit = written.json()["commitID"]
    assert commit not in before.values()
    assert context.resources.stage_revision("podtato", "qa") == commit
    assert context.resources.stage_revision("podtato", "production") == before["production"]
    assert version(podtato.get(f"{FILES}/stage/qa/resource/metadata.yaml")) == commit


def test_updating_the_project_writes_the_new_shipyard(podtato: TestClient) -> None:
    """PUT project with a shipyard stores it as shipyard.yaml too; the same text adds no revision."""
    first = version(podtato.get(f"{FILES}/resource/shipyard.yaml"))

    updated = podtato.put(f"{CONTROL}/project", json={"name": "podtato", "shipyard": b64(REORDERED)})
    second = version(podtato.get(f"{FILES}/resource/shipyard.yaml"))
    again = podtato.put(f"{CONTROL}/project", json={"name": "podtato", "shipyard": b64(REORDERED)})
    without = podtato.put(f"{CONTROL}/project", json={"name": "podtato"})

    assert (updated.status_code, again.status_code, without.status_code) == (201, 201, 201)
    assert decoded(podtato.get(f"{FILES}/resource/shipyard.yaml")) == REORDERED
    assert decoded(podtato.get(f"{FILES}/resource/shipyard.yaml", params={"gitCommitID": first})) == SHIPYARD
    assert first != second
    assert version(podtato.get(f"{FILES}/resource/shipyard.yaml")) == second


def test_a_rejected_update_leaves_the_shipyard_resource_alone(podtato: TestClient) -> None:
    """An update that changes the stages is refused, and shipyard.yaml keeps its revision."""
    before = version(podtato.get(f"{FILES}/resource/shipyard.yaml"))

    refused = podtato.put(f"{CONTROL}/project", json={"name": "podtato", "shipyard": b64(OTHER_STAGES)})

    assert refused.status_code == 400
    assert version(podtato.get(f"{FILES}/resource/shipyard.yaml")) == before
    assert decoded(podtato.get(f"{FILES}/resource/shipyard.yaml")) == SHIPYARD


def test_writing_shipyard_yaml_updates_the_project(podtato: TestClient) -> None:
    """A write of the project's shipyard.yaml is an update of the project's shipyard, with its rules."""
    written = podtato.put(f"{FILES}/resource/shipyard.yaml", json={"resourceContent": b64(REORDERED)})

    project = podtato.get(f"{CONTROL}/project/podtato").json()
    assert written.status_code == 200, written.text
    assert (project["shipyard"], project["shipyardVersion"]) == (REORDERED, "spec.keptn.sh/0.2.4")
    assert version(podtato.get(f"{FILES}/resource/shipyard.yaml")) == written.json()["commitID"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b64(OTHER_STAGES), "stage name cannot be changed or removed"),
        (b64("spec: ["), "Could not validate payload: could not unmarshal provided shipyard content"),
        (b64(b"\xff\xfe"), "shipyard.yaml in project 'podtato' is not UTF-8 text"),
    ],
)
def test_a_shipyard_yaml_the_project_cannot_take_is_refused(
    podtato: TestClient, content: str, message: str
) -> None:
    """Neither the file nor the project's shipyard changes when the new one breaks the update rules."""
    before = version(podtato.get(f"{FILES}/resource/shipyard.yaml"))

    answer = podtato.post(
        f"{FILES}/resource",
        json={"resources": [{"resourceURI": "extra.yaml", "resourceContent": b64("e")},
                            {"resourceURI": "shipyard.yaml", "resourceContent": content}]},
    )  # fmt: skip

    assert (answer.status_code, answer.json()["message"]) == (400, message)
    assert version(podtato.get(f"{FILES}/resource/shipyard.yaml")) == before
    assert podtato.get(f"{FILES}/resource/extra.yaml").status_code == 404
    assert podtato.get(f"{CONTROL}/project/podtato").json()["shipyard"] == SHIPYARD


def test_the_projects_shipyard_yaml_cannot_be_deleted(podtato: TestClient) -> None:
    """Deleting the project's shipyard is refused; a stage's shipyard.yaml is an ordinary file."""
    stage_file = f"{FILES}/stage/qa/resource/shipyard.yaml"
    assert podtato.put(stage_file, json={"resourceContent": b64("not a shipyard")}).status_code == 200

    refused = podtato.delete(f"{FILES}/resource/shipyard.yaml")

    assert refused.status_code == 400
    assert refused.json()["message"] == (
        "shipyard.yaml of project 'podtato' cannot be deleted: a project needs its shipyard "
        "(update it, or delete the project)"
    )
    assert decoded(podtato.get(f"{FILES}/resource/shipyard.yaml")) == SHIPYARD
    assert podtato.delete(stage_file).status_code == 200


def test_a_project_whose_files_cannot_be_written_is_not_created(context: ServerContext) -> None:
    """Like Keptn's controller, creation is rolled back when the project's files fail."""
    deleted: list[str] = []

    def failing(project: str, shipyard: str, stages: object) -> None:
        raise OSError("disk full")

    records = SqlCatalogStore(engine_of(context))
    catalog = CatalogService(
        records,
        context.store,
        load_document,
        on_project_created=failing,
        on_project_deleted=deleted.append,
    )

    with pytest.raises(OSError, match="disk full"):
        catalog.create_project("podtato", b64(SHIPYARD))

    assert records.project("podtato") is None
    assert deleted == ["podtato"]
    assert context.store.find(type="sh.keptn.event.project.create.finished", limit=1) == []
