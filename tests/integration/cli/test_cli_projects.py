"""``slogate create|update|delete project``, ``create|delete service``, ``get project|stage|service``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from slogate.cli import projects
from tests.integration.cli.cli_helpers import assert_one_line_error
from tests.integration.cli.conftest import Cli
from tests.support.delivery import SHIPYARD
from tests.support.live_server import LiveServer


@pytest.fixture
def shipyard(tmp_path: Path) -> Path:
    path = tmp_path / "shipyard.yaml"
    path.write_text(SHIPYARD, encoding="utf-8")
    return path


def make_project(cli: Cli, name: str, shipyard: Path, *services: str) -> None:
    assert cli("create", "project", name, "--shipyard", shipyard).exit_code == 0
    for service in services:
        assert cli("create", "service", service, "--project", name).exit_code == 0


def test_create_project_accepts_keptns_git_flags_and_says_they_are_ignored(cli: Cli, shipyard: Path) -> None:
    result = cli(
        "create", "project", "gitflags", "-s", shipyard,
        "--git-remote-url", "https://git.example/repo.git", "--git-user", "me", "--git-token", "secret-123",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Project gitflags created with stages qa, production"
    assert "--git-remote-url, --git-user, --git-token ignored" in result.stderr
    assert "secret-123" not in result.output
    listed = json.loads(cli("get", "project", "gitflags", "-o", "json").stdout)
    assert listed["projectName"] == "gitflags"
    assert [stage["stageName"] for stage in listed["stages"]] == ["qa", "production"]


def test_get_projects_as_table_json_and_yaml(cli: Cli, shipyard: Path) -> None:
    make_project(cli, "listed", shipyard)
    table = cli("get", "projects")
    assert table.exit_code == 0, table.output
    assert "SHIPYARD VERSION" in table.stdout
    row = next(line for line in table.stdout.splitlines() if line.startswith("listed "))
    assert "spec.keptn.sh/0.2.2" in row
    assert "qa, production" in row
    as_json = json.loads(cli("get", "projects", "-o", "json").stdout)
    assert "listed" in [project["projectName"] for project in as_json]
    as_yaml = yaml.safe_load(cli("get", "project", "listed", "-o", "yaml").stdout)
    assert as_yaml["shipyard"] == SHIPYARD


def test_services_and_stages(cli: Cli, shipyard: Path) -> None:
    make_project(cli, "shop", shipyard)
    created = cli("create", "service", "carts", "-p", "shop")
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == "Service carts created in project shop (stages qa, production)"
    stages = cli("get", "stages", "--project", "shop")
    assert [line.split()[0] for line in stages.stdout.splitlines()] == ["NAME", "qa", "production"]
    assert "carts" in stages.stdout
    production = json.loads(cli("get", "stage", "production", "--project", "shop", "-o", "json").stdout)
    assert production["parentStages"] == ["qa"]
    services = cli("get", "services", "--project", "shop")
    assert services.exit_code == 0, services.output
    rows = [line.split() for line in services.stdout.splitlines()[1:]]
    assert [(row[0], row[1], row[2]) for row in rows] == [
        ("carts", "shop", "qa"),
        ("carts", "shop", "production"),
    ]
    one = json.loads(
        cli("get", "service", "carts", "--project", "shop", "--stage", "qa", "-o", "json").stdout
    )
    assert [(item["serviceName"], item["stageName"], item["projectName"]) for item in one] == [
        ("carts", "qa", "shop")
    ]
    assert "lastEventTypes" in one[0]
    missing = cli("get", "service", "nope", "--project", "shop")
    assert_one_line_error(missing, "no service nope of project shop")


def test_update_project_replaces_the_shipyard(cli: Cli, shipyard: Path, tmp_path: Path) -> None:
    make_project(cli, "updated", shipyard)
    changed = tmp_path / "changed.yaml"
    changed.write_text(SHIPYARD.replace("timeframe: 2m", "timeframe: 5m"), encoding="utf-8")
    result = cli("update", "project", "updated", "--shipyard", changed)
    assert result.exit_code == 0, result.output
    assert json.loads(cli("get", "project", "updated", "-o", "json").stdout)["shipyard"].count("5m") == 1
    fewer = tmp_path / "fewer.yaml"
    fewer.write_text(SHIPYARD.split("    - name: production")[0], encoding="utf-8")
    refused = cli("update", "project", "updated", "--shipyard", fewer)
    assert_one_line_error(refused, "stage name cannot be changed or removed")


def test_update_project_with_only_git_flags_keeps_a_keptn_script_working(cli: Cli, shipyard: Path) -> None:
    make_project(cli, "gitonly", shipyard)
    result = cli(
        "update", "project", "gitonly", "--git-remote-url", "https://x/y.git", "--git-token", "t0k3n"
    )
    assert result.exit_code == 0, result.output
    assert "nothing to update" in result.stdout
    assert "t0k3n" not in result.output
    assert_one_line_error(cli("update", "project", "gitonly"), "nothing to update: pass --shipyard FILE")
    assert_one_line_error(cli("update", "project", "nowhere", "-r", "https://x/y.git"), "project not found")


def test_delete_asks_for_confirmation(cli: Cli, shipyard: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_project(cli, "doomed", shipyard, "carts", "orders")
    unattended = cli("delete", "service", "carts", "--project", "doomed")
    assert_one_line_error(unattended, "pass --yes (-y)")
    assert cli("delete", "service", "carts", "-p", "doomed", "-y").stdout.strip() == (
        "Service carts deleted from project doomed"
    )
    monkeypatch.setattr(projects, "interactive", lambda: True)
    declined = cli("delete", "service", "orders", "-p", "doomed", input="n\n")
    assert declined.exit_code == 2
    assert "not confirmed: nothing was deleted" in declined.stderr
    assert cli("delete", "service", "orders", "-p", "doomed", input="y\n").exit_code == 0
    assert json.loads(cli("get", "services", "--project", "doomed", "-o", "json").stdout) == []
    deleted = cli("delete", "project", "doomed", input="y\n")
    assert deleted.exit_code == 0, deleted.output
    assert "Project doomed was deleted" in deleted.stdout
    assert_one_line_error(cli("get", "project", "doomed"), "Project not found: doomed")


def test_errors_are_one_line_naming_the_problem(cli: Cli, shipyard: Path, tmp_path: Path) -> None:
    assert_one_line_error(cli("get", "project", "ghost"), "Project not found: ghost")
    assert_one_line_error(cli("get", "stages", "--project", "ghost"), "Project not found: ghost")
    assert_one_line_error(cli("create", "service", "svc", "--project", "ghost"), "ghost")
    assert_one_line_error(cli("delete", "project", "ghost", "--yes"), "ghost")
    missing = tmp_path / "missing.yaml"
    assert_one_line_error(cli("create", "project", "p", "--shipyard", missing), str(missing), "no such file")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nspec: {stages: []}\n", encoding="utf-8"
    )
    assert_one_line_error(
        cli("create", "project", "broken", "--shipyard", broken), "Shipyard must contain at least one stage"
    )
    url = cli("create", "project", "p", "--shipyard", "https://example.org/shipyard.yaml")
    assert_one_line_error(url, "--shipyard takes a local file")
    make_project(cli, "twice", shipyard)
    assert_one_line_error(
        cli("create", "project", "twice", "--shipyard", shipyard), "twice", "already exists"
    )


def test_an_unreachable_server_is_one_line(
    cli: Cli, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOGATE_ENDPOINT", "http://127.0.0.1:9")
    assert_one_line_error(cli("get", "projects"), "cannot reach slogate at http://127.0.0.1:9")
    monkeypatch.setenv("SLOGATE_ENDPOINT", live_server.url)
    monkeypatch.setenv("SLOGATE_API_TOKEN", "wrong-token-0123456789")
    assert_one_line_error(cli("get", "projects"), "refused the API token")
