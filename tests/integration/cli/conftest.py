"""Fixtures of the server CLI tests: a live server per module and ``cli(*args)`` running ``slogate`` on it.

Example::

    def test_projects(cli: Cli, live_server: LiveServer) -> None:
        result = cli("get", "projects", "-o", "json")
        assert result.exit_code == 0, result.output
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from typer.testing import CliRunner, Result

from slogate.cli.app import app
from tests.integration.cli.cli_helpers import TERMINAL_ENV
from tests.support.live_server import LiveServer


class Cli(Protocol):
    """``cli(*args, input=None)``: run ``slogate`` in-process; Typer's result (stdout and stderr apart)."""

    def __call__(self, *args: str | Path, input: str | None = None) -> Result: ...


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server (store, engine, lighthouse with a fake SLI provider, built-in executors) per module."""
    with LiveServer(tmp_path_factory.mktemp("server")) as server:
        yield server


@pytest.fixture
def cli(live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Invoke ``slogate`` with the endpoint and token of ``live_server`` and a private config directory."""
    monkeypatch.setenv("SLOGATE_CONFIG_DIR", str(tmp_path / "cli-config"))
    monkeypatch.setenv("SLOGATE_ENDPOINT", live_server.url)
    monkeypatch.setenv("SLOGATE_API_TOKEN", live_server.token)
    runner = CliRunner()

    def invoke(*args: str | Path, input: str | None = None) -> Result:
        return runner.invoke(app, [str(arg) for arg in args], input=input, env=TERMINAL_ENV)

    return invoke
