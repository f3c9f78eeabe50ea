"""Printing command results: JSON and YAML documents, one-line errors, the shared console."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from slogate.cli.jsontext import dumps_go
from slogate.errors import SlogateError

if TYPE_CHECKING:  # Rich and PyYAML load when something is printed with them, not at start-up
    from rich.console import Console

EXIT_INVALID_INPUT = 2
_debug = {"enabled": False}


class OutputFormat(StrEnum):
    """What a command prints: a readable table, or a document for machines."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


Output = Annotated[OutputFormat, typer.Option("--output", "-o", help="Output format: table, json or yaml.")]


def console() -> Console:
    """A console on standard output (created per call so that tests can capture it)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def go_numbers(document: Any) -> Any:
    """Integral floats as integers, so that JSON shows ``100`` as Go's encoder does, not ``100.0``."""
    if isinstance(document, dict):
        return {key: go_numbers(value) for key, value in document.items()}
    if isinstance(document, list):
        return [go_numbers(item) for item in document]
    if (
        isinstance(document, float)
        and math.isfinite(document)
        and document.is_integer()
        and abs(document) < 1e21
    ):
        return int(document)
    return document


def print_document(document: Any, output: OutputFormat) -> None:
    """Print ``document`` as JSON or YAML on standard output."""
    if output == OutputFormat.YAML:
        import yaml

        sys.stdout.write(yaml.safe_dump(go_numbers(document), sort_keys=False, allow_unicode=_utf8_stdout()))
    else:
        sys.stdout.write(dumps_go(document, not _utf8_stdout(), go_numbers) + "\n")


def _utf8_stdout() -> bool:
    """Whether standard output takes any character; documents are escaped where it does not."""
    return (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"


def print_error(message: str) -> None:
    """One line on standard error."""
    from rich.console import Console
    from rich.text import Text

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        Text.assemble(("error: ", "bold red"), message)
    )


def debug_enabled() -> bool:
    """Whether ``--debug`` was given (tracebacks, and the CLI's HTTP exchanges on standard error)."""
    return _debug["enabled"]


def set_debug(enabled: bool) -> None:
    """Show tracebacks instead of one-line errors (``--debug``)."""
    _debug["enabled"] = enabled


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn slogate's errors into one line on standard error and exit code 2."""
    try:
        yield
    except SlogateError as error:
        if _debug["enabled"]:
            raise
        print_error(error.message)
        raise typer.Exit(EXIT_INVALID_INPUT) from error
