"""The console script's collector policy: fewer collections for a short command, Python's for the server."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from slogate.cli import entry
from slogate.cli.app import app
from slogate.errors import ConfigError


@pytest.fixture(autouse=True)
def _restore_threshold() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_a_command_runs_with_the_command_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []
    monkeypatch.setattr("slogate.cli.app.main", lambda: seen.append(gc.get_threshold()))
    entry.main()
    assert seen == [entry.COMMAND_THRESHOLD]
    assert entry.COMMAND_THRESHOLD[0] > entry.PYTHON_THRESHOLD[0]


def test_the_server_goes_back_to_pythons_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """``slogate server`` restores the thresholds before anything else (here its settings fail next)."""
    gc.set_threshold(*entry.COMMAND_THRESHOLD)

    def refuse(*_: object, **__: object) -> None:
        raise ConfigError("stop here")

    monkeypatch.setattr("slogate.cli.server._settings", refuse)
    result = CliRunner().invoke(app, ["server", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert gc.get_threshold() == entry.PYTHON_THRESHOLD
