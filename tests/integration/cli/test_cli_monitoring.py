"""``slogate configure monitoring prometheus``: one file-discovery scrape job per stage, Keptn's job names."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

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
    other = cli("configure", "monitoring", "dynatrace", "--project", project, "--service", "helloservice")
    assert_one_line_error(other, "monitoring provider 'dynatrace' is not supported")
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
