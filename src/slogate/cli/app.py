"""The root ``slogate`` command: its sub-command groups and global options."""

from __future__ import annotations

import io
import sys
from importlib import import_module
from typing import Annotated

import typer

from slogate import __version__
from slogate.cli.errors import ErrorMappingGroup
from slogate.cli.help import App
from slogate.cli.lazy import Entry, lazy_group
from slogate.cli.output import set_debug

# Each command's module is imported when that command runs, so that a command starts without the
# modules of all the others (FastAPI, SQLAlchemy, httpx …). The order is that of --help.
COMMANDS: dict[str, Entry] = {
    "evaluate": Entry(lambda: import_module("slogate.cli.evaluate").evaluate_command),
    "lint": Entry(lambda: import_module("slogate.cli.lint").lint_command),
    "plugins": Entry(lambda: import_module("slogate.cli.plugins").plugins_command),
    "demo": Entry(lambda: import_module("slogate.cli.demo").demo_command),
    "auth": Entry(lambda: import_module("slogate.cli.auth").auth_command),
    "status": Entry(lambda: import_module("slogate.cli.auth").status_command),
    "add-resource": Entry(lambda: import_module("slogate.cli.resources").add_resource_command),
    "version": Entry(lambda: import_module("slogate.cli.version").version_command),
    "evaluations": Entry(lambda: import_module("slogate.cli.evaluations").app),
    "report": Entry(lambda: import_module("slogate.cli.report").app),
    "slo": Entry(lambda: import_module("slogate.cli.slo").app),
    "server": Entry(lambda: import_module("slogate.cli.server").app),
    "token": Entry(lambda: import_module("slogate.cli.access").token_app),
    "role": Entry(lambda: import_module("slogate.cli.access").role_app),
    "audit": Entry(lambda: import_module("slogate.cli.access").audit_command),
}
# The Keptn CLI's verbs (create, get …): importing these modules adds their nouns, in this order.
VERB_MODULES = tuple(
    f"slogate.cli.{name}"
    for name in (
        "events",
        "monitoring",
        "problems",
        "projects",
        "replicas",
        "resources",
        "secret",
        "sequences",
        "trigger",
    )
)
VERBS = ("create", "update", "delete", "get", "trigger", "send", "pause", "resume", "abort", "configure")


def _verb(name: str) -> Entry:
    return Entry(lambda: import_module("slogate.cli.verbs").GROUPS[name], VERB_MODULES)


COMMANDS.update({verb: _verb(verb) for verb in VERBS})

app = App(
    name="slogate",
    # commands load on demand; slogate's errors become one line and exit code 2, for every command
    cls=lazy_group(COMMANDS, list(COMMANDS), base=ErrorMappingGroup),
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
