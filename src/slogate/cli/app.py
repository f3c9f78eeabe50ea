"""The root ``slogate`` command: its sub-command groups and global options."""

from __future__ import annotations

import io
import sys
from typing import Annotated

import typer

from slogate import __version__
from slogate.cli import (  # noqa: F401  (command modules register their commands on the verb groups)
    auth,
    demo,
    evaluate,
    evaluations,
    events,
    monitoring,
    plugins,
    projects,
    resources,
    secret,
    sequences,
    server,
    slo,
    trigger,
    verbs,
)
from slogate.cli.errors import ErrorMappingGroup
from slogate.cli.output import set_debug

app = typer.Typer(
    name="slogate",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    cls=ErrorMappingGroup,  # slogate's errors: one line and exit code 2, for every command
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("evaluate")(evaluate.evaluate_command)
app.add_typer(evaluations.app, name="evaluations")
app.add_typer(slo.app, name="slo")
app.command("plugins")(plugins.plugins_command)
app.add_typer(server.app, name="server")
app.command("demo")(demo.demo_command)
app.command("auth")(auth.auth_command)
app.command("status")(auth.status_command)
app.command("add-resource")(resources.add_resource_command)
for _verb, _group in verbs.GROUPS.items():
    app.add_typer(_group, name=_verb)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"slogate {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """SLO-based quality gates for releases, compatible with Keptn v1 files and events.

    Example: slogate slo evaluate --slo slo.yaml --sli-results sli.json
    """
    set_debug(debug)


def main() -> None:
    """Entry point of the ``slogate`` console script."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # a terminal without UTF-8 gets '?' for ✓ and ≥
            stream.reconfigure(errors="replace")
    app()
