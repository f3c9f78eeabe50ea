"""``slogate configure monitoring prometheus`` writes alerting rules for each stage with both slo.yaml
and remediation.yaml (read through the API), lists them in prometheus.yml, and prints the receiver."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.cli.conftest import Cli
from tests.support.delivery import SHIPYARD
from tests.support.live_server import LiveServer
from tests.support.prometheus import needs_prometheus

SERVICE = "helloservice"
SLO = """
objectives:
  - sli: response_time_p95
    pass: [{criteria: ["<600"]}]
  - sli: error_rate
    pass: [{criteria: ["<=+10%"]}]
"""
SLI = (
    "indicators:\n  response_time_p95: "
    "histogram_quantile(0.95, sum(rate(x{job='$SERVICE-$PROJECT-$STAGE'}[$DURATION_SECONDS])) by (le))\n"
)
REMEDIATION = """
apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
metadata: {name: remediation}
spec:
  remediations:
    - problemType: response_time_p95
      actionsOnOpen: [{name: restart, action: restart, description: "", value: ""}]
"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def upload(client: Any, path: str, uri: str, text: str) -> None:
    body = {"resources": [{"resourceURI": uri, "resourceContent": b64(text)}]}
    answer = client.post(f"/api/resource-service/v1/project/{path}/resource", json=body)
    assert answer.is_success, answer.text


@pytest.fixture(scope="module")
def project(live_server: LiveServer) -> str:
    """qa has slo.yaml only; production has slo.yaml (service) and remediation.yaml (stage level)."""
    with live_server.client() as client:
        created = client.post(
            "/api/controlPlane/v1/project", json={"name": "alerted", "shipyard": b64(SHIPYARD)}
        )
        assert created.is_success, created.text
        added = client.post("/api/controlPlane/v1/project/alerted/service", json={"serviceName": SERVICE})
        assert added.is_success, added.text
        upload(client, "alerted", "prometheus/sli.yaml", SLI)
        for stage in ("qa", "production"):
            upload(client, f"alerted/stage/{stage}/service/{SERVICE}", "slo.yaml", SLO)
        upload(client, "alerted/stage/production", "remediation.yaml", REMEDIATION)
    return "alerted"


def configure(cli: Cli, project: str, *more: str | Path) -> Any:
    return cli("configure", "monitoring", "prometheus", "--project", project, "--service", SERVICE, *more)


def test_rules_for_the_stage_with_slo_and_remediation_and_the_receiver(
    cli: Cli, project: str, tmp_path: Path, live_server: LiveServer
) -> None:
    config = tmp_path / "prometheus.yml"
    result = configure(cli, project, "--data-dir", tmp_path / "data", "--file", config)
    assert result.exit_code == 0, result.output
    path = (tmp_path / "data").resolve() / "prometheus" / "rules" / f"{project}-{SERVICE}.yml"
    written = yaml.safe_load(path.read_text())
    query = "histogram_quantile(0.95, sum(rate(x{job='helloservice-alerted-production'}[180s])) by (le))"
    assert written == {
        "groups": [
            {
                "name": "helloservice alerted-production alerts",
                "rules": [
                    {
                        "alert": "response_time_p95",
                        "expr": f"({query}) >= 600",
                        "for": "10m",
                        "labels": {
                            "severity": "webhook",
                            "project": project,
                            "stage": "production",
                            "service": SERVICE,
                            "deployment": "primary",
                        },
                        "annotations": {
                            "summary": "response_time_p95",
                            "description": "response_time_p95 of helloservice in alerted/production violates "
                            "its pass criteria (<600) for 10m",
                        },
                    }
                ],
            }
        ]
    }
    assert yaml.safe_load(config.read_text())["rule_files"] == [str(path)]
    again = configure(cli, project, "--data-dir", tmp_path / "data", "--file", config)
    assert yaml.safe_load(config.read_text())["rule_files"] == [str(path)]  # listed once
    assert again.stdout.split("(sh.keptn")[0] == result.stdout.split("(sh.keptn")[0]
    out = " ".join(result.stdout.split())
    assert "Note: stage qa: no remediation.yaml for helloservice: no alerting rules" in out
    assert "is relative to earlier evaluations: no rule (as Keptn)" in out
    assert f"Wrote 1 alerting rule(s) (helloservice alerted-production alerts) to {path}" in out
    assert f"url: {live_server.url}/api/v1/alertmanager" in result.stdout
    assert "type: Bearer" in result.stdout
    assert "credentials_file: /etc/alertmanager/slogate-token" in result.stdout


def test_rules_go_to_the_rules_option_and_the_account_to_stderr_when_printing(
    cli: Cli, project: str, tmp_path: Path
) -> None:
    rules = tmp_path / "mine.yml"
    result = configure(cli, project, "--data-dir", tmp_path, "--rules", rules)
    assert result.exit_code == 0, result.output
    assert list(yaml.safe_load(result.stdout)) == ["scrape_configs"]  # standard output stays the config
    assert "Add this receiver to alertmanager.yml" in result.stderr
    assert [group["name"] for group in yaml.safe_load(rules.read_text())["groups"]] == [
        "helloservice alerted-production alerts"
    ]
    assert not (tmp_path / "prometheus" / "rules").exists()


def test_machine_output_carries_the_rules_and_the_receiver(cli: Cli, project: str, tmp_path: Path) -> None:
    result = configure(cli, project, "--data-dir", tmp_path, "-o", "json")
    assert result.exit_code == 0, result.output
    alerting = json.loads(result.stdout)["alerting"]
    assert alerting["rulesFile"] == str(
        tmp_path.resolve() / "prometheus" / "rules" / f"{project}-{SERVICE}.yml"
    )
    assert [rule["alert"] for rule in alerting["groups"][0]["rules"]] == ["response_time_p95"]
    hook = alerting["alertmanager"]["receivers"][0]["webhook_configs"][0]
    assert hook["url"].endswith("/api/v1/alertmanager")
    assert hook["http_config"]["authorization"]["type"] == "Bearer"


def test_a_project_without_remediation_writes_no_rules_file(
    cli: Cli, live_server: LiveServer, tmp_path: Path
) -> None:
    with live_server.client() as client:
        client.post("/api/controlPlane/v1/project", json={"name": "calm", "shipyard": b64(SHIPYARD)})
        client.post("/api/controlPlane/v1/project/calm/service", json={"serviceName": SERVICE})
    result = configure(cli, "calm", "--data-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert "No alerting rules" in result.stderr
    assert "Add this receiver" not in result.stderr
    assert not (tmp_path / "prometheus" / "rules").exists()


def test_an_unwritable_rules_file_is_a_one_line_error(cli: Cli, project: str, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = configure(cli, project, "--data-dir", tmp_path, "--rules", blocker / "rules.yml")
    assert result.exit_code != 0
    assert "cannot be written" in result.output
    assert "Traceback" not in result.output


@needs_prometheus
def test_promtool_accepts_the_written_rules(cli: Cli, project: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    assert configure(cli, project, "--data-dir", tmp_path, "--rules", rules).exit_code == 0
    checked = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 1 rules found" in checked.stdout


def test_alert_window_and_for_shape_the_rules(cli: Cli, project: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    given = ("--alert-window", "5m", "--alert-for", "30s")
    result = configure(cli, project, "--data-dir", tmp_path, "--rules", rules, *given)
    assert result.exit_code == 0, result.output
    (rule,) = yaml.safe_load(rules.read_text())["groups"][0]["rules"]
    assert rule["for"] == "30s"
    assert "[300s]" in rule["expr"]
    assert "[180s]" not in rule["expr"]
    assert rule["annotations"]["description"].endswith("for 30s")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--alert-for", "10 minutes", "--alert-for: '10 minutes' is not a Prometheus duration"),
        ("--alert-for", "1.5m", "--alert-for: '1.5m' is not a Prometheus duration"),
        ("--alert-window", "", "--alert-window: '' is not a Prometheus duration"),
        ("--alert-window", "500ms", "--alert-window: '500ms' is shorter than a second"),
        ("--alert-window", "0s", "--alert-window: '0s' is shorter than a second"),
    ],
)
def test_a_bad_alert_timing_is_a_one_line_error_before_anything_is_written(
    cli: Cli, project: str, tmp_path: Path, option: str, value: str, message: str
) -> None:
    rules = tmp_path / "rules.yml"
    result = configure(cli, project, "--data-dir", tmp_path, "--rules", rules, option, value)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not rules.exists()
