"""``slogate configure monitoring``: the project's SLI provider as a ``monitoring.configure`` event, and for
prometheus one file-discovery scrape job per stage with Keptn's job names."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.ports import EventQueries
from slogate.services.usecases.provider_choice import chosen_provider
from tests.integration.cli.cli_helpers import assert_one_line_error
from tests.integration.cli.conftest import Cli
from tests.support.delivery import SHIPYARD
from tests.support.live_server import LiveServer
from tests.support.yaml_bombs import billion_laughs


@pytest.fixture(scope="module")
def project(live_server: LiveServer) -> str:
    with live_server.client() as client:
        shipyard = base64.b64encode(SHIPYARD.encode()).decode()
        assert client.post(
            "/api/controlPlane/v1/project", json={"name": "watched", "shipyard": shipyard}
        ).is_success
        service = client.post(
            "/api/controlPlane/v1/project/watched/service", json={"serviceName": "helloservice"}
        )
        assert service.is_success, service.text
    return "watched"


def test_prints_one_job_per_stage_on_the_local_executors_target_files(
    cli: Cli, project: str, tmp_path: Path
) -> None:
    result = cli(
        "configure", "monitoring", "prometheus", "--project", project, "--service", "helloservice",
        "--data-dir", tmp_path / "data",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    targets = (tmp_path / "data").resolve() / "prometheus" / "targets"
    assert yaml.safe_load(result.stdout) == {
        "scrape_configs": [
            {
                "job_name": f"helloservice-watched-{stage}",
                "scrape_interval": "5s",
                "scrape_timeout": "3s",
                "metrics_path": "/metrics",
                "file_sd_configs": [
                    {"files": [str(targets / f"helloservice-watched-{stage}.json")], "refresh_interval": "5s"}
                ],
            }
            for stage in ("qa", "production")
        ]
    }


def test_the_data_dir_defaults_to_the_servers_setting(
    cli: Cli, project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOGATE_DATA_DIR", str(tmp_path / "server-data"))
    result = cli("configure", "monitoring", "prometheus", "-p", project, "-s", "helloservice")
    assert result.exit_code == 0, result.output
    job = yaml.safe_load(result.stdout)["scrape_configs"][0]
    assert job["file_sd_configs"][0]["files"] == [
        str(tmp_path.resolve() / "server-data" / "prometheus" / "targets" / "helloservice-watched-qa.json")
    ]


def test_file_upserts_the_jobs_into_an_existing_configuration(cli: Cli, project: str, tmp_path: Path) -> None:
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 15s}\n"
        "scrape_configs:\n"
        "  - {job_name: node, static_configs: [{targets: ['127.0.0.1:9100']}]}\n"
        "  - {job_name: helloservice-watched-qa, static_configs: [{targets: ['127.0.0.1:1']}]}\n",
        encoding="utf-8",
    )
    arguments = ("configure", "monitoring", "prometheus", "--project", project, "--service", "helloservice")
    result = cli(*arguments, "--data-dir", tmp_path, "--file", config)
    assert result.exit_code == 0, result.output
    assert "helloservice-watched-qa, helloservice-watched-production" in result.stdout
    written = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert written["global"] == {"scrape_interval": "15s"}
    assert [job["job_name"] for job in written["scrape_configs"]] == [
        "node",
        "helloservice-watched-qa",
        "helloservice-watched-production",
    ]
    assert "static_configs" not in written["scrape_configs"][1]
    again = cli(*arguments, "--data-dir", tmp_path, "--file", config)
    assert again.exit_code == 0, again.output
    assert yaml.safe_load(config.read_text(encoding="utf-8")) == written
    fresh = tmp_path / "new.yml"
    assert cli(*arguments, "--file", fresh).exit_code == 0
    assert len(yaml.safe_load(fresh.read_text(encoding="utf-8"))["scrape_configs"]) == 2


def test_errors(cli: Cli, project: str, tmp_path: Path) -> None:
    serviceless = cli("configure", "monitoring", "prometheus", "--project", project)
    assert_one_line_error(serviceless, "--service is missing", "--service SERVICE")
    assert_one_line_error(
        cli("configure", "monitoring", " ", "-p", project), "the monitoring provider is empty"
    )
    remote_ghost = cli("configure", "monitoring", "neoload", "--project", "ghost")
    assert_one_line_error(remote_ghost, "Project not found: ghost")
    remote_unknown = cli("configure", "monitoring", "neoload", "-p", project, "-s", "carts")
    assert_one_line_error(remote_unknown, "service carts does not exist in project watched")
    ghost = cli("configure", "monitoring", "prometheus", "--project", "ghost", "--service", "helloservice")
    assert_one_line_error(ghost, "Project not found: ghost")
    unknown = cli("configure", "monitoring", "prometheus", "--project", project, "--service", "carts")
    assert_one_line_error(
        unknown, "service carts does not exist in project watched", "slogate create service"
    )
    broken = tmp_path / "broken.yml"
    broken.write_text("scrape_configs: [\n", encoding="utf-8")
    arguments = ("configure", "monitoring", "prometheus", "-p", project, "-s", "helloservice", "--file")
    assert_one_line_error(cli(*arguments, broken), str(broken), "not valid YAML")
    listed = tmp_path / "list.yml"
    listed.write_text("- a\n", encoding="utf-8")
    assert_one_line_error(cli(*arguments, listed), "not a Prometheus configuration")
    odd = tmp_path / "odd.yml"
    odd.write_text("scrape_configs: {a: 1}\n", encoding="utf-8")
    assert_one_line_error(cli(*arguments, odd), "scrape_configs is not a list")


def test_a_yaml_bomb_as_the_existing_file_is_refused_naming_the_limit(
    cli: Cli, project: str, tmp_path: Path
) -> None:
    bomb = tmp_path / "prometheus.yml"
    bomb.write_text(billion_laughs(), encoding="utf-8")
    arguments = ("configure", "monitoring", "prometheus", "-p", project, "-s", "helloservice", "--file")
    assert_one_line_error(cli(*arguments, bomb), str(bomb), "more than the limit of 250000 nodes")
    assert bomb.read_text(encoding="utf-8") == billion_laughs()


def choice(live_server: LiveServer) -> str | None:
    """The SLI provider lighthouse would ask for project ``watched`` now."""
    store = live_server.context.store
    assert isinstance(store, EventQueries)
    return chosen_provider(store, "watched")


def configure_events(live_server: LiveServer) -> list[dict[str, Any]]:
    """The project's stored ``monitoring.configure`` events, newest first."""
    with live_server.client() as client:
        response = client.get(
            "/api/mongodb-datastore/event",
            params={"type": "sh.keptn.event.monitoring.configure", "project": "watched"},
        )
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def test_any_provider_is_sent_as_keptns_cli_sends_it(cli: Cli, project: str, live_server: LiveServer) -> None:
    """A remote provider's name is sent verbatim, with no service; lighthouse then asks it."""
    result = cli("configure", "monitoring", "my-Provider", "--project", project)
    assert result.exit_code == 0, result.output
    (latest, *_) = configure_events(live_server)
    assert latest["data"] == {"type": "my-Provider", "project": "watched", "service": ""}
    assert latest["source"] == "https://github.com/keptn/keptn/cli#configure-monitoring"
    assert latest["shkeptncontext"] in result.stdout
    assert "my-Provider is not built in" in result.stdout
    assert "sh.keptn.event.get-sli.triggered" in result.stdout
    assert choice(live_server) == "my-Provider"


def test_a_built_in_vendor_is_named_in_lower_case(cli: Cli, project: str, live_server: LiveServer) -> None:
    result = cli("configure", "monitoring", "Dynatrace", "-p", project, "-s", "helloservice", "-o", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (latest, *_) = configure_events(live_server)
    assert document == {
        "type": "dynatrace",
        "project": "watched",
        "service": "helloservice",
        "keptnContext": latest["shkeptncontext"],
    }
    assert latest["data"]["type"] == "dynatrace"
    assert choice(live_server) == "dynatrace"
    said = cli("configure", "monitoring", "datadog", "-p", project)
    assert "its credentials: the secret datadog (DD_SITE, DD_API_KEY, DD_APP_KEY)" in said.stdout


def test_prometheus_sends_the_event_and_keeps_the_configuration_on_standard_output(
    cli: Cli, project: str, live_server: LiveServer, tmp_path: Path
) -> None:
    cli("configure", "monitoring", "neoload", "-p", project)
    result = cli(
        "configure", "monitoring", "prometheus", "-p", project, "-s", "helloservice", "--data-dir", tmp_path
    )
    assert result.exit_code == 0, result.output
    assert [job["job_name"] for job in yaml.safe_load(result.stdout)["scrape_configs"]] == [
        "helloservice-watched-qa",
        "helloservice-watched-production",
    ]
    (latest, *_) = configure_events(live_server)
    assert latest["data"] == {"type": "prometheus", "project": "watched", "service": "helloservice"}
    assert "The SLI provider of project watched is now prometheus" in result.stderr
    assert choice(live_server) == "prometheus"
    as_yaml = cli("configure", "monitoring", "prometheus", "-p", project, "-s", "helloservice", "-o", "yaml")
    document = yaml.safe_load(as_yaml.stdout)
    assert document["file"] is None
    assert len(document["scrape_configs"]) == 2


def test_a_project_deleted_and_created_again_starts_with_prometheus(
    cli: Cli, live_server: LiveServer
) -> None:
    shipyard = base64.b64encode(SHIPYARD.encode()).decode()
    project = {"name": "recreated", "shipyard": shipyard}
    store = live_server.context.store
    assert isinstance(store, EventQueries)
    with live_server.client() as client:
        assert client.post("/api/controlPlane/v1/project", json=project).is_success
        assert cli("configure", "monitoring", "neoload", "-p", "recreated").exit_code == 0
        assert chosen_provider(store, "recreated") == "neoload"
        assert client.delete("/api/controlPlane/v1/project/recreated").is_success
        assert client.post("/api/controlPlane/v1/project", json=project).is_success
    assert chosen_provider(store, "recreated") is None
