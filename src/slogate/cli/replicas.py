"""``slogate get replicas``: the slogate server processes on the server's database, seen lately."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from slogate.cli import verbs
from slogate.cli.client import connect
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors


def get_replicas(output: Output = OutputFormat.TABLE) -> None:
    """Show the replicas (server processes sharing the database) whose heartbeat is at most 30 s old:
    name, version, start and last heartbeat; the one that answered is marked with *.

    Example: slogate get replicas -o json
    """
    with user_errors(), connect() as api:
        found: dict[str, Any] = api.get("/api/slogate/v1/replicas")
    replicas: list[dict[str, Any]] = found.get("replicas", [])
    if output != OutputFormat.TABLE:
        print_document(replicas, output)
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("NAME", "VERSION", "STARTED", "LAST SEEN"):
        table.add_column(column)
    for replica in replicas:
        name = str(replica.get("name", ""))
        marker = " *" if name == found.get("self") else ""
        table.add_row(
            Text(name + marker),
            *(Text(str(replica.get(key) or "")) for key in ("version", "startedAt", "lastSeen")),
        )
    console().print(table)


verbs.get.command("replicas")(get_replicas)
verbs.get.command("replica", hidden=True)(get_replicas)
