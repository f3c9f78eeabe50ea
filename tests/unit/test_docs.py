"""The documentation keeps up with the code: every setting and every command is described."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.core import TyperGroup

from slogate.cli.app import app
from slogate.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    """docs/configuration.md has a row for each SLOGATE_* variable."""
    assert f"`SLOGATE_{name.upper()}`" in (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def _commands(group: TyperGroup, prefix: str = "slogate") -> list[str]:
    names = []
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        names.append(full)
        if isinstance(command, TyperGroup):
            names += _commands(command, full)
    return names


@pytest.mark.parametrize("command", _commands(typer.main.get_command(app)))  # type: ignore[arg-type]
def test_every_command_is_documented(command: str) -> None:
    """The README or a page under docs/ mentions every command."""
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    texts += [page.read_text(encoding="utf-8") for page in (ROOT / "docs").glob("*.md")]
    assert any(command in text for text in texts), f"{command} is not documented"
