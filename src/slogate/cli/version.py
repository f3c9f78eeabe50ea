"""``slogate version``: the CLI's version, as a line or as a document (Keptn's ``keptn version``)."""

from __future__ import annotations

import typer

from slogate import __version__
from slogate.cli.output import Output, OutputFormat, print_document


def version_command(output: Output = OutputFormat.TABLE) -> None:
    """Print slogate's version (the same as `slogate --version`), or a document with -o json|yaml.

    Example: slogate version -o json
    """
    if output == OutputFormat.TABLE:
        typer.echo(f"slogate {__version__}")
    else:
        print_document({"version": __version__}, output)
