"""Printing command results: JSON and YAML documents and the shared console (one-line errors: cli.errors)."""

from __future__ import annotations

import json
import math
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

from slogate.cli.errors import EXIT_INVALID_INPUT as EXIT_INVALID_INPUT
from slogate.cli.errors import debug_enabled as debug_enabled
from slogate.cli.errors import print_error as print_error
from slogate.cli.errors import set_debug as set_debug
from slogate.cli.errors import user_errors as user_errors


class OutputFormat(StrEnum):
    """What a command prints: a readable table, or a document for machines."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


Output = Annotated[OutputFormat, typer.Option("--output", "-o", help="Output format: table, json or yaml.")]


def console() -> Console:
    """A console on standard output (created per call so that tests can capture it)."""
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
    shaped = go_numbers(document)
    if output == OutputFormat.YAML:
        sys.stdout.write(yaml.safe_dump(shaped, sort_keys=False, allow_unicode=_utf8_stdout()))
    else:
        sys.stdout.write(json.dumps(shaped, indent=2, ensure_ascii=not _utf8_stdout()) + "\n")


def _utf8_stdout() -> bool:
    """Whether standard output takes any character; documents are escaped where it does not."""
    return (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"
