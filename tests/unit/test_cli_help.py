"""slogate's own ``--help``: typer's look, every command drawn by it, and Markdown's `code` spans."""

from __future__ import annotations

from typing import Annotated

import typer
from typer._click.core import Command, Context
from typer.main import get_command
from typer.testing import CliRunner

from slogate.cli.app import app
from slogate.cli.help import App, HelpCommand, HelpGroup, paragraphs

WIDE = {"COLUMNS": "120", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "TTY_INTERACTIVE": None}


def _sample() -> typer.Typer:
    sample = App(help="A sample group.")

    @sample.command("run")
    def run(
        target: Annotated[str, typer.Argument(help="What to run.")],
        times: Annotated[int, typer.Option("--times", "-t", help="How often, see `--times`.")] = 3,
        secret: Annotated[str, typer.Option("--secret", hidden=True, help="Never listed.")] = "",
        must: Annotated[str, typer.Option("--must", help="A required one.")] = ...,
    ) -> None:
        """Run `target` a few times.

        A second paragraph
        on two lines.

        Example: sample run x --must y
        """

    @sample.command("old", deprecated=True)
    def old() -> None:
        """An old command."""

    @sample.command("quiet", hidden=True)
    def quiet() -> None:
        """Not listed."""

    return sample


def _help(target: typer.Typer, *args: str) -> str:
    result = CliRunner().invoke(target, [*args, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_command_help_has_usage_text_panels_required_marks_and_defaults() -> None:
    text = _help(_sample(), "run")
    assert "Usage: root run [OPTIONS] {target}" in text
    assert "Run target a few times." in text  # the backticks of a `code` span are not printed
    assert "A second paragraph on two lines." in text  # a paragraph's lines are joined
    assert "Example: sample run x --must y" in text
    assert "╭─ Arguments" in text
    assert "╭─ Options" in text
    assert "[default: 3]" in text
    assert text.count("[required]") == 2  # the argument and --must
    assert "--times" in text
    assert "-t" in text
    assert "<int>" in text
    assert "--secret" not in text
    assert "Never listed" not in text


def test_a_group_help_lists_visible_commands_with_their_first_paragraph() -> None:
    text = _help(_sample())
    assert "╭─ Commands" in text
    assert "run  Run target a few times." in text
    assert "old  An old command. (deprecated)" in text
    assert "quiet" not in text
    assert "A second paragraph" not in text  # only the first paragraph in the list


def test_help_printed_into_a_pipe_has_no_escape_codes() -> None:
    text = _help(_sample(), "run")
    assert "\x1b[" not in text


def test_paragraphs_drop_what_follows_a_form_feed() -> None:
    assert paragraphs("One\ntwo.\n\nThree.\f\nHidden.") == ["One two.", "Three."]
    assert paragraphs(None) == []


def _every_command(command: Command, context: Context) -> list[tuple[str, Command]]:
    found = [(context.command_path, command)]
    if isinstance(command, typer.core.TyperGroup):
        for name in command.list_commands(context):
            child = command.get_command(context, name)
            assert child is not None
            found += _every_command(child, Context(child, parent=context, info_name=name))
    return found


def test_every_slogate_command_prints_slogates_help() -> None:
    """A command made with ``typer.Typer`` instead of ``App`` would print typer's slower help."""
    root = get_command(app)
    commands = _every_command(root, Context(root, info_name="slogate"))
    assert len(commands) > 40
    wrong = [path for path, command in commands if not isinstance(command, HelpCommand | HelpGroup)]
    assert wrong == []
