"""Fixtures of the CLI integration tests: the fixture-file directory and an in-process runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from slogate.cli.app import app
from tests.integration.cli.cli_helpers import DATA, TERMINAL_ENV, Run


@pytest.fixture
def data() -> Path:
    """The directory of the CLI fixture files."""
    return DATA


@pytest.fixture
def run() -> Run:
    """Invoke ``slogate`` in-process with the given arguments (paths are converted to strings)."""
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(app, [str(arg) for arg in args], env=TERMINAL_ENV)

    return invoke
