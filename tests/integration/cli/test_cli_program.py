"""The ``slogate`` program itself: help, version, and the installed entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from slogate import __version__
from slogate.cli import entry

from .cli_helpers import TERMINAL_ENV, Run, history_of, write_json

# --- help -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        pytest.param((), id="slogate"),
        pytest.param(("slo",), id="slo"),
        pytest.param(("slo", "evaluate"), id="evaluate"),
        pytest.param(("slo", "lint"), id="lint"),
    ],
)
def test_help_has_an_example(run: Run, command: tuple[str, ...]) -> None:
    """Every command's --help shows an ``Example: slogate ...`` line."""
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example: slogate " in result.stdout


def test_evaluate_help_documents_options_and_exit_codes(run: Run) -> None:
    """``slo evaluate --help`` lists every option of the contract and the exit codes."""
    result = run("slo", "evaluate", "--help")
    assert result.exit_code == 0
    for option in ("--slo", "--sli-results", "--history", "--output", "-o", "--fail-on-warning"):
        assert option in result.stdout
    assert "Exit code: 0 pass or warning, 1 fail" in result.stdout


def test_unknown_output_format_is_a_usage_error(run: Run, data: Path) -> None:
    """``-o xml`` is rejected by the argument parser with exit 2."""
    result = run(
        "slo", "evaluate",
        "--slo", data / "tutorial-slo.yaml",
        "--sli-results", data / "tutorial-sli-pass.json",
        "-o", "xml",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "xml" in result.stderr


def test_version(run: Run) -> None:
    """``slogate --version`` prints the package version and exits 0."""
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"slogate {__version__}\n"


# --- the installed program ------------------------------------------------------------------------------


def run_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a program in a subprocess with a wide, colourless terminal and UTF-8 output."""
    env = {key: value for key, value in os.environ.items() if key not in TERMINAL_ENV}
    env.update({key: value for key, value in TERMINAL_ENV.items() if value is not None})
    env["PYTHONUTF8"] = "1"
    return subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )


def test_console_script_is_registered() -> None:
    """The installed distribution declares the ``slogate`` console script as ``slogate.cli.entry:main``."""
    (script,) = entry_points(group="console_scripts", name="slogate")
    assert script.value == "slogate.cli.entry:main"
    assert script.load() is entry.main


@pytest.mark.slow
def test_python_dash_m_slogate_evaluates_the_tutorial(data: Path, tmp_path: Path) -> None:
    """``python -m slogate`` runs the tutorial pass then fail in real processes with the right exit codes."""
    passed = run_process(
        sys.executable, "-m", "slogate", "slo", "evaluate",
        "--slo", data / "tutorial-slo.yaml", "--sli-results", data / "tutorial-sli-pass.json", "-o", "json",
    )  # fmt: skip
    assert passed.returncode == 0, passed.stderr
    assert json.loads(passed.stdout)["evaluation"]["score"] == 100
    history = write_json(tmp_path / "history.json", history_of([("ev-pass", json.loads(passed.stdout))]))
    failed = run_process(
        sys.executable, "-m", "slogate", "slo", "evaluate",
        "--slo", data / "tutorial-slo.yaml", "--sli-results", data / "tutorial-sli-fail.json",
        "--history", history,
    )  # fmt: skip
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr == ""
    assert "fail: key SLI 'HTTP Response Time' failed (0.4 > 0.2)" in failed.stdout


@pytest.mark.slow
def test_console_script_reports_bad_input_in_one_line(data: Path, tmp_path: Path) -> None:
    """The installed ``slogate`` script prints one stderr line and exits 2 on bad JSON (real streams)."""
    script = Path(sysconfig.get_path("scripts")) / ("slogate.exe" if os.name == "nt" else "slogate")
    assert script.is_file(), f"console script not installed at {script}"
    sli = tmp_path / "sli.json"
    sli.write_text('{"get-sli": {"indicatorValues": 3}}', encoding="utf-8")
    completed = run_process(
        script, "slo", "evaluate", "--slo", data / "tutorial-slo.yaml", "--sli-results", sli
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        f"error: {sli}: get-sli.indicatorValues: must be an array, found a number"
    ]


@pytest.mark.slow
def test_console_script_version() -> None:
    """``slogate --version`` in a subprocess prints the installed version."""
    completed = run_process(sys.executable, "-m", "slogate", "--version")
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"slogate {__version__}"
