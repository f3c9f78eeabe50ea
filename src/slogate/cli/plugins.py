"""``slogate plugins``: which SLI providers and executors are installed, and whether they load."""

from __future__ import annotations

from dataclasses import asdict

from rich.table import Table
from rich.text import Text

from slogate.cli.output import Output, OutputFormat, console, print_document


def plugins_command(
    output: Output = OutputFormat.TABLE,
) -> None:
    """List the plugins found through entry points, with their distribution and whether they load.

    Example: slogate plugins -o json
    """
    from slogate.adapters.plugins import list_plugins  # entry points are read when the command runs

    plugins = list_plugins()
    if output != OutputFormat.TABLE:
        print_document([asdict(plugin) for plugin in plugins], output)
        return
    table = Table(title="Plugins", title_justify="left")
    for column in ("Group", "Name", "Target", "Distribution", "Status"):
        table.add_column(column)
    for plugin in plugins:
        status = (
            Text(f"error: {plugin.error}", style="red") if plugin.error else Text("loaded", style="green")
        )
        table.add_row(
            Text(plugin.group),
            Text(plugin.name),
            Text(plugin.target),
            Text(f"{plugin.distribution} {plugin.version}".strip()),
            status,
        )
    console().print(table)
