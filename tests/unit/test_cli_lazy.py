"""The root group's lazy sub-commands: loaded on first use, listed for --help without their children."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from slogate.cli.app import app
from slogate.cli.lazy import Entry, LazyCommands

WIDE = {"COLUMNS": "120", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "TTY_INTERACTIVE": None}


def _group_app(calls: list[str]) -> typer.Typer:
    group = typer.Typer(help="A group.", rich_markup_mode="markdown")

    @group.command("child")
    def child() -> None:
        """A sub-command."""

    calls.append("target")
    return group


def test_lazy_commands_load_on_first_access_only() -> None:
    """Names are listed without loading; a command is loaded once, when it is first looked up."""
    calls: list[str] = []
    commands = LazyCommands(
        {"eager": "built"}, {"grp": Entry(lambda: _group_app(calls))}, ["grp", "eager", "unknown"]
    )
    assert list(commands) == ["grp", "eager"]
    assert len(commands) == 2
    assert "grp" in commands
    assert "unknown" not in commands
    assert calls == []
    assert commands.loaded() == ["eager"]
    first = commands["grp"]
    assert commands["grp"] is first
    assert calls == ["target"]
    assert commands.loaded() == ["grp", "eager"]
    assert sorted(first.commands) == ["child"]
    assert commands.get("nope") is None


def test_listing_builds_a_group_without_its_sub_commands_or_their_modules() -> None:
    """While listing, a group has its help but no children, and ``registers`` is not imported."""
    calls: list[str] = []
    module = "tests.unit.no_such_module_imported"
    commands = LazyCommands({}, {"grp": Entry(lambda: _group_app(calls), (module,))}, ["grp"])
    with commands.listing():
        summary = commands["grp"]
        assert commands["grp"] is summary
    assert summary.help == "A group."
    assert summary.commands == {}
    assert commands.loaded() == []
    with pytest.raises(ModuleNotFoundError, match="no_such_module_imported"):
        commands["grp"]  # out of listing: the modules that register sub-commands are imported first


def test_lazy_commands_can_be_changed_like_a_dict() -> None:
    """Adding puts a name at the end; deleting removes a built or a lazy one."""
    commands = LazyCommands({"a": "built"}, {"b": Entry(lambda: None)}, ["a", "b"])
    commands["c"] = "added"
    commands["a"] = "replaced"
    assert list(commands) == ["a", "b", "c"]
    assert commands["a"] == "replaced"
    del commands["b"]
    del commands["a"]
    assert list(commands) == ["c"]
    with pytest.raises(KeyError):
        del commands["b"]


def _root_help() -> str:
    result = CliRunner().invoke(app, ["--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_root_help_from_summaries_is_the_help_of_the_full_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """``slogate --help`` built from summaries prints what it prints with every command built in full."""
    summarised = _root_help()

    def full(self: LazyCommands) -> Any:
        return contextlib.nullcontext()

    monkeypatch.setattr(LazyCommands, "listing", full)
    assert _root_help() == summarised
    for command in ("evaluate", "slo", "version", "get", "configure", "server"):
        assert f"│ {command} " in summarised


def test_a_full_build_registers_every_noun_of_a_verb() -> None:
    """``slogate get --help`` lists the nouns that the verb modules add."""
    result = CliRunner().invoke(app, ["get", "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    for noun in ("event", "project", "sequences", "secret"):
        assert f"│ {noun} " in result.stdout
    assert "slogate.cli.events" in sys.modules
