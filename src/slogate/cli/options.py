"""Options shared by several commands, and parsing of their values (labels, times)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slogate.errors import InputError

if TYPE_CHECKING:  # the domain loads when a value is parsed: every command's module imports this one
    from slogate.domain.protocol.gate_events import Labels

DbPath = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="SQLite file of the evaluation history (default: SLOGATE_DATABASE_URL, "
        "else ~/.local/share/slogate/slogate.db).",
    ),
]
Project = Annotated[str, typer.Option("--project", help="The project (Keptn project).")]
Stage = Annotated[str, typer.Option("--stage", help="The stage, e.g. qa.")]
Service = Annotated[str, typer.Option("--service", help="The service.")]


def parse_labels(text: str) -> Labels:
    """``k=v,k2=v2`` as Keptn's CLI takes ``--labels`` (the grammar of ``client_events.parse_labels``)."""
    from slogate.domain.protocol import client_events

    try:
        return client_events.parse_labels(text)
    except ValueError as error:
        raise InputError(f"--labels: {error} (write e.g. --labels buildId=42,env=ci)") from None


def parse_option_time(option: str, text: str | None) -> datetime | None:
    """A time given on the command line, or None; an unparsable one names the option."""
    from slogate.domain.evaluation.window import WindowError, parse_time

    if text is None:
        return None
    try:
        return parse_time(text)
    except WindowError as error:
        raise InputError(f"{option}: {error}") from error
