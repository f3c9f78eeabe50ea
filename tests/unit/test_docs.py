"""The documentation keeps up with the code: every setting and every command is described."""

from __future__ import annotations

import re
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


def test_the_architecture_names_only_modules_that_exist() -> None:
    """Every module docs/architecture.md names (``services/keptn/emit.py``) exists (under src/slogate, or the
    repository for tests)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_/]+\.py)`", text))
    assert len(named) > 30
    missing = [
        path
        for path in named
        if not (ROOT / path).is_file() and not (ROOT / "src" / "slogate" / path).is_file()
    ]
    assert sorted(missing) == []
