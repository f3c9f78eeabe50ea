"""``slogate version`` with a configured server: the client's and the server's versions (keptn version)."""

from __future__ import annotations

import json

import pytest
import yaml

from slogate import __version__
from tests.integration.cli.conftest import Cli
from tests.support.live_server import LiveServer
from tests.support.prometheus import free_port


def test_version_shows_the_client_and_the_server(cli: Cli, live_server: LiveServer) -> None:
    lines = cli("version")
    assert lines.exit_code == 0, lines.output
    assert lines.stdout.splitlines() == [
        f"slogate {__version__}",
        f"server {live_server.url}: slogate {__version__} (Keptn API 1.4.5)",
    ]
    server = {"endpoint": live_server.url, "version": __version__, "keptnVersion": "1.4.5"}
    assert json.loads(cli("version", "-o", "json").stdout) == {"version": __version__, "server": server}
    assert yaml.safe_load(cli("version", "-o", "yaml").stdout) == {"version": __version__, "server": server}


def test_an_unreachable_server_still_shows_the_client_version(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("SLOGATE_ENDPOINT", closed)
    result = cli("version")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"slogate {__version__}\n"
    assert result.stderr.startswith(f"server {closed}: version unknown (cannot reach slogate at {closed}")
    document = json.loads(cli("version", "-o", "json").stdout)
    assert document["server"]["endpoint"] == closed
    assert "cannot reach" in document["server"]["error"]


def test_without_a_token_only_the_client_version_is_shown(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLOGATE_API_TOKEN")
    assert cli("version").stdout == f"slogate {__version__}\n"
