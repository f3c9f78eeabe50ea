"""Helpers shared by the CLI integration tests: history documents and the one-line-error check."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from typer.testing import Result

DATA = Path(__file__).resolve().parents[2] / "data" / "cli"

# Wide enough that Rich never wraps a table cell or a sentence; no colour codes in captured output.
TERMINAL_ENV: dict[str, str | None] = {
    "COLUMNS": "250",
    "LINES": "100",
    "FORCE_COLOR": None,
    "TTY_COMPATIBLE": None,
    "TTY_INTERACTIVE": None,
}

Run = Callable[..., Result]
"""``run(*args)``: invoke ``slogate`` in-process and return Typer's result."""


def write_json(path: Path, document: Any) -> Path:
    """Write ``document`` as JSON to ``path`` and return the path."""
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def history_of(evaluations: Sequence[tuple[str, dict[str, Any]]], invalidated: bool = False) -> list[Any]:
    """A history file's content (newest first) from ``(event id, evaluation.finished data)`` pairs."""
    return [
        {
            "id": event_id,
            "type": "sh.keptn.event.evaluation.finished",
            "time": "2024-05-06T10:06:00.000Z",
            "invalidated": invalidated,
            "data": data,
        }
        for event_id, data in evaluations
    ]


def assert_one_line_error(result: Result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, exactly one ``error:`` line on stderr holding every fragment."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for fragment in fragments:
        assert fragment in line
    return line
