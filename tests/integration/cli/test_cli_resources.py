"""``slogate add-resource`` at project, stage, service and all-stages level, with Keptn's flag rules."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.integration.cli.cli_helpers import assert_one_line_error
from tests.integration.cli.conftest import Cli
from tests.support.delivery import SHIPYARD, SLO
from tests.support.live_server import LiveServer

RESOURCES = "/api/resource-service/v1/project"
BINARY = bytes(range(256)) * 4


@pytest.fixture(scope="module")
def project(live_server: LiveServer) -> str:
    """A project ``files`` with stages qa and production and the service ``carts``."""
    with live_server.client() as client:
        shipyard = base64.b64encode(SHIPYARD.encode()).decode()
        created = client.post("/api/controlPlane/v1/project", json={"name": "files", "shipyard": shipyard})
        assert created.status_code == 201, created.text
        service = client.post("/api/controlPlane/v1/project/files/service", json={"serviceName": "carts"})
        assert service.status_code == 200, service.text
    return "files"


def stored(server: LiveServer, level: str, uri: str) -> bytes | None:
    """The content of a resource at ``level`` (e.g. ``files/stage/qa``), or None when it is not there."""
    with server.client() as client:
        answer = client.get(f"{RESOURCES}/{level}/resource/{quote(uri, safe='')}")
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    return base64.b64decode(answer.json()["resourceContent"])


@pytest.fixture
def slo(tmp_path: Path) -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(SLO, encoding="utf-8")
    return path


def test_the_flags_choose_the_level(cli: Cli, live_server: LiveServer, project: str, slo: Path) -> None:
    to_project = cli("add-resource", "--project", project, "--resource", slo, "--resourceUri", "p/slo.yaml")
    assert to_project.exit_code == 0, to_project.output
    assert to_project.stdout.startswith("Added p/slo.yaml to project files (revision ")
    assert stored(live_server, "files", "p/slo.yaml") == SLO.encode()
    to_stage = cli("add-resource", "-p", project, "-s", "qa", "-r", slo, "--resourceUri", "s/slo.yaml")
    assert to_stage.exit_code == 0, to_stage.output
    assert "to stage qa of project files" in to_stage.stdout
    assert stored(live_server, "files/stage/qa", "s/slo.yaml") == SLO.encode()
    assert stored(live_server, "files/stage/production", "s/slo.yaml") is None
    to_service = cli(
        "add-resource", "--project", project, "--stage", "qa", "--service", "carts",
        "--resource", slo, "--resourceUri", "slo.yaml",
    )  # fmt: skip
    assert to_service.exit_code == 0, to_service.output
    assert "to service carts in stage qa of project files" in to_service.stdout
    assert stored(live_server, "files/stage/qa/service/carts", "slo.yaml") == SLO.encode()


def test_all_stages_with_and_without_a_service(
    cli: Cli, live_server: LiveServer, project: str, slo: Path
) -> None:
    stages = cli(
        "add-resource", "--project", project, "--all-stages", "--resource", slo, "--resourceUri", "a.yaml"
    )
    assert stages.exit_code == 0, stages.output
    assert [line.split(" (")[0] for line in stages.stdout.splitlines()] == [
        "Added a.yaml to stage qa of project files",
        "Added a.yaml to stage production of project files",
    ]
    services = cli(
        "add-resource", "--project", project, "--all-stages", "--service", "carts",
        "--resource", slo, "--resource-uri", "b.yaml",
    )  # fmt: skip
    assert services.exit_code == 0, services.output
    for stage in ("qa", "production"):
        assert stored(live_server, f"files/stage/{stage}", "a.yaml") == SLO.encode()
        assert stored(live_server, f"files/stage/{stage}/service/carts", "b.yaml") == SLO.encode()


def test_binary_files_and_the_default_uri(
    cli: Cli, live_server: LiveServer, project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "helm").mkdir()
    (tmp_path / "helm" / "chart.bin").write_bytes(BINARY)
    monkeypatch.chdir(tmp_path)
    result = cli(
        "add-resource", "--project", project, "--stage", "qa", "--service", "carts", "-r", "helm/chart.bin"
    )
    assert result.exit_code == 0, result.output
    assert stored(live_server, "files/stage/qa/service/carts", "helm/chart.bin") == BINARY


def test_flag_combinations_and_errors(cli: Cli, project: str, slo: Path, tmp_path: Path) -> None:
    both = cli("add-resource", "-p", project, "--stage", "qa", "--all-stages", "-r", slo)
    assert_one_line_error(both, "--stage and --all-stages cannot be used together")
    no_stage = cli("add-resource", "-p", project, "--service", "carts", "-r", slo)
    assert_one_line_error(no_stage, "--service needs --stage STAGE or --all-stages")
    missing = tmp_path / "nothing.yaml"
    assert_one_line_error(cli("add-resource", "-p", project, "-r", missing), str(missing), "no such file")
    assert_one_line_error(cli("add-resource", "-p", project, "-r", tmp_path), "is a directory")
    assert_one_line_error(cli("add-resource", "-p", "ghost", "-r", slo), "ghost")
    assert_one_line_error(
        cli("add-resource", "-p", "ghost", "--all-stages", "-r", slo), "Project not found: ghost"
    )
    assert_one_line_error(cli("add-resource", "-p", project, "-s", "staging", "-r", slo), "staging")
    unknown_service = cli("add-resource", "-p", project, "-s", "qa", "--service", "orders", "-r", slo)
    assert_one_line_error(unknown_service, "orders")
    bad_uri = cli("add-resource", "-p", project, "-r", slo, "--resourceUri", "../escape.yaml")
    assert_one_line_error(bad_uri, "invalid resource uri")
