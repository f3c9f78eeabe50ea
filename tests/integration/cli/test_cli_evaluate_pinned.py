"""``slogate slo evaluate`` of 100 objectives × 10 earlier evaluations prints exactly what it printed before.

The expected outputs in ``tests/data/cli/evaluate-100-objectives.*`` were produced by the code before the
CLI's start-up and evaluation were made faster (the table's thresholds since with every digit, as piped
output no longer shortens numbers); the inputs come from the CLI benchmark's generator. Each
case runs a whole ``python -m slogate`` process, so the lazily imported modules are exercised as a user
would run them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.bench_cli import evaluate_args, write_evaluate_case

from tests.integration.cli.cli_helpers import DATA

SOURCE = Path(__file__).resolve().parents[3] / "src"
UNSET = ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PYTHONIOENCODING")


@pytest.mark.parametrize(("output", "expected"), [("json", "json"), ("yaml", "yaml"), ("table", "txt")])
def test_evaluate_output_is_unchanged(tmp_path: Path, output: str, expected: str) -> None:
    """Same bytes on standard output, nothing on standard error, exit 0 (the verdict is warning)."""
    case = write_evaluate_case(tmp_path / "case", 100)
    environment = {key: value for key, value in os.environ.items() if key not in UNSET}
    environment.update(COLUMNS="250", LINES="100", PYTHONUTF8="1")
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, (str(SOURCE), environment.get("PYTHONPATH"))))
    completed = subprocess.run(
        [sys.executable, "-m", "slogate", *evaluate_args(case), "-o", output],
        env=environment,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert completed.stderr == b""
    assert completed.returncode == 0
    assert completed.stdout == (DATA / f"evaluate-100-objectives.{expected}").read_bytes()
