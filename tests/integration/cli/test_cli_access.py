"""``slogate token``, ``slogate role`` and ``slogate audit`` against a live server: the token is printed once
and works at once, its role holds, a revoked token is refused; bindings; the audit log with filters."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from typer.testing import CliRunner

from slogate.cli.app import app
from tests.integration.cli.cli_helpers import TERMINAL_ENV, assert_one_line_error
from tests.integration.cli.conftest import Cli
from tests.support.live_server import LiveServer

SHIPYARD = "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: s}\n"
SHIPYARD += "spec:\n  stages:\n    - {name: dev}\n"


def _project(server: LiveServer, name: str) -> None:
    body = {"name": name, "shipyard": base64.b64encode(SHIPYARD.encode()).decode()}
    with server.client() as client:
        answer = client.post("/api/controlPlane/v1/project", json=body)
        assert answer.status_code in (201, 409), answer.text


def _as(token: str, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, *args: str) -> object:
    monkeypatch.setenv("SLOGATE_API_TOKEN", token)
    try:
        return CliRunner().invoke(app, list(args), env=TERMINAL_ENV)
    finally:
        monkeypatch.setenv("SLOGATE_API_TOKEN", live_server.token)


def test_create_use_list_and_revoke_a_token(
    cli: Cli, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(live_server, "cli-alpha")
    _project(live_server, "cli-beta")
    created = cli(
        "token",
        "create",
        "--name",
        "cli-ci",
        "--project",
        "cli-alpha",
        "--role",
        "viewer",
        "--expires",
        "30d",
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()  # standard output holds the token alone
    assert token.startswith("slg_")
    assert "\n" not in token
    assert "shown only once" in created.stderr
    listed = cli("token", "list")
    assert listed.exit_code == 0, listed.output
    assert "cli-ci" in listed.stdout
    assert "viewer@cli-alpha" in listed.stdout
    assert token not in listed.stdout
    as_json = json.loads(cli("token", "list", "-o", "json").stdout)
    record = next(t for t in as_json if t["name"] == "cli-ci")
    assert record["grants"] == [{"role": "viewer", "project": "cli-alpha", "stages": []}]
    assert record["expiresAt"]
    assert "token" not in record
    # the token works at once and only for its project
    with httpx.Client(base_url=live_server.url, headers={"x-token": token}) as scoped:
        assert scoped.get("/api/controlPlane/v1/project/cli-alpha").status_code == 200
        assert scoped.get("/api/controlPlane/v1/project/cli-beta").status_code == 403
        names = [p["projectName"] for p in scoped.get("/api/controlPlane/v1/project").json()["projects"]]
        assert names == ["cli-alpha"]
        refused = _as(
            token,
            live_server,
            monkeypatch,
            "token",
            "create",
            "--name",
            "x",
            "--project",
            "cli-alpha",
            "--role",
            "owner",
        )
        assert refused.exit_code != 0  # type: ignore[attr-defined]
        assert "may not token.manage" in refused.output  # type: ignore[attr-defined]
        revoked = cli("token", "revoke", "cli-ci")
        assert revoked.exit_code == 0, revoked.output
        assert scoped.get("/api/controlPlane/v1/project/cli-alpha").status_code == 401
    assert_one_line_error(cli("token", "revoke", "cli-ci"), "no token named 'cli-ci'")


def test_token_json_output_and_errors(cli: Cli, live_server: LiveServer) -> None:
    _project(live_server, "cli-alpha")
    made = cli(
        "token",
        "create",
        "--name",
        "cli-json",
        "--project",
        "cli-alpha",
        "--role",
        "integration",
        "-o",
        "json",
    )
    assert made.exit_code == 0, made.output
    document = json.loads(made.stdout)
    assert document["token"].startswith("slg_")
    assert document["name"] == "cli-json"
    assert_one_line_error(cli("token", "create", "--name", "y", "--role", "viewer"), "without --project")
    assert_one_line_error(
        cli("token", "create", "--name", "y", "--role", "admin", "--project", "cli-alpha"), "on a project"
    )
    assert_one_line_error(
        cli("token", "create", "--name", "y", "--role", "viewer", "--project", "p", "--expires", "soon"),
        "--expires",
    )
    assert_one_line_error(cli("token", "create", "--name", "cli-json", "--role", "auditor"), "exists")
    auditor = cli("token", "create", "--name", "cli-auditor", "--role", "auditor")
    assert auditor.exit_code == 0, auditor.output


def test_roles_grant_list_revoke(cli: Cli) -> None:
    granted = cli(
        "role", "grant", "group:team-a", "--project", "cli-alpha", "--role", "operator", "--stage", "dev"
    )
    assert granted.exit_code == 0, granted.output
    listed = cli("role", "list")
    assert listed.exit_code == 0, listed.output
    assert "group:team-a" in listed.stdout
    assert "operator" in listed.stdout
    bindings = json.loads(cli("role", "list", "group:team-a", "-o", "json").stdout)
    assert [(b["role"], b["project"], b["stages"]) for b in bindings] == [("operator", "cli-alpha", ["dev"])]
    assert_one_line_error(
        cli("role", "grant", "team-a", "--project", "cli-alpha", "--role", "operator"),
        "user:<name> or group:<name>",
    )
    assert (
        cli("role", "revoke", "group:team-a", "--project", "cli-alpha", "--role", "operator").exit_code == 0
    )
    assert json.loads(cli("role", "list", "group:team-a", "-o", "json").stdout) == []
    assert_one_line_error(
        cli("role", "revoke", "group:team-a", "--project", "cli-alpha", "--role", "operator"), "does not hold"
    )


def test_audit_shows_changes_and_refusals(cli: Cli, live_server: LiveServer) -> None:
    _project(live_server, "cli-gamma")
    made = cli(
        "token",
        "create",
        "--name",
        "cli-gamma-viewer",
        "--project",
        "cli-gamma",
        "--role",
        "viewer",
        "-o",
        "json",
    )
    token = json.loads(made.stdout)["token"]
    with httpx.Client(base_url=live_server.url, headers={"x-token": token}) as scoped:
        assert scoped.delete("/api/controlPlane/v1/project/cli-gamma").status_code == 403
    table = cli("audit", "--project", "cli-gamma")
    assert table.exit_code == 0, table.output
    assert "project.delete" in table.stdout
    assert "denied" in table.stdout
    entries = json.loads(
        cli("audit", "--actor", "cli-gamma-viewer", "--outcome", "denied", "-o", "json").stdout
    )
    assert [(e["action"], e["project"], e["outcome"]) for e in entries] == [
        ("project.delete", "cli-gamma", "denied")
    ]
    assert entries[0]["sourceIP"] == "127.0.0.1"
    created = json.loads(
        cli("audit", "--action", "token.create", "--since", "2020-01-01T00:00:00Z", "-o", "json").stdout
    )
    assert "cli-gamma-viewer" in [e["target"] for e in created]


def test_a_project_secret_from_the_cli(cli: Cli, live_server: LiveServer) -> None:
    _project(live_server, "cli-alpha")
    made = cli("create", "secret", "cli-alpha-creds", "--from-literal", "k=v", "--project", "cli-alpha")
    assert made.exit_code == 0, made.output
    shown = json.loads(cli("get", "secret", "cli-alpha-creds", "-o", "json").stdout)
    assert shown == [
        {"name": "cli-alpha-creds", "scope": "keptn-default", "keys": ["k"], "project": "cli-alpha"}
    ]


def test_debug_output_never_shows_a_new_token(cli: Cli, live_server: LiveServer) -> None:
    _project(live_server, "cli-alpha")
    made = cli(
        "--debug", "token", "create", "--name", "cli-debug", "--project", "cli-alpha", "--role", "viewer"
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert token.startswith("slg_")
    assert "slg_***" in made.stderr
    assert token not in made.stderr
