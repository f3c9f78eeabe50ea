"""Printing command results: JSON and YAML documents and the shared console (one-line errors: cli.errors)."""

from __future__ import annotations

import math
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from slogate.cli.errors import EXIT_INVALID_INPUT as EXIT_INVALID_INPUT
from slogate.cli.errors import debug_enabled as debug_enabled
from slogate.cli.errors import print_error as print_error
from slogate.cli.errors import set_debug as set_debug
from slogate.cli.errors import user_errors as user_errors
from slogate.cli.jsontext import dumps_go

if TYPE_CHECKING:  # Rich and PyYAML load when something is printed with them, not at start-up
    from rich.console import Console


class OutputFormat(StrEnum):
    """What a command prints: a readable table, or a document for machines."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


Output = Annotated[OutputFormat, typer.Option("--output", "-o", help="Output format: table, json or yaml.")]


# Off a terminal (a pipe, a file, a CI log) nothing is cut to a width: every table row and sentence is
# printed at its full length, whatever COLUMNS says (Rich would cut tables at 80 columns).
FULL_WIDTH = 1_000_000


def on_terminal() -> bool:
    """Whether standard output is a terminal (tables fit its width, numbers are shortened there)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream is no terminal
        return False


def console() -> Console:
    """A console on standard output (created per call so that tests can capture it): the terminal's
    width on a terminal, else unlimited, so that no id, number or message is cut."""
    from rich.console import Console

    width = None if on_terminal() else FULL_WIDTH
    return Console(highlight=False, soft_wrap=False, width=width)


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
