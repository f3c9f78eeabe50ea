"""``slogate demo``'s options: too-short load tests are refused at once; one truth about the tour's length."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from slogate.cli.app import app
from slogate.cli.demo import REMEDIATION_LENGTH, TOUR_LENGTH, demo_command

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("seconds", ["5", "9.9", "nan", "-1"])
def test_a_load_test_too_short_to_judge_is_refused_before_anything_starts(
    seconds: str, tmp_path: Path
) -> None:
    """``--test-seconds 5`` would evaluate 5 s windows: refused (the server's rule), saying the minimum
    and why, before Prometheus or the server is looked for."""
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--test-seconds",
            seconds,
            "--prometheus",
            str(tmp_path / "none"),
            "--workdir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: --test-seconds {seconds.rstrip('0')} is too short"), line
    assert "the minimum is 10 s, because SLIs are mostly rates over the window" in line
    assert line.endswith("give --test-seconds 10 or more")
    assert list(tmp_path.iterdir()) == []  # nothing was started or written


def test_help_readme_and_docs_state_the_same_tour_length() -> None:
    help_text = " ".join((demo_command.__doc__ or "").split())
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert TOUR_LENGTH in help_text
    assert readme.count(TOUR_LENGTH) == 2, "the tour section and the --test-seconds note"
    for stale in ("two minutes", "about a minute,", "in about a minute"):
        assert stale not in help_text
        assert stale not in readme


def test_help_readme_and_docs_state_the_same_remediation_length() -> None:
    shown = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    help_text = " ".join(shown.stdout.replace("│", " ").split())
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    docs = " ".join((ROOT / "docs" / "remediation.md").read_text(encoding="utf-8").split())
    assert f"({REMEDIATION_LENGTH} more)" in help_text
    assert f"the tour goes on ({REMEDIATION_LENGTH} more)" in readme
    assert f"it takes {REMEDIATION_LENGTH} more than the tour" in docs


def test_a_missing_alertmanager_named_with_the_option_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["demo", "--remediation", "--alertmanager", str(tmp_path / "none"), "--workdir", str(tmp_path / "w")],
    )
    assert result.exit_code != 0
    assert f"--alertmanager {tmp_path / 'none'} is not an executable file" in result.output
    assert "apt-get install -y --no-install-recommends prometheus-alertmanager" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "w").exists()


def test_a_prometheus_named_with_the_option_is_the_only_one_looked_at(tmp_path: Path) -> None:
    """``--prometheus PATH`` that is no executable is an error, not a silent fall back to the one on PATH."""
    from slogate.demo.stack import find_prometheus
    from slogate.errors import ConfigError

    with pytest.raises(ConfigError, match=r"--prometheus .*none is not an executable file"):
        find_prometheus(str(tmp_path / "none"))
