"""``--help`` of every slogate command: usage, text, and panels of arguments, options and commands.

It keeps typer's look but draws it with Rich's console, table and panel alone: typer's own renderer
imports Markdown parsing, syntax highlighting and tracebacks as well, which cost most of the time of
every ``--help``. Help texts use one piece of Markdown, `code`; paragraphs are separated by blank lines.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import typer
from typer._click.core import Command, Context, Parameter
from typer.core import TyperArgument, TyperCommand, TyperGroup

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

CODE = re.compile(r"`([^`]+)`")
CODE_STYLE = "bold cyan"
EXTRA = re.compile(r"^(?P<help>.*?)\s*(?:\s\s\[(?P<extra>[^\]]*)\])?$", re.DOTALL)  # click's "  [default: x]"


def paragraphs(text: str | None) -> list[str]:
    """The paragraphs of a help text (what follows a form feed is not shown), each on one line."""
    shown = inspect.cleandoc(text or "").partition("\f")[0]
    return [
        " ".join(line.strip() for line in part.splitlines()) for part in shown.split("\n\n") if part.strip()
    ]


def marked_up(text: str, style: str = "") -> Text:
    """``text`` with each `code` span set in :data:`CODE_STYLE` (the backticks dropped)."""
    from rich.text import Text

    result = Text(style=style)
    position = 0
    for match in CODE.finditer(text):
        result.append(text[position : match.start()])
        result.append(match.group(1), style=CODE_STYLE)
        position = match.end()
    result.append(text[position:])
    return result


def print_help(command: Command, ctx: Context) -> None:
    """Print ``command``'s help on standard output."""
    from rich.padding import Padding

    console = _console()
    console.print(Padding(marked_up(command.get_usage(ctx), "bold"), 1))
    texts = paragraphs(command.help)
    if texts:
        lines = [marked_up(texts[0])] + [marked_up(text, "dim") for text in texts[1:]]
        console.print(Padding(_stacked(lines, blank=True), (0, 1, 1, 1)))
    shown = [param for param in command.get_params(ctx) if not getattr(param, "hidden", False)]
    arguments: list[Parameter] = [param for param in shown if isinstance(param, TyperArgument)]
    options: list[Parameter] = [param for param in shown if not isinstance(param, TyperArgument)]
    for title, params in (("Arguments", arguments), ("Options", options)):
        if params:
            console.print(_panel(title, _parameter_rows(params, ctx)))
    if isinstance(command, TyperGroup):
        rows = list(_command_rows(command, ctx))
        if rows:
            console.print(_panel("Commands", rows))


def _console() -> Console:
    from rich.console import Console

    width = os.environ.get("TERMINAL_WIDTH")
    return Console(highlight=False, width=int(width) if width and width.isdigit() else None)


def _stacked(lines: list[Text], blank: bool = False) -> Text:
    """``lines`` one under the other (with an empty line between them when ``blank``)."""
    from rich.text import Text

    return Text("\n\n" if blank else "\n").join(lines)


def _parameter_rows(params: list[Parameter], ctx: Context) -> list[list[RenderableType]]:
    """One row per parameter: required mark, long names, short names, value, help."""
    from rich.text import Text

    rows: list[list[RenderableType]] = []
    for param in params:
        record = param.get_help_record(ctx)
        match = EXTRA.match(record[1] if record else "")
        help_text = match.group("help") if match else ""
        extra = match.group("extra") if match else None
        lines = [marked_up(help_text)] if help_text else []
        if extra:
            lines.append(Text(f"[{extra}]", style="dim"))
        if isinstance(param, TyperArgument):
            longs, shorts, value = "", param.name or "", f"<{param.type.name}>"
        else:
            longs = ",".join(name for name in param.opts if name.startswith("--"))
            shorts = ",".join(name for name in param.opts if not name.startswith("--"))
            value = "" if getattr(param, "is_flag", False) else param.make_metavar(ctx)
        rows.append(
            [
                Text("*" if param.required else "", style="bold red"),
                Text(longs, style="bold cyan"),
                Text(shorts, style="bold green"),
                Text(value, style="bold yellow"),
                _stacked(lines),
            ]
        )
    if not any(param.required for param in params):
        rows = [row[1:] for row in rows]
    return rows


def _command_rows(group: TyperGroup, ctx: Context) -> Iterable[list[RenderableType]]:
    """One row per visible sub-command: its name and the first paragraph of its help."""
    from rich.text import Text

    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        summary = command.short_help or next(iter(paragraphs(command.help)), "")
        if command.deprecated:
            summary += " (deprecated)"
        yield [Text(name, style="bold cyan"), marked_up(summary)]


def _panel(title: str, rows: list[list[RenderableType]]) -> RenderableType:
    """``rows`` in a borderless table inside a rounded panel titled ``title``, as typer draws them."""
    from rich import box
    from rich.panel import Panel
    from rich.table import Table

    table = Table(show_header=False, box=None, expand=True, padding=(0, 1), pad_edge=False)
    for _ in range(len(rows[0]) - 1):
        table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for row in rows:
        table.add_row(*row)
    return Panel(table, title=title, title_align="left", border_style="dim", box=box.ROUNDED)


class HelpCommand(TyperCommand):
    """A command whose ``--help`` is :func:`print_help`'s."""

    def format_help(self, ctx: Context, formatter: Any) -> None:
        print_help(self, ctx)


class HelpGroup(TyperGroup):
    """A group whose ``--help`` is :func:`print_help`'s."""

    def format_help(self, ctx: Context, formatter: Any) -> None:
        print_help(self, ctx)


class App(typer.Typer):
    """A Typer app whose groups and commands print slogate's help (``HelpGroup``, ``HelpCommand``)."""

    def __init__(self, *, cls: type[TyperGroup] | None = HelpGroup, **options: Any) -> None:
        super().__init__(cls=cls, **options)

    def command(  # type: ignore[override]
        self, name: str | None = None, *, cls: type[TyperCommand] | None = HelpCommand, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().command(name, cls=cls, **options)
