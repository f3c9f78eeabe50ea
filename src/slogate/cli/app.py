"""The root ``slogate`` command: its sub-command groups and global options."""

from __future__ import annotations

import io
import sys
from importlib import import_module
from typing import Annotated

import typer

from slogate import __version__
from slogate.cli.lazy import Loader, lazy_group
from slogate.cli.output import set_debug

# Each command's module is imported when that command runs (or for --help), so that a command starts
# without the modules of all the others (FastAPI, SQLAlchemy, httpx …). The order is that of --help.
COMMANDS: dict[str, Loader] = {
    "evaluate": lambda: import_module("slogate.cli.evaluate").evaluate_command,
    "plugins": lambda: import_module("slogate.cli.plugins").plugins_command,
    "demo": lambda: import_module("slogate.cli.demo").demo_command,
    "auth": lambda: import_module("slogate.cli.auth").auth_command,
    "status": lambda: import_module("slogate.cli.auth").status_command,
    "add-resource": lambda: import_module("slogate.cli.resources").add_resource_command,
    "version": lambda: import_module("slogate.cli.version").version_command,
    "evaluations": lambda: import_module("slogate.cli.evaluations").app,
    "slo": lambda: import_module("slogate.cli.slo").app,
    "server": lambda: import_module("slogate.cli.server").app,
}
# The Keptn CLI's verbs (create, get …): these modules add their nouns to the verb groups, in this order.
VERB_MODULES = ("events", "monitoring", "projects", "resources", "secret", "sequences", "trigger")
VERBS = ("create", "update", "delete", "get", "trigger", "send", "pause", "resume", "abort", "configure")


def _verb(name: str) -> Loader:
    def load() -> object:
        for module in VERB_MODULES:
            import_module(f"slogate.cli.{module}")
        return import_module("slogate.cli.verbs").GROUPS[name]

    return load


COMMANDS.update({verb: _verb(verb) for verb in VERBS})

app = typer.Typer(
    name="slogate",
    cls=lazy_group(COMMANDS, list(COMMANDS)),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
