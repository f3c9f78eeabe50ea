"""The CLI's one mapping of slogate's errors: one line on standard error and an exit code (``--debug``:
the traceback instead). ``ErrorMappingGroup`` applies it to every command of ``slogate``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer._click.core import Context

from slogate.cli.help import HelpGroup
from slogate.errors import SlogateError

EXIT_INVALID_INPUT = 2
_debug = {"enabled": False}


def set_debug(enabled: bool) -> None:
    """Show tracebacks instead of one-line errors (``--debug``)."""
    _debug["enabled"] = enabled


def debug_enabled() -> bool:
    """Whether ``--debug`` was given (tracebacks, and the CLI's HTTP exchanges on standard error)."""
    return _debug["enabled"]


def print_error(message: str) -> None:
    """One line on standard error."""
    from rich.console import Console  # loaded when an error is printed, not at start-up
    from rich.text import Text

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        Text.assemble(("error: ", "bold red"), message)
    )


def exit_code_of(error: SlogateError) -> int:
    """The exit code of a command that failed with ``error``: 2 for every deliberate error (1 stays
    the verdict's "fail", 0 its "pass")."""
    return EXIT_INVALID_INPUT if isinstance(error, SlogateError) else 1


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn slogate's errors into one line on standard error and their exit code."""
    try:
        yield
    except SlogateError as error:
        if _debug["enabled"]:
            raise
        print_error(error.message)
        raise typer.Exit(exit_code_of(error)) from error


class ErrorMappingGroup(HelpGroup):
    """The ``slogate`` group: any ``SlogateError`` a command raises becomes its one-line error."""

    def invoke(self, ctx: Context) -> Any:
        with user_errors():
            return super().invoke(ctx)
