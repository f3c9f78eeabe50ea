"""``slogate auth`` and ``slogate status`` against a real server; the stored file and the error paths."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slogate.cli.app import app
from tests.support.live_server import LiveServer
from tests.support.prometheus import free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("server")) as live:
        yield live


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SLOGATE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("SLOGATE_ENDPOINT", raising=False)
    monkeypatch.delenv("SLOGATE_API_TOKEN", raising=False)
    return CliRunner()


def test_auth_stores_endpoint_and_token_for_the_user_only(
    runner: CliRunner, server: LiveServer, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["auth", "--endpoint", server.url + "/api", "--api-token", server.token])
    assert result.exit_code == 0, result.output
    assert f"Authenticated at {server.url}" in result.output
    stored = tmp_path / "config" / "cli.json"
    assert json.loads(stored.read_text()) == {"endpoint": server.url, "token": server.token}
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert f"Authenticated at {server.url} (slogate " in status.output


def test_a_wrong_token_is_refused_and_not_stored(
    runner: CliRunner, server: LiveServer, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["auth", "--endpoint", server.url, "--api-token", "wrong-token-0123456789"])
    assert result.exit_code == 2
    assert "refused the API token" in result.output
    assert "slogate auth --endpoint URL --api-token TOKEN" in result.output
    assert not (tmp_path / "config" / "cli.json").exists()


def test_environment_variables_override_the_stored_connection(
    runner: CliRunner, server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["auth", "--endpoint", server.url, "--api-token", server.token]).exit_code == 0
    monkeypatch.setenv("SLOGATE_API_TOKEN", "another-wrong-token-123456")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert "refused the API token" in result.output


def test_errors_name_the_problem_and_the_fix(runner: CliRunner) -> None:
    unconfigured = runner.invoke(app, ["status"])
    assert unconfigured.exit_code == 2
    assert (
        "no slogate server configured: run `slogate auth --endpoint URL --api-token TOKEN`"
        in unconfigured.output
    )
    nowhere = f"http://127.0.0.1:{free_port()}"
    unreachable = runner.invoke(app, ["auth", "--endpoint", nowhere, "--api-token", "t" * 32])
    assert unreachable.exit_code == 2
    assert f"cannot reach slogate at {nowhere}" in unreachable.output
    not_a_url = runner.invoke(app, ["auth", "--endpoint", "127.0.0.1:8080", "--api-token", "t" * 32])
    assert "is not an http:// or https:// URL" in not_a_url.output


def test_debug_shows_the_http_exchange_without_the_token(runner: CliRunner, server: LiveServer) -> None:
    result = runner.invoke(app, ["--debug", "auth", "--endpoint", server.url, "--api-token", server.token])
    assert result.exit_code == 0, result.output
    assert f"> POST {server.url}/api/v1/auth" in result.output
    assert "> x-token: ***" in result.output
    assert "< 200 OK" in result.output
    assert server.token not in result.output
